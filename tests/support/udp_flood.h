// A UDP socket flood for the RCU ledger's integration test and benchmark: child processes
// looping socket(AF_INET, SOCK_DGRAM) + bind(127.0.0.1:0) + close, each close queuing two RCU
// callbacks (the socket's inode, i_callback, and the SOCK_RCU_FREE sock, __sk_destruct). The
// children are in a memory-limited cgroup made for the flood under a memtorture-ledger-<pid>
// prefix, removed (children killed) when the flood is destroyed. Children are controlled by
// pid only: SIGSTOP/SIGCONT to pause, SIGKILL to end.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "cgroup/cgroup.h"
#include "common/result.h"

namespace mt::testing {

struct UdpFloodOptions {
  int processes = 1;
  std::uint64_t memory_limit = 512ull << 20;
  std::string prefix;  // empty: memtorture-ledger-<pid>
  std::string name = "udp-flood";
};

class UdpFlood {
 public:
  // Creates the cgroup and starts the children (running).
  static Result<std::unique_ptr<UdpFlood>> start(const UdpFloodOptions& options = {});
  ~UdpFlood();  // stop()
  UdpFlood(const UdpFlood&) = delete;
  UdpFlood& operator=(const UdpFlood&) = delete;

  void pause();   // SIGSTOP each child, and wait until each is stopped
  void resume();  // SIGCONT
  // Socket create/bind/close cycles done so far, all children.
  std::uint64_t ops() const;
  // Kills and reaps the children, removes the cgroup; the error says what was left.
  Status stop();
  const cgroup::CampaignCgroup& cgroup() const { return *cgroup_; }

 private:
  UdpFlood() = default;
  std::unique_ptr<cgroup::CampaignCgroup> cgroup_;
  std::vector<pid_t> children_;
  std::atomic<std::uint64_t>* counters_ = nullptr;  // shared memory, one per child
  std::size_t counters_len_ = 0;
};

}  // namespace mt::testing
