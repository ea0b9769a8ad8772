// The commands against a fake memtortured: an in-process gRPC server on a unix socket in a
// temporary directory (no root, no real daemon). Each test scripts the answers it needs.
#include "client/commands.h"

#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "client/interrupt.h"
#include "client/render.h"
#include "memtorture/v1/memtorture.grpc.pb.h"
#include "tests/unit/client/client_testing.h"

namespace mt::client {
namespace {

using ::testing::HasSubstr;
using testing::Mi;
using ::testing::Not;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

const std::string kSmoke = std::string(MT_SOURCE_DIR) + "/configs/smoke.yaml";

// Waits (polling) until `done` or 10 s; the tests assert what happens, not how fast.
template <class F>
bool eventually(F done) {
  for (auto end = std::chrono::steady_clock::now() + 10s; std::chrono::steady_clock::now() < end;
       std::this_thread::sleep_for(5ms))
    if (done()) return true;
  return done();
}

// Blocks a handler until its call is cancelled (deadline, client cancel, server shutdown).
void until_cancelled(grpc::ServerContext* ctx) {
  while (!ctx->IsCancelled()) std::this_thread::sleep_for(2ms);
}

class FakeDaemon final : public pb::MemTorture::Service {
 public:
  using Unary = std::function<grpc::Status(grpc::ServerContext*, pb::Campaign*)>;
  std::function<grpc::Status(const pb::StartCampaignRequest&, pb::StartCampaignResponse*)> start;
  std::function<grpc::Status(grpc::ServerContext*, grpc::ServerWriter<pb::CampaignEvent>*)> watch;
  Unary get, stop;
  std::function<grpc::Status(pb::ListCampaignsResponse*)> list;
  std::function<grpc::Status(grpc::ServerWriter<pb::ReportChunk>*)> report;
  bool ledger_available = false;
  std::string ledger_unsized;
  std::function<grpc::Status(grpc::ServerContext*, const pb::ProbeRcuRequest&,
                             pb::ProbeRcuResponse*)>
      probe;
  std::atomic<int> starts{0}, stops{0}, watches{0};

  grpc::Status StartCampaign(grpc::ServerContext*, const pb::StartCampaignRequest* req,
                             pb::StartCampaignResponse* resp) override {
    ++starts;
    return start ? start(*req, resp) : unimplemented();
  }
  grpc::Status WatchCampaign(grpc::ServerContext* ctx, const pb::WatchCampaignRequest*,
                             grpc::ServerWriter<pb::CampaignEvent>* w) override {
    ++watches;
    return watch ? watch(ctx, w) : unimplemented();
  }
  grpc::Status GetCampaign(grpc::ServerContext* ctx, const pb::GetCampaignRequest*,
                           pb::Campaign* c) override {
    return get ? get(ctx, c) : unimplemented();
  }
  grpc::Status StopCampaign(grpc::ServerContext* ctx, const pb::StopCampaignRequest*,
                            pb::Campaign* c) override {
    ++stops;
    return stop ? stop(ctx, c) : unimplemented();
  }
  grpc::Status ListCampaigns(grpc::ServerContext*, const pb::ListCampaignsRequest*,
                             pb::ListCampaignsResponse* l) override {
    return list ? list(l) : unimplemented();
  }
  grpc::Status ReadReport(grpc::ServerContext*, const pb::ReadReportRequest*,
                          grpc::ServerWriter<pb::ReportChunk>* w) override {
    return report ? report(w) : unimplemented();
  }
  grpc::Status GetSystem(grpc::ServerContext*, const pb::GetSystemRequest*,
                         pb::SystemInfo* s) override {
    s->set_cpus(2);
    s->set_memory_total_bytes(8ULL << 30);
    s->set_cgroup_mode("hybrid");
    s->set_ledger_available(ledger_available);
    if (!ledger_available)
      s->set_ledger_unavailable_reason("not privileged: loading tracing BPF needs CAP_BPF");
    s->set_ledger_unsized_reason(ledger_unsized);
    return grpc::Status::OK;
  }
  grpc::Status ProbeRcu(grpc::ServerContext* ctx, const pb::ProbeRcuRequest* req,
                        pb::ProbeRcuResponse* resp) override {
    return probe ? probe(ctx, *req, resp) : unimplemented();
  }

