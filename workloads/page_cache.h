// The page_cache workload: one file of `size` in the workload's directory. Clean: written once in
// 1 MiB chunks, fdatasync'ed, then read over and over (pread), so its pages are clean page cache
// that reclaim can drop at once but that keeps being used. Dirty: rewritten over and over with no
// sync, so its pages stay dirty and reclaim must wait for writeback. The file is removed at the
// end.
//   ops:   1 MiB chunks written or read
//   bytes: bytes of the file written so far (at most `size`)
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "common/clock.h"
#include "workloads/workload.h"

namespace mt::workloads {

struct PageCacheOptions {
  std::uint64_t size = 0;
  bool dirty = false;
  std::filesystem::path dir;
};

inline constexpr std::size_t kPageCacheChunk = 1 << 20;
// Pause between two passes over the whole file once it is written.
inline constexpr std::chrono::milliseconds kPageCachePassPause{50};
// How often a paused page_cache workload looks whether it may go on.
inline constexpr std::chrono::milliseconds kPageCachePausePoll{5};

class PageCacheWorkload final : public Workload {
 public:
  PageCacheWorkload(PageCacheOptions options, const Clock& clock);
  ~PageCacheWorkload() override;

  std::string name() const override { return "page_cache"; }
  int thread_count() const override { return 1; }
  Status prepare() override;
  Status run(int index, StopFlag& stop) override;
  Counters counters() const override;
  Status set_paused(bool paused) override;
  Status cleanup() override;
  const std::filesystem::path& file() const { return file_; }

 private:
  // One pass over the file (write or read, by `write`); false if a stop came first, or an error.
  Result<bool> pass(bool write, StopFlag& stop);

  PageCacheOptions options_;
  const Clock& clock_;
  std::filesystem::path file_;
  int fd_ = -1;
  std::vector<char> buffer_;
  std::atomic<std::uint64_t> ops_{0}, bytes_{0}, errors_{0};
  std::atomic<bool> paused_{false};
};

}  // namespace mt::workloads
