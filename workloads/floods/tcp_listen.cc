// tcp_listen: socket(AF_INET, SOCK_STREAM) + bind(127.0.0.1:0) + listen + close. A listener is
// freed through RCU (net/ipv4/inet_connection_sock.c, inet_csk_listen_start sets SOCK_RCU_FREE:
// __sk_destruct by call_rcu), and the socket inode through call_rcu(i_callback) (fs/inode.c).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "workloads/floods/flood_kind.h"

namespace mt::workloads {
namespace {

class TcpListenOp final : public FloodOp {
 public:
  int operator()() override {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return errno;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int err = 0;
    if (::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(fd, 1) != 0)
      err = errno;
    ::close(fd);
    return err;
  }
};

}  // namespace

extern constinit const FloodKind kTcpListenFlood{
    .name = "tcp_listen",
    .summary = "socket(AF_INET, SOCK_STREAM) + bind(127.0.0.1:0) + listen + close: the listener "
               "(SOCK_RCU_FREE, __sk_destruct) and its socket inode (i_callback) through call_rcu",
    .needs_dir = false,
    .make_op = make_plain_op<TcpListenOp>,
};

}  // namespace mt::workloads