 private:
  static grpc::Status unimplemented() { return {grpc::StatusCode::UNIMPLEMENTED, "not scripted"}; }
};

pb::Campaign smoke(pb::CampaignState state) {
  pb::Campaign c;
  c.set_id("smoke-1");
  c.set_name("smoke");
  c.set_state(state);
  c.set_elapsed_s(is_final(state) ? 10 : 2);
  c.set_duration_s(10);
  *c.mutable_latest() = testing::sample(100 * Mi, 256 * Mi);
  c.set_started_unix_ms(1'763'800'000'123);
  return c;
}

pb::CampaignEvent snapshot_event(const pb::Campaign& c) {
  pb::CampaignEvent ev;
  ev.set_t_s(c.elapsed_s());
  *ev.mutable_snapshot() = c;
  return ev;
}

pb::CampaignEvent criterion_event(double t, bool pass) {
  pb::CampaignEvent ev;
  ev.set_t_s(t);
  *ev.mutable_criterion() = testing::criterion("max_oom_kills", pass, "worst 1 > limit 0");
  return ev;
}

class CommandsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("mt-client-cmd-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    socket_ = (dir_ / "d.sock").string();
    grpc::ServerBuilder builder;
    builder.AddListeningPort("unix:" + socket_, grpc::InsecureServerCredentials());
    builder.RegisterService(&fake_);
    server_ = builder.BuildAndStart();
    ASSERT_TRUE(server_);
    fake_.start = [](const pb::StartCampaignRequest&, pb::StartCampaignResponse* r) {
      r->set_id("smoke-1");
      return grpc::Status::OK;
    };
  }
  void TearDown() override {
    server_->Shutdown(std::chrono::system_clock::now() + 2s);  // cancels what still runs
    fs::remove_all(dir_);
  }
  GlobalOptions options() {
    GlobalOptions g;
    g.socket = socket_;
    g.console = &console_;
    return g;
  }
  std::string junit_path() const { return (dir_ / "out.xml").string(); }
  std::string junit() const {
    std::ifstream in(junit_path());
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
  }
  std::string write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name, std::ios::binary) << text;
    return (dir_ / name).string();
  }
  int run(const std::string& file, bool json = false) {
    auto g = options();
    g.json = json;
    Interrupt interrupt(2);
    return run_campaign(g, {file, junit_path()}, interrupt);
  }

  fs::path dir_;
  std::string socket_;
  FakeDaemon fake_;
  std::unique_ptr<grpc::Server> server_;
  std::ostringstream out_, err_;
  Console console_{out_, err_, /*err_is_tty=*/false};
};

// ---- run: refusals, each with a JUnit file -------------------------------------------------

TEST_F(CommandsTest, ARefusedStartSaysWhyAndWritesAFailingJunitCase) {
  fake_.start = [](const pb::StartCampaignRequest&, pb::StartCampaignResponse*) {
    return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                        "campaign other-20261122T000000-aaaa is running; one runs at a time");
  };
  EXPECT_EQ(run(kSmoke), kUnreachable);
  EXPECT_EQ(err_.str(), "memtorturectl: starting " + kSmoke +
                            ": campaign other-20261122T000000-aaaa is running; one runs at a "
                            "time\n");
  const std::string x = junit();
  EXPECT_THAT(x, HasSubstr(R"x(<testsuite name="smoke" tests="1" failures="1")x"));
  EXPECT_THAT(x, HasSubstr("<failure message=\"starting " + kSmoke +
                           ": campaign other-20261122T000000-aaaa is running"));
}

TEST_F(CommandsTest, ACampaignRequiringWhatTheHostLacksIsNotRunExitFourAndASuiteSkipsIt) {
  fake_.start = [](const pb::StartCampaignRequest&, pb::StartCampaignResponse*) {
    return grpc::Status(grpc::StatusCode::UNIMPLEMENTED,
                        "this host lacks what the campaign requires:\nsmoke.yaml:4:12: "
                        "requires[0] ledger_bytes: the RCU ledger only counts here");
  };
  EXPECT_EQ(run(kSmoke), kNotRun);
  EXPECT_THAT(err_.str(), HasSubstr("requires[0] ledger_bytes: the RCU ledger only counts here"));
  EXPECT_THAT(err_.str(), HasSubstr("not run: memtortured's host lacks what it requires"));

  SuiteOptions o;
  o.inputs = {kSmoke};
  o.out = (dir_ / "suite").string();
  Interrupt interrupt(2);
  EXPECT_EQ(run_suite(options(), o, interrupt), kPassed) << "skipped is not a failure";
  std::ifstream junit_file(dir_ / "suite" / "junit.xml");
  std::stringstream x;
  x << junit_file.rdbuf();
  EXPECT_THAT(x.str(), HasSubstr("<skipped"));
  EXPECT_THAT(x.str(), HasSubstr("requires[0] ledger_bytes"));
}

// The daemon's errors were printed through a string_view on a destroyed temporary.
TEST_F(CommandsTest, AnInvalidCampaignPrintsTheDaemonsErrorsExactly) {
  fake_.start = [](const pb::StartCampaignRequest& req, pb::StartCampaignResponse*) {
    const std::string f = req.source().file_name();
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "source.yaml: invalid campaign:\n" + f + ":3:1: unknown key 'x'\n" + f +
                            ":9:5: threads: must be at most 64");
  };
  EXPECT_EQ(run(kSmoke), kInvalid);
  EXPECT_EQ(err_.str(), kSmoke + ":3:1: unknown key 'x'\n" + kSmoke +
                            ":9:5: threads: must be at most 64\n" + kSmoke +
                            ": invalid campaign, refused by memtortured\n");
  EXPECT_THAT(junit(), HasSubstr("unknown key &apos;x&apos;"));
}

