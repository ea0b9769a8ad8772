// rename: one file in the thread's directory renamed back and forth between two names longer
// than 40 bytes (external names). Each rename frees the replaced external name through
// kfree_rcu (fs/dcache.c: copy_name / release of struct external_name).
#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include "workloads/floods/flood_kind.h"

namespace mt::workloads {
namespace {

class RenameOp final : public FloodOp {
 public:
  RenameOp(int dir_fd, std::array<std::string, 2> names)
      : dir_fd_(dir_fd), names_(std::move(names)) {}
  ~RenameOp() override {
    ::unlinkat(dir_fd_, names_[at_].c_str(), 0);
    ::close(dir_fd_);
  }
  int operator()() override {
    const int to = 1 - at_;
    if (::renameat(dir_fd_, names_[at_].c_str(), dir_fd_, names_[to].c_str()) != 0) return errno;
    at_ = to;
    return 0;
  }

 private:
  int dir_fd_;
  std::array<std::string, 2> names_;
  int at_ = 0;  // the name the file has now
};

Result<std::unique_ptr<FloodOp>> make_op(const FloodOpContext& context) {
  const int dir = ::open(context.dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0)
    return make_error(fmt::format("cannot open directory {}: {}", context.dir.string(),
                                  std::strerror(errno)));
  std::array<std::string, 2> names;
  for (int i = 0; i < 2; ++i)
    names[i] = fmt::format("memtorture-rename-flood-t{:04}-{}-{:x<40}", context.thread, i, "");
  const int fd = ::openat(dir, names[0].c_str(), O_CREAT | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    const int err = errno;
    ::close(dir);
    return make_error(fmt::format("cannot create {}: {}", names[0], std::strerror(err)));
  }
  ::close(fd);
  return std::unique_ptr<FloodOp>(std::make_unique<RenameOp>(dir, std::move(names)));
}

}  // namespace

extern constinit const FloodKind kRenameFlood{
    .name = "rename",
    .summary = "rename a file back and forth between two names over 40 bytes: each replaced "
               "external name is freed through kfree_rcu (fs/dcache.c)",
    .needs_dir = true,
    .make_op = make_op,
};

}  // namespace mt::workloads
