// udp_socket: socket(AF_INET, SOCK_DGRAM) + bind(127.0.0.1:0) + close. The socket inode goes
// through call_rcu(i_callback) and the bound UDP sock (SOCK_RCU_FREE) through
// call_rcu(__sk_destruct).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "workloads/floods/flood_kind.h"

namespace mt::workloads {
namespace {

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

class UdpSocketOp final : public FloodOp {
 public:
  int operator()() override { return udp_socket_op(); }
};

}  // namespace

extern constinit const FloodKind kUdpSocketFlood{
    .name = "udp_socket",
    .summary = "socket(AF_INET, SOCK_DGRAM) + bind(127.0.0.1:0) + close: the socket inode and "
               "the bound UDP sock (SOCK_RCU_FREE) go through call_rcu",
    .needs_dir = false,
    .make_op = make_plain_op<UdpSocketOp>,
};

}  // namespace mt::workloads