// A one-line INVALID_ARGUMENT (no file:line:col list): the first bytes of the message came out
// as garbage, where the allocator had reused the freed string.
TEST_F(CommandsTest, AOneLineInvalidArgumentIsPrintedIntact) {
  fake_.start = [](const pb::StartCampaignRequest&, pb::StartCampaignResponse*) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "source.yaml: must not be empty (the campaign file's text)");
  };
  EXPECT_EQ(run(kSmoke), kInvalid);
  EXPECT_EQ(err_.str(), "memtorturectl: starting " + kSmoke +
                            ": source.yaml: must not be empty (the campaign file's text)\n");
  EXPECT_THAT(junit(), HasSubstr("source.yaml: must not be empty"));
}

TEST_F(CommandsTest, TheFileIsSentAsItIsWithItsName) {
  std::string yaml, name;
  fake_.start = [&](const pb::StartCampaignRequest& req, pb::StartCampaignResponse*) {
    yaml = req.source().yaml();
    name = req.source().file_name();
    return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, "busy");
  };
  run(kSmoke);
  std::ifstream in(kSmoke);
  std::ostringstream text;
  text << in.rdbuf();
  EXPECT_EQ(yaml, text.str());
  EXPECT_EQ(name, kSmoke);
}

TEST_F(CommandsTest, ABinaryFileIsRefusedBeforeAnythingIsSent) {
  const auto file = write("prog", std::string("\x7f"
                                              "ELF\x02\x01\x01\x00\x00",
                                              9));
  EXPECT_EQ(run(file), kInvalid);
  EXPECT_EQ(fake_.starts, 0);
  EXPECT_THAT(err_.str(), HasSubstr(file + ":1:"));
  EXPECT_THAT(err_.str(), HasSubstr("is not a UTF-8 text file"));
  EXPECT_THAT(junit(), HasSubstr("is not a UTF-8 text file"));
}

TEST_F(CommandsTest, ADirectoryOrAMissingFileIsRefusedBeforeAnythingIsSent) {
  EXPECT_EQ(run(dir_.string()), kInvalid);
  EXPECT_EQ(err_.str(), dir_.string() + ": is a directory\n");
  EXPECT_THAT(junit(), HasSubstr("is a directory"));
  err_.str("");
  EXPECT_EQ(run((dir_ / "nope.yaml").string()), kInvalid);
  EXPECT_EQ(err_.str(),
            (dir_ / "nope.yaml").string() + ": cannot open: ENOENT (No such file or directory)\n");
  EXPECT_EQ(fake_.starts, 0);
}

TEST_F(CommandsTest, AnUnreachableDaemonStillGivesAJunitFile) {
  auto g = options();
  g.socket = (dir_ / "no-daemon.sock").string();
  Interrupt interrupt(2);
  EXPECT_EQ(run_campaign(g, {kSmoke, junit_path()}, interrupt), kUnreachable);
  EXPECT_THAT(err_.str(), HasSubstr("cannot reach memtortured at " + g.socket));
  EXPECT_THAT(junit(), HasSubstr("<failure message=\"cannot reach memtortured at"));
  EXPECT_THAT(junit(), HasSubstr(R"x(name="smoke")x"));
}

TEST_F(CommandsTest, AnUnknownCampaignInWatchGivesAJunitFileNamedByTheId) {
  fake_.watch = [](grpc::ServerContext*, grpc::ServerWriter<pb::CampaignEvent>*) {
    return grpc::Status(grpc::StatusCode::NOT_FOUND, "no campaign 'nope-1'");
  };
  Interrupt interrupt(1);
  EXPECT_EQ(watch_campaign(options(), "nope-1", junit_path(), interrupt), kUnreachable);
  EXPECT_EQ(err_.str(), "memtorturectl: watching campaign nope-1: no campaign 'nope-1'\n");
  EXPECT_THAT(junit(), HasSubstr(R"x(<testsuite name="nope-1")x"));
  EXPECT_THAT(junit(), HasSubstr(R"x(<property name="id" value="nope-1"/>)x"));
}

// ---- run: the end of the stream --------------------------------------------------------------

