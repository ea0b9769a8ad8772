#include "tests/support/udp_flood.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace mt::testing {
namespace {

[[noreturn]] void flood_loop(std::atomic<std::uint64_t>* counter) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  std::uint64_t local = 0;
  while (true) {
    const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
    if (fd >= 0) {
      (void)::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
      ::close(fd);
    }
    if ((++local & 63) == 0) counter->store(local, std::memory_order_relaxed);
  }
}

}  // namespace

Result<std::unique_ptr<UdpFlood>> UdpFlood::start(const UdpFloodOptions& options) {
  auto layout = cgroup::detect_layout();
  if (!layout) return layout.error();
  cgroup::Limits limits;
  limits.memory_limit = options.memory_limit;
  const std::string prefix =
      options.prefix.empty() ? fmt::format("memtorture-ledger-{}", ::getpid()) : options.prefix;
  auto cg = cgroup::CampaignCgroup::create(*layout, prefix, options.name, limits);
  if (!cg) return cg.error();
  std::unique_ptr<UdpFlood> flood(new UdpFlood());
  flood->cgroup_ = std::move(*cg);
  flood->counters_len_ = sizeof(std::atomic<std::uint64_t>) * options.processes;
  void* shared = ::mmap(nullptr, flood->counters_len_, PROT_READ | PROT_WRITE,
                        MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (shared == MAP_FAILED) return make_error(fmt::format("mmap: {}", std::strerror(errno)));
  flood->counters_ = new (shared) std::atomic<std::uint64_t>[options.processes]();
  std::vector<std::string> files;
  for (const auto& f : flood->cgroup_->procs_files()) files.push_back(f.string());
  std::vector<const char*> raw;
  for (const auto& f : files) raw.push_back(f.c_str());
  const pid_t parent = ::getpid();
  for (int i = 0; i < options.processes; ++i) {
    const pid_t pid = ::fork();
    if (pid < 0) return make_error(fmt::format("fork: {}", std::strerror(errno)));
    if (pid == 0) {
      // Only async-signal-safe calls until the loop: attach, and die with the parent.
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) ::_exit(1);
      if (cgroup::attach_self_raw(raw.data(), static_cast<int>(raw.size())) != 0) ::_exit(2);
      flood_loop(&flood->counters_[i]);
    }
    flood->children_.push_back(pid);
  }
  return flood;
}

UdpFlood::~UdpFlood() {
  (void)stop();
  if (counters_) ::munmap(counters_, counters_len_);
}

void UdpFlood::pause() {
  for (pid_t p : children_) ::kill(p, SIGSTOP);
  for (pid_t p : children_) {
    int status = 0;
    while (::waitpid(p, &status, WUNTRACED) < 0 && errno == EINTR) {
    }
  }
}

void UdpFlood::resume() {
  for (pid_t p : children_) ::kill(p, SIGCONT);
}

std::uint64_t UdpFlood::ops() const {
  std::uint64_t n = 0;
  for (std::size_t i = 0; i < children_.size(); ++i)
    n += counters_[i].load(std::memory_order_relaxed);
  return n;
}

Status UdpFlood::stop() {
  for (pid_t p : children_) ::kill(p, SIGKILL);
  for (pid_t p : children_) {
    int status = 0;
    while (::waitpid(p, &status, 0) < 0 && errno == EINTR) {
    }
  }
  children_.clear();
  if (cgroup_) {
    Status s = cgroup_->remove();
    cgroup_.reset();
    return s;
  }
  return {};
}

}  // namespace mt::testing
