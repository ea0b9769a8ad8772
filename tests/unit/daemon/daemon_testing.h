// Helpers shared by the daemon unit tests: a scratch directory and sample builders.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>

#include "daemon/model.h"

namespace mt::daemon::testing {

inline constexpr std::uint64_t Mi = 1ULL << 20;

// A temp directory, removed with everything in it at the end of the test.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "mt-daemon-test-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) std::abort();
    root_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(root_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return root_; }
  std::filesystem::path operator/(const std::filesystem::path& rel) const { return root_ / rel; }

 private:
  std::filesystem::path root_;
};

inline std::string read_text(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

inline void write_text(const std::filesystem::path& file, const std::string& text) {
  std::ofstream(file, std::ios::binary) << text;
}

// Runs one handler that another thread posts to `io` (a part's prober or job thread), waiting
// up to 2 s for it; false when none came.
inline bool run_one_posted(boost::asio::io_context& io) {
  for (int i = 0; i < 2000; ++i) {
    io.restart();
    if (io.poll_one() > 0) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return false;
}

inline PsiFigures psi(double some_avg10, double full_avg10, std::uint64_t some_delta = 0,
                      std::uint64_t full_delta = 0) {
  return PsiFigures{some_avg10, full_avg10, some_delta, full_delta};
}

// A sample with usage/limit and the headroom the sampler would compute.
inline Sample sample(double t_s, std::uint64_t usage, std::uint64_t limit, std::uint64_t kernel = 0,
                     std::uint64_t oom_kills = 0) {
  Sample s;
  s.t_s = t_s;
  s.usage_bytes = usage;
  s.limit_bytes = limit;
  s.headroom_bytes = static_cast<std::int64_t>(limit) - static_cast<std::int64_t>(usage);
  s.kernel_bytes = kernel;
  s.oom_kills = oom_kills;
  return s;
}

}  // namespace mt::daemon::testing