TEST_F(CommandsTest, AStreamCancelledAfterTheFinalSnapshotGivesTheVerdict) {
  pb::Campaign last = smoke(pb::FAILED);
  last.set_reason("duration reached; criteria failed: max_oom_kills: worst 1 > limit 0");
  *last.add_criteria() = testing::criterion("max_oom_kills", false, "worst 1 > limit 0");
  fake_.watch = [&](grpc::ServerContext*, grpc::ServerWriter<pb::CampaignEvent>* w) {
    w->Write(snapshot_event(smoke(pb::RUNNING)));
    w->Write(criterion_event(3.0, false));  // live, when it first failed
    pb::CampaignEvent state;
    state.mutable_state()->set_state(pb::FAILED);
    w->Write(state);
    w->Write(criterion_event(10.0, false));  // again with the final results
    w->Write(snapshot_event(last));
    return grpc::Status(grpc::StatusCode::CANCELLED, "daemon shutting down");
  };
  fake_.get = [](grpc::ServerContext*, pb::Campaign*) {
    return grpc::Status(grpc::StatusCode::UNAVAILABLE, "daemon gone");
  };
  EXPECT_EQ(run(kSmoke), kFailed);
  EXPECT_THAT(out_.str(), HasSubstr("campaign smoke (smoke-1): failed\n"));
  EXPECT_THAT(err_.str(), HasSubstr("getting campaign smoke-1: daemon gone"));
  // Once live; the summary's table has it once more.
  const std::string err = err_.str();
  EXPECT_EQ(err.find("criterion max_oom_kills failed"), err.rfind("criterion max_oom_kills failed"))
      << err;
  EXPECT_NE(err.find("criterion max_oom_kills failed"), std::string::npos);
  EXPECT_THAT(junit(), HasSubstr(R"x(tests="1" failures="1")x"));
  EXPECT_THAT(junit(), HasSubstr(R"x(name="max_oom_kills"><failure)x"));
}

TEST_F(CommandsTest, AStreamErrorBeforeTheEndIsAFailureWithAJunitFile) {
  fake_.watch = [&](grpc::ServerContext*, grpc::ServerWriter<pb::CampaignEvent>* w) {
    w->Write(snapshot_event(smoke(pb::RUNNING)));
    return grpc::Status(grpc::StatusCode::UNAVAILABLE, "connection reset");
  };
  EXPECT_EQ(run(kSmoke), kUnreachable);
  EXPECT_THAT(err_.str(), HasSubstr("memtorturectl: watching campaign smoke-1: connection reset"));
  EXPECT_THAT(junit(), HasSubstr("connection reset"));
  EXPECT_THAT(junit(), HasSubstr(R"x(<property name="id" value="smoke-1"/>)x"));
}

TEST_F(CommandsTest, RunJsonPrintsTheReport) {
  fake_.watch = [&](grpc::ServerContext*, grpc::ServerWriter<pb::CampaignEvent>* w) {
    w->Write(snapshot_event(smoke(pb::PASSED)));
    return grpc::Status::OK;
  };
  fake_.get = [](grpc::ServerContext*, pb::Campaign* c) {
    *c = smoke(pb::PASSED);
    return grpc::Status::OK;
  };
  fake_.report = [](grpc::ServerWriter<pb::ReportChunk>* w) {  // in two pieces
    for (const char* piece : {"{\"report_", "version\": 1}"}) {
      pb::ReportChunk chunk;
      chunk.set_data(piece);
      chunk.set_total_bytes(20);
      w->Write(chunk);
    }
    return grpc::Status::OK;
  };
  EXPECT_EQ(run(kSmoke, /*json=*/true), kPassed);
  EXPECT_EQ(out_.str(), "{\"report_version\": 1}\n");
  EXPECT_THAT(junit(), HasSubstr(R"x(<property name="verdict" value="passed"/>)x"));
}

// ---- Ctrl-C ------------------------------------------------------------------------------------

TEST_F(CommandsTest, TheFirstInterruptStopsTheSecondExitsAtOnce) {
  fake_.watch = [&](grpc::ServerContext* ctx, grpc::ServerWriter<pb::CampaignEvent>* w) {
    w->Write(snapshot_event(smoke(pb::RUNNING)));
    until_cancelled(ctx);  // the campaign runs on
    return grpc::Status::CANCELLED;
  };
  fake_.stop = [](grpc::ServerContext* ctx, pb::Campaign*) {
    until_cancelled(ctx);  // a teardown that takes long
    return grpc::Status::CANCELLED;
  };
  Interrupt interrupt(2);
  int rc = -1;
  std::thread cmd([&] { rc = run_campaign(options(), {kSmoke, junit_path()}, interrupt); });
  ASSERT_TRUE(eventually([&] { return fake_.watches == 1; }));
  interrupt.signal();
  EXPECT_TRUE(eventually([&] { return fake_.stops == 1; }));
  interrupt.signal();
  cmd.join();
  EXPECT_EQ(rc, kUnreachable);
  EXPECT_THAT(err_.str(), HasSubstr("stopping campaign smoke-1 ..."));
  EXPECT_THAT(err_.str(), HasSubstr("memtorturectl: interrupted: stopped following campaign "
                                    "smoke-1; it may still be running"));
  EXPECT_THAT(err_.str(), Not(HasSubstr("stop failed")));
  EXPECT_THAT(junit(), HasSubstr("interrupted"));
}

