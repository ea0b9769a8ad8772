// inode: pipe2 + close of both ends. The pipe's pipefs inode is freed at its last close through
// destroy_inode -> call_rcu(i_callback) (fs/inode.c), the pipe_inode_info at once.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "workloads/floods/flood_kind.h"

namespace mt::workloads {
namespace {

class InodeOp final : public FloodOp {
 public:
  int operator()() override {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return errno;
    ::close(fds[0]);
    ::close(fds[1]);
    return 0;
  }
};

}  // namespace

extern constinit const FloodKind kInodeFlood{
    .name = "inode",
    .summary = "pipe2 + close of both ends: the pipe's inode goes through call_rcu(i_callback) "
               "(fs/inode.c, destroy_inode)",
    .needs_dir = false,
    .make_op = make_plain_op<InodeOp>,
};

}  // namespace mt::workloads
