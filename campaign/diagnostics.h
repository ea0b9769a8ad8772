// Collects every problem found in one campaign file, each tied to where it stood and to the key
// path it is about ("workloads[1].threads"), so the user sees all of them at once, in file order.
#pragma once

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "campaign/parse.h"
#include "campaign/spec.h"

namespace mt::campaign {

class DiagnosticSink {
 public:
  explicit DiagnosticSink(std::string file_name) : file_(std::move(file_name)) {}

  // Reports "path: message" at `pos`; an empty path leaves the prefix out.
  void error(SourcePos pos, std::string_view path, std::string_view message);

  // Whether a problem was reported about `path` or about a key above it: "cgroup" having failed
  // means "cgroup.memory_limit" cannot be trusted either.
  bool failed(std::string_view path) const;

  bool empty() const { return errors_.empty(); }

  // Every diagnostic, sorted by line and column (report order kept for equal positions).
  std::vector<Diagnostic> sorted() const;

 private:
  std::string file_;
  std::vector<Diagnostic> errors_;
  std::set<std::string, std::less<>> failed_paths_;
};

}  // namespace mt::campaign