TEST_F(CommandsTest, AfterOneInterruptTheStreamRunsToItsEnd) {
  std::atomic<bool> stopped{false};
  fake_.watch = [&](grpc::ServerContext*, grpc::ServerWriter<pb::CampaignEvent>* w) {
    w->Write(snapshot_event(smoke(pb::RUNNING)));
    eventually([&] { return stopped.load(); });
    pb::Campaign last = smoke(pb::ABORTED);
    last.set_reason("stopped by request");
    w->Write(snapshot_event(last));
    return grpc::Status::OK;
  };
  fake_.stop = [&](grpc::ServerContext*, pb::Campaign* c) {
    stopped = true;
    *c = smoke(pb::ABORTED);
    return grpc::Status::OK;
  };
  fake_.get = [](grpc::ServerContext*, pb::Campaign* c) {
    *c = smoke(pb::ABORTED);
    c->set_reason("stopped by request");
    return grpc::Status::OK;
  };
  Interrupt interrupt(2);
  int rc = -1;
  std::thread cmd([&] { rc = run_campaign(options(), {kSmoke, junit_path()}, interrupt); });
  ASSERT_TRUE(eventually([&] { return fake_.watches == 1; }));
  interrupt.signal();
  cmd.join();
  EXPECT_EQ(rc, kUnreachable);  // aborted
  EXPECT_THAT(out_.str(), HasSubstr("campaign smoke (smoke-1): aborted\n"));
  EXPECT_THAT(junit(), HasSubstr("aborted: stopped by request"));
}

TEST_F(CommandsTest, InWatchTheFirstInterruptStopsWatching) {
  fake_.watch = [&](grpc::ServerContext* ctx, grpc::ServerWriter<pb::CampaignEvent>* w) {
    w->Write(snapshot_event(smoke(pb::RUNNING)));
    until_cancelled(ctx);
    return grpc::Status::CANCELLED;
  };
  Interrupt interrupt(1);
  int rc = -1;
  std::thread cmd([&] { rc = watch_campaign(options(), "smoke-1", junit_path(), interrupt); });
  ASSERT_TRUE(eventually([&] { return fake_.watches == 1; }));
  interrupt.signal();
  cmd.join();
  EXPECT_EQ(rc, kUnreachable);
  EXPECT_EQ(fake_.stops, 0);  // watching does not stop the campaign
  EXPECT_THAT(err_.str(), HasSubstr("interrupted: stopped following campaign smoke-1"));
}

// ---- deadlines -------------------------------------------------------------------------------

TEST_F(CommandsTest, AUnaryCallThatGetsNoAnswerEndsAtItsDeadline) {
  fake_.get = [](grpc::ServerContext* ctx, pb::Campaign*) {
    until_cancelled(ctx);  // a daemon that hangs
    return grpc::Status::CANCELLED;
  };
  auto g = options();
  g.deadlines.unary = 200ms;
  EXPECT_EQ(cmd_status(g, "smoke-1"), kUnreachable);
  EXPECT_THAT(err_.str(), HasSubstr("campaign smoke-1: Deadline Exceeded"));
}

TEST_F(CommandsTest, DeadlinesAreSetAndStopGetsTheLongerOne) {
  std::chrono::system_clock::time_point get_deadline, stop_deadline;
  fake_.get = [&](grpc::ServerContext* ctx, pb::Campaign* c) {
    get_deadline = ctx->deadline();
    *c = smoke(pb::PASSED);
    return grpc::Status::OK;
  };
  fake_.stop = [&](grpc::ServerContext* ctx, pb::Campaign* c) {
    stop_deadline = ctx->deadline();
    *c = smoke(pb::ABORTED);
    return grpc::Status::OK;
  };
  const auto now = std::chrono::system_clock::now();
  EXPECT_EQ(cmd_status(options(), "smoke-1"), kPassed);
  EXPECT_EQ(cmd_stop(options(), "smoke-1"), kPassed);
  EXPECT_LT(get_deadline, now + kRpcDeadline + 5s);
  EXPECT_GT(get_deadline, now + kRpcDeadline - 5s);
  EXPECT_LT(stop_deadline, now + kStopDeadline + 5s);
  EXPECT_GT(stop_deadline, now + kStopDeadline - 5s);
  EXPECT_GT(kStopDeadline, kRpcDeadline);
}

// ---- status, report ------------------------------------------------------------------------

