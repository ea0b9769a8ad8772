#include "workloads/floods/dentry.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <utility>

#include "common/fs.h"

namespace mt::workloads {

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

namespace {

Result<std::unique_ptr<FloodOp>> make_op(const FloodOpContext& context) {
  auto op = DentryOp::open(context.dir, context.thread);
  if (!op) return op.error();
  return std::unique_ptr<FloodOp>(std::make_unique<DentryOp>(std::move(*op)));
}

}  // namespace

extern constinit const FloodKind kDentryFlood{
    .name = "dentry",
    .summary = "create, close and unlink a file with a name over 40 bytes: the dentry goes "
               "through call_rcu, its external name through kfree_rcu",
    .needs_dir = true,
    .make_op = make_op,
};

}  // namespace mt::workloads
