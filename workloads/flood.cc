#include "workloads/flood.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>
#include <utility>

#include "common/fs.h"
#include "workloads/pacer.h"

namespace mt::workloads {

std::string_view to_string(FloodKind kind) {
  switch (kind) {
    case FloodKind::udp_socket:
      return "udp_socket";
    case FloodKind::dentry:
      return "dentry";
  }
  return "?";
}

std::optional<FloodKind> parse_flood_kind(std::string_view text) {
  for (FloodKind kind : {FloodKind::udp_socket, FloodKind::dentry}) {
    if (text == to_string(kind)) return kind;
  }
  return std::nullopt;
}

int udp_socket_op() {
  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return errno;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = 0;  // any free port
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int err = 0;
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) err = errno;
  ::close(fd);
  return err;
}

// ---- DentryOp

Result<DentryOp> DentryOp::open(const std::filesystem::path& dir, int tag) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    return make_error(
        fmt::format("cannot open directory {}: {}", dir.string(), fs::errno_text(errno)));
  }
  return DentryOp(fd, tag);
}

DentryOp::DentryOp(DentryOp&& other) noexcept {
  *this = std::move(other);
}

DentryOp& DentryOp::operator=(DentryOp&& other) noexcept {
  if (this != &other) {
    if (dir_fd_ >= 0) ::close(dir_fd_);
    dir_fd_ = std::exchange(other.dir_fd_, -1);
    tag_ = other.tag_;
    next_ = other.next_;
    std::copy(std::begin(other.name_), std::end(other.name_), std::begin(name_));
  }
  return *this;
}

DentryOp::~DentryOp() {
  if (dir_fd_ >= 0) ::close(dir_fd_);
}

void DentryOp::format_name(char* out, int tag, std::uint64_t n) {
  // "memtorture-dentry-flood-t0003-00000000000004d2-xxxxxxxxxxxxxx..." (kDentryNameLength bytes)
  char* end =
      fmt::format_to_n(out, kDentryNameLength, "memtorture-dentry-flood-t{:04}-{:016x}-", tag, n)
          .out;
  std::fill(end, out + kDentryNameLength, 'x');
  out[kDentryNameLength] = '\0';
}

std::string DentryOp::next_name() const {
  char name[kDentryNameLength + 1];
  format_name(name, tag_, next_);
  return name;
}

int DentryOp::operator()() {
  format_name(name_, tag_, next_++);
  int fd = ::openat(dir_fd_, name_, O_CREAT | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return errno;
  ::close(fd);
  if (::unlinkat(dir_fd_, name_, 0) != 0) return errno;
  return 0;
}

// ---- FloodWorkload

FloodWorkload::FloodWorkload(FloodOptions options, const Clock& clock)
    : options_(std::move(options)),
      clock_(clock),
      counters_(std::make_unique<ThreadCounters[]>(static_cast<std::size_t>(options_.threads))),
      rate_(options_.rate) {}

FloodWorkload::~FloodWorkload() = default;

std::string FloodWorkload::name() const {
  return fmt::format("flood {}", to_string(options_.kind));
}

std::filesystem::path FloodWorkload::thread_dir(int index) const {
  return options_.dir / fmt::format("flood-{}-t{}", ::getpid(), index);
}

Status FloodWorkload::prepare() {
  if (options_.kind != FloodKind::dentry) return {};
  if (options_.dir.empty()) return make_error("the dentry flood needs a directory (--dir)");
  for (int i = 0; i < options_.threads; ++i) {
    std::filesystem::path dir = thread_dir(i);
    if (::mkdir(dir.c_str(), 0700) != 0) {
      return make_error(
          fmt::format("cannot create directory {}: {}", dir.string(), fs::errno_text(errno)));
    }
    made_.push_back(dir);
    auto op = DentryOp::open(dir, i);
    if (!op) return op.error();
    dentry_ops_.push_back(std::move(*op));
  }
  return {};
}

Status FloodWorkload::set_paused(bool paused) {
  paused_.store(paused, std::memory_order_relaxed);
  return {};
}

Status FloodWorkload::set_rate(double ops_per_s_per_thread) {
  rate_.store(ops_per_s_per_thread, std::memory_order_relaxed);
  rate_changes_.fetch_add(1, std::memory_order_release);
  return {};
}

template <class Op>
void FloodWorkload::loop(Op& op, ThreadCounters& counters, StopFlag& stop) {
  std::uint64_t seen_changes = rate_changes_.load(std::memory_order_acquire);
  std::optional<Pacer> pacer;
  pacer.emplace(rate_.load(std::memory_order_relaxed), clock_);
  while (!stop.stop_requested()) {
    if (paused_.load(std::memory_order_relaxed)) {
      if (stop.sleep_for(kPausePoll)) break;
      // After a pause the schedule starts afresh: no burst to catch up on.
      pacer.emplace(rate_.load(std::memory_order_relaxed), clock_);
      continue;
    }
    if (const auto changes = rate_changes_.load(std::memory_order_acquire);
        changes != seen_changes) {
      seen_changes = changes;
      pacer.emplace(rate_.load(std::memory_order_relaxed), clock_);
    }
    auto wait = pacer->reserve();
    if (wait > std::chrono::nanoseconds::zero() && stop.sleep_for(wait)) break;
    int err = op();
    if (err == 0) {
      counters.add_op();
    } else {
      counters.add_error(err);
      if (stop.sleep_for(kErrorBackoff)) break;
    }
  }
}

Status FloodWorkload::run(int index, StopFlag& stop) {
  ThreadCounters& counters = counters_[static_cast<std::size_t>(index)];
  switch (options_.kind) {
    case FloodKind::udp_socket: {
      auto op = [] { return udp_socket_op(); };
      loop(op, counters, stop);
      break;
    }
    case FloodKind::dentry:
      if (static_cast<std::size_t>(index) >= dentry_ops_.size()) {
        return make_error(fmt::format("dentry flood thread {} has no directory", index));
      }
      loop(dentry_ops_[static_cast<std::size_t>(index)], counters, stop);
      break;
  }
  return {};
}

Counters FloodWorkload::counters() const {
  Counters total;
  for (int i = 0; i < options_.threads; ++i) {
    const ThreadCounters& c = counters_[static_cast<std::size_t>(i)];
    total.ops += c.ops.load(std::memory_order_relaxed);
    total.errors += c.errors.load(std::memory_order_relaxed);
  }
  total.paused = paused_.load(std::memory_order_relaxed);
  total.rate = rate_.load(std::memory_order_relaxed);
  return total;
}

int FloodWorkload::last_errno() const {
  for (int i = 0; i < options_.threads; ++i) {
    int err = counters_[static_cast<std::size_t>(i)].last_errno.load(std::memory_order_relaxed);
    if (err != 0) return err;
  }
  return 0;
}

Status FloodWorkload::cleanup() {
  dentry_ops_.clear();  // closes the directory descriptors
  std::string failures;
  for (const auto& dir : made_) {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    if (ec) {
      if (!failures.empty()) failures += "; ";
      failures += fmt::format("cannot remove {}: {}", dir.string(), ec.message());
    }
  }
  made_.clear();
  if (!failures.empty()) return make_error(failures);
  return {};
}

}  // namespace mt::workloads
