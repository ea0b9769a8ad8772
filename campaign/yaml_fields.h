// Reading a campaign file's YAML tree field by field: maps whose keys are checked (unknown, given
// twice, missing), and readers for each kind of value (names, numbers, sizes, durations, choices)
// that report what is wrong with the value and where. Nothing here knows the campaign schema;
// parse.cc does.
#pragma once

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "campaign/diagnostics.h"
#include "campaign/spec.h"

namespace mt::campaign {

// yaml-cpp marks are 0-based; ours are 1-based (0:0 when yaml-cpp has no mark).
SourcePos position_of(const YAML::Mark& mark);

// How a value reads in a message: "a map", "a list", "nothing", or a scalar in quotes: "'abc'".
std::string describe(const YAML::Node& node);

// "a, b or c" (last_separator " or "), "a, b, c" (last_separator ", ").
std::string join_words(std::span<const std::string_view> words, std::string_view last_separator);

// Whether `text` is a whole decimal number, optionally negative ("12", "-3"; not "1.5").
bool is_whole_number(std::string_view text);

// What the readers of one file share.
struct ReadContext {
  DiagnosticSink& diagnostics;
  // Where every key's value stood, by key path, for the rules that combine fields.
  std::map<std::string, SourcePos, std::less<>> value_pos;
};

// One `key: value` being read, named by its key path in every message.
class Field {
 public:
  Field(std::string path, YAML::Node value, SourcePos pos, DiagnosticSink& diagnostics)
      : path_(std::move(path)), value_(std::move(value)), pos_(pos), diagnostics_(&diagnostics) {}

  const std::string& path() const { return path_; }
  const YAML::Node& node() const { return value_; }
  // Of the value; of the key when the value is empty (yaml-cpp marks an empty value at whatever
  // token follows it, often on the next line).
  SourcePos pos() const { return pos_; }
  // The value as written, for "got ...": the scalar text, or describe() for anything else.
  std::string written() const;

  void error(std::string_view message) const;
  // Unless `ok`, reports "<message>, got <written>". Returns `ok`.
  bool check(bool ok, std::string_view message) const;

 private:
  std::string path_;
  YAML::Node value_;
  SourcePos pos_;
  DiagnosticSink* diagnostics_;
};

// The keys of one YAML map, each handed out once as a Field. Reports keys that are not plain
// names and keys given twice: yaml-cpp 0.7 keeps both pairs when iterating but its lookups
// silently take the first, so only this class looks keys up.
class MapFields {
 public:
  // `node` must be a map; `path` is its key path ("" for the top level).
  MapFields(const YAML::Node& node, std::string path, ReadContext& cx);

  SourcePos pos() const { return pos_; }
  const std::string& path() const { return path_; }
  std::string path_of(std::string_view key) const;

  std::optional<Field> optional(std::string_view key) const;
  // Like optional(), and reports "<path>.<key>: required key is missing" at the map.
  std::optional<Field> required(std::string_view key) const;
  // Every key, in file order (each once: a duplicate was reported and left out).
  std::vector<std::string> names() const;
  // Where its messages go: for reading a map nested in one of its values.
  ReadContext& context() const { return *cx_; }

  // Reports every key not in `known`, with the closest known key when it looks like a typo.
  // `misplaced` may explain a key that is known but wrong here ("'size' is only for anon
  // workloads") instead.
  using Explain = std::function<std::optional<std::string>(std::string_view key)>;
  void reject_unknown(std::span<const std::string_view> known, const Explain& misplaced = {}) const;

 private:
  struct Key {
    std::string name;
    SourcePos pos;
    YAML::Node value;
  };
  const Key* find(std::string_view key) const;

  std::string path_;
  SourcePos pos_;
  ReadContext* cx_;
  std::vector<Key> keys_;                               // first occurrences, in file order
  std::unordered_map<std::string, std::size_t> index_;  // name -> position in keys_
};

// Value readers. Each returns nullopt after reporting what is wrong.

// Any scalar; an empty value reads as "".
std::optional<std::string> read_text(const Field& f);
// A campaign or workload name: 1..kMaxNameLength of [A-Za-z0-9_.-], not "." or "..".
std::optional<std::string> read_name(const Field& f);
// A whole number in [min, max].
std::optional<std::int64_t> read_integer(const Field& f, std::int64_t min, std::int64_t max);
// A finite number in [min, max].
std::optional<double> read_number(const Field& f, double min, double max);
// true or false.
std::optional<bool> read_bool(const Field& f);
// A size >= 0 in the units of common/units.h ("256Mi", "64K", "4096").
std::optional<std::uint64_t> read_size(const Field& f);
// A duration >= 0 in the units of common/units.h ("100ms", "20s", "2m", "1h").
std::optional<milliseconds> read_duration(const Field& f);
// One of `names` (exact spelling); `what` names the set in messages ("flood kind"). Returns the
// index in `names`.
std::optional<std::size_t> read_choice(const Field& f, std::string_view what,
                                       std::span<const std::string_view> names);

}  // namespace mt::campaign