TEST_F(CommandsTest, StatusOfARunningCampaignPrintsNoReportPath) {
  fake_.get = [](grpc::ServerContext*, pb::Campaign* c) {
    *c = smoke(pb::RUNNING);
    c->set_report_path("/var/lib/memtorture/reports/smoke-1/report.json");  // an older daemon
    return grpc::Status::OK;
  };
  EXPECT_EQ(cmd_status(options(), "smoke-1"), kPassed);
  EXPECT_THAT(out_.str(), HasSubstr("report: written when the campaign ends"));
  EXPECT_THAT(out_.str(), Not(HasSubstr("report.json")));
}

TEST_F(CommandsTest, ReportIsReassembledFromItsChunks) {
  const std::string big(3'500'000, 'x');  // more than one 1 MiB chunk
  fake_.report = [&](grpc::ServerWriter<pb::ReportChunk>* w) {
    for (std::size_t at = 0; at < big.size(); at += 1U << 20) {
      pb::ReportChunk chunk;
      chunk.set_data(big.substr(at, 1U << 20));
      chunk.set_total_bytes(big.size());
      w->Write(chunk);
    }
    return grpc::Status::OK;
  };
  EXPECT_EQ(cmd_report(options(), {.id = "smoke-1"}), kPassed);
  EXPECT_EQ(out_.str(), big + "\n");
}

TEST_F(CommandsTest, ReportRefusedByTheDaemonPrintsItsReason) {
  fake_.report = [](grpc::ServerWriter<pb::ReportChunk>*) {
    return grpc::Status(grpc::StatusCode::NOT_FOUND,
                        "report file /var/lib/memtorture/reports/smoke-1/report.json is missing "
                        "or unreadable");
  };
  EXPECT_EQ(cmd_report(options(), {.id = "smoke-1"}), kUnreachable);
  EXPECT_EQ(err_.str(),
            "memtorturectl: report file /var/lib/memtorture/reports/smoke-1/report.json is "
            "missing or unreadable\n");
}

TEST_F(CommandsTest, ReportOfARunningCampaign) {
  fake_.report = [](grpc::ServerWriter<pb::ReportChunk>*) {
    return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                        "campaign smoke-1 is running; its report is written when it ends");
  };
  EXPECT_EQ(cmd_report(options(), {.id = "smoke-1"}), kUnreachable);
  EXPECT_EQ(err_.str(),
            "memtorturectl: campaign smoke-1 is running; its report is written when it ends\n");
}

// ---- --json ----------------------------------------------------------------------------------

TEST_F(CommandsTest, JsonOfStatusListStopAndSystemHasOneShape) {
  fake_.get = [](grpc::ServerContext*, pb::Campaign* c) {
    *c = smoke(pb::PASSED);
    return grpc::Status::OK;
  };
  fake_.list = [](pb::ListCampaignsResponse* l) {
    *l->add_campaigns() = smoke(pb::RUNNING);
    return grpc::Status::OK;
  };
  fake_.stop = [](grpc::ServerContext*, pb::Campaign* c) {
    *c = smoke(pb::ABORTED);
    return grpc::Status::OK;
  };
  auto g = options();
  g.json = true;
  EXPECT_EQ(cmd_status(g, "smoke-1"), kPassed);
  auto status = nlohmann::json::parse(out_.str());
  EXPECT_EQ(status["state"], "passed");
  EXPECT_EQ(status["started_unix_ms"], 1'763'800'000'123);
  EXPECT_EQ(status["latest"]["usage_bytes"], 100 * Mi);
  EXPECT_FALSE(status.contains("report_json"));  // the report is ReadReport's
  out_.str("");
  EXPECT_EQ(cmd_list(g), kPassed);
  auto list = nlohmann::json::parse(out_.str());
  EXPECT_EQ(list["campaigns"][0]["state"], "running");
  EXPECT_TRUE(list["campaigns"][0]["started_unix_ms"].is_number());
  out_.str("");
  EXPECT_EQ(cmd_stop(g, "smoke-1"), kPassed);
  EXPECT_EQ(nlohmann::json::parse(out_.str())["state"], "aborted");
  out_.str("");
  EXPECT_EQ(cmd_system(g), kPassed);
  auto system = nlohmann::json::parse(out_.str());
  EXPECT_EQ(system["memory_total_bytes"], 8ULL << 30);
  EXPECT_EQ(system["cpus"], 2);
  EXPECT_EQ(system["running_campaign"], "");
}

TEST_F(CommandsTest, StartJsonIsTheResponse) {
  auto g = options();
  g.json = true;
  EXPECT_EQ(cmd_start(g, kSmoke), kPassed);
  EXPECT_EQ(nlohmann::json::parse(out_.str()),
            (nlohmann::json{{"id", "smoke-1"}, {"warnings", nlohmann::json::array()}}));
}

