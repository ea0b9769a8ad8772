// The gRPC edge: thin handlers that check the request, post the work to the io_context that owns
// all campaign state, and convert the answer back. gRPC threads never touch core state.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <string>

#include "cgroup/layout.h"
#include "daemon/engine.h"
#include "kernel/system_probe.h"
#include "memtorture/v1/memtorture.grpc.pb.h"

namespace mt::daemon {
namespace pb = ::memtorture::v1;
}

namespace mt::daemon {

struct SystemFacts {
  std::string daemon_version;
  kernel::SystemProbe probe;
  cgroup::Layout layout;
  std::string libcgroup_memory_mount;
  // Why the RCU ledger cannot run on this host (rcu::ledger_unavailable_reason(), asked once at
  // start-up: one parse of the kernel BTF); empty when nothing stands in its way. A probe does
  // not try to open the ledger where this says it cannot.
  std::string ledger_unavailable = "not probed";
  std::string ledger_unsized;  // why it counts callbacks and cannot size them (no kfunc)
  std::string cgroup_prefix = "memtorture";  // GetOomProximity looks at cgroups under it only
  std::string campaign_parent_why;  // why campaigns go under layout.campaign_root()
  std::string daemon_cgroup;        // the leaf the daemon moved itself into, if it did
};

// ReadReport's chunk size: well under gRPC's default 4 MiB message limit.
inline constexpr std::size_t kReportChunkBytes = 1U << 20;

class Service final : public ::memtorture::v1::MemTorture::CallbackService {
 public:
  Service(boost::asio::io_context& io, Engine& engine, SystemFacts facts);
  ~Service() override {  // a probe in flight finishes first
    probes_.join();
    oom_probes_.join();
  }

  grpc::ServerUnaryReactor* ValidateCampaign(grpc::CallbackServerContext* ctx,
                                             const pb::ValidateCampaignRequest* req,
                                             pb::ValidateCampaignResponse* resp) override;
  grpc::ServerUnaryReactor* StartCampaign(grpc::CallbackServerContext* ctx,
                                          const pb::StartCampaignRequest* req,
                                          pb::StartCampaignResponse* resp) override;
  grpc::ServerUnaryReactor* GetCampaign(grpc::CallbackServerContext* ctx,
                                        const pb::GetCampaignRequest* req,
                                        pb::Campaign* resp) override;
  grpc::ServerUnaryReactor* ListCampaigns(grpc::CallbackServerContext* ctx,
                                          const pb::ListCampaignsRequest* req,
                                          pb::ListCampaignsResponse* resp) override;
  grpc::ServerUnaryReactor* StopCampaign(grpc::CallbackServerContext* ctx,
                                         const pb::StopCampaignRequest* req,
                                         pb::Campaign* resp) override;
  grpc::ServerWriteReactor<pb::CampaignEvent>* WatchCampaign(
      grpc::CallbackServerContext* ctx, const pb::WatchCampaignRequest* req) override;
  grpc::ServerWriteReactor<pb::ReportChunk>* ReadReport(grpc::CallbackServerContext* ctx,
                                                        const pb::ReadReportRequest* req) override;
  grpc::ServerUnaryReactor* ControlWorkload(grpc::CallbackServerContext* ctx,
                                            const pb::ControlWorkloadRequest* req,
                                            pb::WorkloadStatus* resp) override;
  grpc::ServerUnaryReactor* GetSystem(grpc::CallbackServerContext* ctx,
                                      const pb::GetSystemRequest* req,
                                      pb::SystemInfo* resp) override;
  // Runs on a thread of its own (it blocks for grace periods and the ledger's window), never on
  // the io thread.
  grpc::ServerUnaryReactor* ProbeRcu(grpc::CallbackServerContext* ctx,
                                     const pb::ProbeRcuRequest* req,
                                     pb::ProbeRcuResponse* resp) override;
  // A running campaign's looks come from the io thread at once; a cgroup's or the system's are
  // sampled over a window on a thread of their own.
  grpc::ServerUnaryReactor* GetOomProximity(grpc::CallbackServerContext* ctx,
                                            const pb::GetOomProximityRequest* req,
                                            pb::GetOomProximityResponse* resp) override;

 private:
  boost::asio::io_context& io_;
  Engine& engine_;
  SystemFacts facts_;
  // Probes run here one at a time (a second waits its turn); joined when the service goes.
  boost::asio::thread_pool probes_{1};
  // OOM proximity probes, apart from RCU probes (a 60 s ledger window must not hold them up).
  boost::asio::thread_pool oom_probes_{1};
};

grpc::Status to_grpc(const ApiError& e);

}  // namespace mt::daemon
