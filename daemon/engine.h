// All campaign state, owned by the one io_context thread. The gRPC edge posts every call here
// (validate() alone is pure and may run on any thread).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "campaign/compile.h"
#include "campaign/parse.h"
#include "common/clock.h"
#include "daemon/campaign_runner.h"
#include "daemon/model.h"

namespace mt::daemon {

struct ApiError {
  // unsupported: the campaign `requires:` what this host lacks (it is not run).
  enum class Code {
    invalid_argument,
    not_found,
    failed_precondition,
    unavailable,
    internal,
    unsupported
  };
  Code code = Code::internal;
  std::string message;
};

template <class T>
struct ApiResult {
  std::optional<T> value;
  ApiError error;
  static ApiResult fail(ApiError::Code c, std::string m) {
    return {std::nullopt, {c, std::move(m)}};
  }
  bool ok() const { return value.has_value(); }
};

struct EngineOptions {
  RunnerOptions runner;
  campaign::HostFeatures host;  // probed once at start-up; what compile() checks against
};

class Engine {
 public:
  using EventFn = std::function<void(const Event&)>;
  using EndFn = std::function<void()>;
  using SubscriptionId = std::uint64_t;

  Engine(boost::asio::io_context& io, const Clock& clock, EngineOptions options);
  ~Engine();

  // Pure; any thread (the gRPC edge calls them on its own threads, never on the io thread: a
  // large campaign must not hold up every other call).
  campaign::ParseResult validate(std::string_view yaml, const std::string& file_name) const;
  // validate(), then compile() against this host: what it cannot run, and the warnings.
  campaign::CompileResult check(std::string_view yaml, const std::string& file_name) const;
  // Parses, checks what this host allows, normalizes; the id is given by start().
  ApiResult<CampaignInput> prepare(std::string_view yaml, const std::string& file_name) const;

  // io thread only, from here on.
  ApiResult<std::string> start(CampaignInput input);
  ApiResult<std::string> start(std::string_view yaml, const std::string& file_name);
  // A running campaign's whole view; a finished one's summary (no latest sample, metrics,
  // workloads or criteria: its report holds them, and view() reads them back). A daemon that
  // runs campaigns for days keeps a few hundred bytes for each it has finished.
  ApiResult<CampaignView> get(const std::string& id) const;
  // The whole view, also of a finished campaign: read back from its report on the loader
  // thread (an hour's report is tens of MB), then `done` runs on the io thread.
  void view(const std::string& id, std::function<void(ApiResult<CampaignView>)> done);
  // Where a finished campaign's report.json is (for ReadReport, which reads it off this thread);
  // also a variants campaign's run by its id ("<id>.<n>").
  ApiResult<std::filesystem::path> report_file(const std::string& id) const;
  std::vector<CampaignView> list() const;  // newest first; get()'s views
  // Calls `done` once the campaign has been torn down (with view()'s answer if it had ended).
  void stop(const std::string& id, std::function<void(ApiResult<CampaignView>)> done);
  // Pauses, resumes or re-paces a workload of the running campaign `id`; `done` runs once its
  // worker has applied (the status after it) or refused the command.
  void control(const std::string& id, const std::string& workload,
               const workloads::Control& command,
               std::function<void(ApiResult<WorkloadStatus>)> done);
  // The first event is a snapshot; `on_end` runs after the campaign's last event (right after
  // the snapshot for a finished campaign, whose view is read back from its report first).
  ApiResult<SubscriptionId> subscribe(const std::string& id, EventFn on_event, EndFn on_end);
  void unsubscribe(SubscriptionId id);
  // Aborts the running campaign (if any) and calls `done` when nothing is left running.
  void shutdown(std::function<void()> done);
  // The running campaign `id`'s latest OOM proximity looks.
  ApiResult<OomLook> oom_look(const std::string& id) const;
  std::string running_id() const;
  // Finished campaigns from <state-dir>/reports/*/report.json (after a restart).
  void load_reports();

 private:
  std::optional<std::filesystem::path> variant_run_report(const std::string& id) const;
  // A finished campaign as memory keeps it: get()'s and list()'s figures in a few hundred
  // bytes (an hour of back-to-back campaigns is ~800 of them); its report holds the samples,
  // workloads and criteria, and view() reads them back. One whose report could not be written
  // (a full disk) keeps its whole view, since nothing else has it.
  struct Finished {
    explicit Finished(const CampaignView& v);
    CampaignView view(std::string_view id) const;

    std::string name;
    std::string reason;
    std::string file_name;
    std::string report_path;
    State state;
    double elapsed_s;
    double duration_s;
    std::uint64_t peak_bytes;
    std::optional<std::int64_t> min_headroom_bytes;
    std::uint64_t max_kernel_bytes;
    std::uint64_t failcnt;
    std::int64_t started_unix_ms;
    std::unique_ptr<const CampaignView> whole;  // only when there is no report
  };
  struct Entry {
    std::unique_ptr<CampaignRun> runner;  // a campaign of this daemon run, until it has ended
    std::unique_ptr<const Finished> ended;  // then what is kept of it
    std::vector<std::function<void()>> on_finished;
  };
  struct Subscriber {
    std::string campaign;
    EventFn on_event;
    EndFn on_end;
  };
  std::string new_id(const std::string& name) const;
  CampaignView view_of(std::string_view id, const Entry& e) const;
  // view()'s work for an entry that exists: at once, or after reading its report.
  void whole_view(std::string_view id, const Entry& e, std::function<void(CampaignView)> done);
  void broadcast(const std::string& campaign, const Event& ev);
  void finished(const std::string& campaign);
  bool write_crash_report(const std::filesystem::path& dir) const;

  boost::asio::io_context& io_;
  const Clock& clock_;
  AsioScheduler timers_;  // every campaign timer, on clock_
  EngineOptions opt_;
  std::map<std::string, Entry> campaigns_;
  std::string running_;
  std::map<SubscriptionId, Subscriber> subscribers_;
  SubscriptionId next_subscription_ = 1;
  bool shutting_down_ = false;
  // Reads finished campaigns' reports back (view()); its handlers post their answer to io_ and
  // are dropped once the engine is gone.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  boost::asio::thread_pool loader_{1};
};

}  // namespace mt::daemon