TEST_F(CommandsTest, TheDaemonsWarningsArePrintedAtTheirPlaceInTheFile) {
  fake_.start = [](const pb::StartCampaignRequest&, pb::StartCampaignResponse* r) {
    r->set_id("smoke-1");
    auto* w = r->add_warnings();
    w->set_file("smoke.yaml");
    w->set_line(12);
    w->set_column(11);
    w->set_message("psi_trigger.window: without CAP_SYS_RESOURCE ...");
    return grpc::Status::OK;
  };
  EXPECT_EQ(cmd_start(options(), kSmoke), kPassed);
  EXPECT_EQ(out_.str(), "smoke-1\n");
  EXPECT_EQ(err_.str(),
            "smoke.yaml:12:11: warning: psi_trigger.window: without CAP_SYS_RESOURCE ...\n");
}

TEST_F(CommandsTest, AHostRefusalIsPrintedWithItsPositions) {
  fake_.start = [](const pb::StartCampaignRequest&, pb::StartCampaignResponse*) {
    return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                        "this host cannot run the campaign:\nsmoke.yaml:5:16: cgroup.memory_high: "
                        "needs the cgroup v2 memory controller");
  };
  EXPECT_EQ(run(kSmoke), kUnreachable);
  EXPECT_THAT(err_.str(), HasSubstr("smoke.yaml:5:16: cgroup.memory_high: needs the cgroup v2"));
  EXPECT_THAT(err_.str(), HasSubstr("memtortured's host cannot run this campaign"));
  EXPECT_THAT(junit(), HasSubstr("smoke.yaml:5:16"));
}

// ---- validate (no daemon) --------------------------------------------------------------------

TEST_F(CommandsTest, ValidateJsonShape) {
  auto g = options();
  g.json = true;
  EXPECT_EQ(cmd_validate(g, kSmoke, false), kPassed);
  auto ok = nlohmann::json::parse(out_.str());
  EXPECT_EQ(ok["valid"], true);
  EXPECT_EQ(ok["errors"], nlohmann::json::array());
  EXPECT_TRUE(ok["warnings"].is_array());
  EXPECT_THAT(ok["normalized_yaml"].get<std::string>(), HasSubstr("campaign: smoke"));
  out_.str("");
  EXPECT_EQ(cmd_validate(g, dir_.string(), false), kInvalid);
  auto bad = nlohmann::json::parse(out_.str());
  EXPECT_EQ(bad["valid"], false);
  EXPECT_EQ(
      bad["errors"][0],
      (nlohmann::json{
          {"file", dir_.string()}, {"line", 0}, {"column", 0}, {"message", "is a directory"}}));
  EXPECT_EQ(bad["normalized_yaml"], "");
}

TEST_F(CommandsTest, ValidateWarnsAboutMoreFloodThreadsThanCpus) {
  const unsigned cpus = std::thread::hardware_concurrency();
  if (cpus == 0 || cpus > 60) GTEST_SKIP() << "cannot ask for more threads than " << cpus;
  const auto file = write("many.yaml",
                          "campaign: many\nduration: 5s\ncgroup:\n  memory_limit: "
                          "64Mi\nworkloads:\n  - name: f\n    type: flood\n    kind: "
                          "udp_socket\n    threads: " +
                              std::to_string(cpus + 1) + "\n");
  EXPECT_EQ(cmd_validate(options(), file, false), kPassed);
  EXPECT_THAT(err_.str(), HasSubstr(file + ":"));
  EXPECT_THAT(err_.str(), HasSubstr(": warning: "));
  EXPECT_THAT(err_.str(), HasSubstr(file + ": valid: campaign many, 1 workload, 5s"));
  out_.str("");
  auto g = options();
  g.json = true;
  EXPECT_EQ(cmd_validate(g, file, false), kPassed);
  auto j = nlohmann::json::parse(out_.str());
  ASSERT_EQ(j["warnings"].size(), 1u);
  EXPECT_EQ(j["warnings"][0]["file"], file);
  EXPECT_GT(j["warnings"][0]["line"], 0);
}

// ---- system, probe --------------------------------------------------------------------------

TEST_F(CommandsTest, SystemSaysWhyTheLedgerCannotRun) {
  EXPECT_EQ(cmd_system(options()), kPassed);
  EXPECT_THAT(out_.str(), HasSubstr("RCU ledger        unavailable: not privileged"));
}

TEST_F(CommandsTest, SystemSaysWhenTheLedgerOnlyCounts) {
  fake_.ledger_available = true;
  fake_.ledger_unsized = "no bpf_get_kmem_cache kfunc (kernels before 6.13)";
  EXPECT_EQ(cmd_system(options()), kPassed);
  EXPECT_THAT(out_.str(), HasSubstr("RCU ledger        counts only: no bpf_get_kmem_cache kfunc"));
}

TEST_F(CommandsTest, ProbeLedgerIsAskedForAndPrintedAfterTheGracePeriods) {
  pb::ProbeRcuRequest asked;
  fake_.probe = [&](grpc::ServerContext*, const pb::ProbeRcuRequest& req, pb::ProbeRcuResponse* r) {
    asked = req;
    r->set_knobs("rcu_expedited=0 rcu_normal=0");
    for (double us : {9000.0, 10000.0}) r->add_gp_latency_us(us);
    r->set_gp_p50_us(9000);
    *r->mutable_ledger() = testing::ledger_reading();
    return grpc::Status::OK;
  };
  EXPECT_EQ(cmd_probe(options(), {2, false, 2}), kPassed);
  EXPECT_EQ(asked.ledger_seconds(), 2u);
  EXPECT_EQ(asked.gp(), 2u);
  const std::string out = out_.str();
  EXPECT_THAT(out, HasSubstr("grace periods   2 timed"));
  EXPECT_THAT(out,
              HasSubstr("\nRCU ledger      rcu_preempt, 2 CPUs read\nfreed by RCU    300.0Mi/s"));
  EXPECT_THAT(out, HasSubstr("barrier backlog ran in 25.3 ms"));
  EXPECT_LT(out.find("grace periods"), out.find("RCU ledger"));
}

TEST_F(CommandsTest, ALedgerThatCouldNotBeReadSaysWhyWithExitCode3) {
  fake_.probe = [](grpc::ServerContext*, const pb::ProbeRcuRequest&, pb::ProbeRcuResponse* r) {
    r->set_ledger_error("cannot open the RCU ledger: not privileged");
    return grpc::Status::OK;
  };
  EXPECT_EQ(cmd_probe(options(), {0, false, 1}), kUnreachable);
  EXPECT_THAT(out_.str(), HasSubstr("RCU ledger      not read: cannot open the RCU ledger: not "
                                    "privileged\n"));

  out_.str("");
  fake_.probe = [](grpc::ServerContext*, const pb::ProbeRcuRequest&, pb::ProbeRcuResponse* r) {
    *r->mutable_ledger() = testing::ledger_reading();
    r->mutable_ledger()->clear_pending_bytes();
    r->set_ledger_error("pending_bytes: EFAULT");
    return grpc::Status::OK;
  };
  EXPECT_EQ(cmd_probe(options(), {0, false, 1}), kUnreachable);
  EXPECT_THAT(out_.str(), HasSubstr("barrier backlog ran"));
  EXPECT_THAT(out_.str(), HasSubstr("RCU ledger      incomplete: pending_bytes: EFAULT\n"));
}

TEST_F(CommandsTest, ProbeDeadlineCoversTheLedgerWindowAndItsMargin) {
  std::chrono::system_clock::time_point deadline;
  fake_.probe = [&](grpc::ServerContext* ctx, const pb::ProbeRcuRequest&, pb::ProbeRcuResponse*) {
    deadline = ctx->deadline();
    return grpc::Status::OK;
  };
  const auto now = std::chrono::system_clock::now();
  EXPECT_EQ(cmd_probe(options(), {0, false, 60}), kPassed);
  EXPECT_GT(deadline, now + kRpcDeadline + 60s + kProbeLedgerMargin);
  EXPECT_LT(deadline, now + kRpcDeadline + 60s + kProbeLedgerMargin + kProbeMargin + 5s);
  EXPECT_EQ(probe_extra_time({10, false, 0}), 2s + kProbeMargin) << "no ledger, no ledger time";
  EXPECT_EQ(probe_extra_time({0, false, 5}), kProbeMargin + 5s + kProbeLedgerMargin);
}

TEST_F(CommandsTest, ProbeJsonHasTheLedgerOrNull) {
  fake_.probe = [](grpc::ServerContext*, const pb::ProbeRcuRequest& req, pb::ProbeRcuResponse* r) {
    if (req.ledger_seconds() > 0) *r->mutable_ledger() = testing::ledger_reading();
    return grpc::Status::OK;
  };
  auto g = options();
  g.json = true;
  EXPECT_EQ(cmd_probe(g, {0, false, 2}), kPassed);
  auto j = nlohmann::json::parse(out_.str());
  EXPECT_EQ(j["ledger"]["barrier_backlog"]["outcome"], "ran");
  EXPECT_EQ(j["ledger"]["pending"]["lazy"], 0);
  EXPECT_EQ(j["ledger"]["pending_bytes"]["by_function"][0]["name"], "__sk_destruct");
  EXPECT_EQ(j["ledger_error"], "");

  out_.str("");
  EXPECT_EQ(cmd_probe(g, {3, false, 0}), kPassed);
  j = nlohmann::json::parse(out_.str());
  EXPECT_TRUE(j["ledger"].is_null());
}

}  // namespace
}  // namespace mt::client
