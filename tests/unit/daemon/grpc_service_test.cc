// The gRPC edge over a real Engine, served on a unix socket in a temp dir (no root): a report
// the size of a one-hour campaign sampled every 100 ms is served by ReadReport in chunks (the
// bug: GetCampaign embedded it and went past the client's 4 MiB limit), and GetCampaign no
// longer carries it.
#include "daemon/grpc_service.h"

#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <filesystem>
#include <future>
#include <thread>

#include "common/clock.h"
#include "daemon/engine.h"
#include "daemon/report.h"
#include "memtorture/v1/memtorture.grpc.pb.h"
#include "rcu/ledger_probe.h"
#include "tests/unit/daemon/daemon_testing.h"

namespace mt::daemon {
namespace {

namespace stdfs = std::filesystem;
using ::testing::HasSubstr;
using testing::Mi;

constexpr const char* kId = "hour-20260101T000000-0001";

class ServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    EngineOptions o;
    o.runner.state_dir = state_.path();
    o.runner.worker_path = state_ / "no-worker";
    o.runner.cgroup_prefix = "memtorture-unit-never-created";
    o.runner.layout.memory_root = state_ / "not-a-cgroup-root";
    write_hour_report();
    engine_ = std::make_unique<Engine>(io_, clock_, o);
    engine_->load_reports();
    io_thread_ = std::thread([this] { io_.run(); });
    service_ = std::make_unique<Service>(io_, *engine_, facts_);
    grpc::ServerBuilder builder;
    builder.AddListeningPort("unix:" + (state_ / "s.sock").string(),
                             grpc::InsecureServerCredentials());
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    ASSERT_TRUE(server_);
    stub_ = pb::MemTorture::NewStub(grpc::CreateChannel("unix:" + (state_ / "s.sock").string(),
                                                        grpc::InsecureChannelCredentials()));
  }
  void TearDown() override {
    if (server_) server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
    work_.reset();
    io_.stop();
    if (io_thread_.joinable()) io_thread_.join();
  }

  // 36,000 samples with PSI, as a one-hour campaign at 100 ms leaves them.
  void write_hour_report() {
    ReportData r;
    r.id = kId;
    r.name = "hour";
    r.verdict = State::passed;
    r.reason = "duration reached";
    r.memory_limit_bytes = 256 * Mi;
    for (int i = 0; i < 36'000; ++i) {
      Sample s = testing::sample(i * 0.1, (100 + i % 50) * Mi, 256 * Mi, 5 * Mi);
      s.cgroup_psi = testing::psi(1.25, 0.5, 1200, 300);
      s.system_psi = testing::psi(0.25, 0.0, 100, 0);
      r.samples.push_back(s);
    }
    const auto dir = state_ / "reports" / kId;
    stdfs::create_directories(dir);
    ASSERT_TRUE(write_report(dir, to_json(r)).ok());
  }

  // ReadReport of `id`: the bytes received, the chunks, the status.
  struct Read {
    std::string data;
    int chunks = 0;
    grpc::Status status;
  };
  Read read_report(const std::string& id) {
    grpc::ClientContext ctx;
    pb::ReadReportRequest req;
    req.set_id(id);
    auto reader = stub_->ReadReport(&ctx, req);
    Read out;
    pb::ReportChunk chunk;
    while (reader->Read(&chunk)) {
      ++out.chunks;
      EXPECT_LE(chunk.data().size(), kReportChunkBytes);
      out.data += chunk.data();
      last_total_ = chunk.total_bytes();
    }
    out.status = reader->Finish();
    return out;
  }
  std::uint64_t last_total_ = 0;

  SystemFacts facts_;  // what a test sets before SetUp reaches the service
  testing::TempDir state_;
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_ =
      boost::asio::make_work_guard(io_);
  std::thread io_thread_;
  FakeClock clock_;
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<Service> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<pb::MemTorture::Stub> stub_;
};

TEST_F(ServiceTest, AOneHourReportIsServedWholeInChunksUnderTheMessageLimit) {
  const auto file = state_ / "reports" / kId / "report.json";
  const std::string want = testing::read_text(file);
  ASSERT_GT(want.size(), 8U << 20) << "the fixture must be larger than gRPC's 4 MiB limit";

  const auto got = read_report(kId);
  ASSERT_TRUE(got.status.ok()) << got.status.error_message();
  EXPECT_GT(got.chunks, 8);
  EXPECT_EQ(last_total_, want.size());
  EXPECT_EQ(got.data.size(), want.size());
  EXPECT_TRUE(got.data == want);
}

TEST_F(ServiceTest, GetCampaignOfThatCampaignIsSmall) {
  grpc::ClientContext ctx;
  pb::GetCampaignRequest req;
  req.set_id(kId);
  pb::Campaign c;
  const auto st = stub_->GetCampaign(&ctx, req, &c);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(c.state(), pb::PASSED);
  EXPECT_EQ(c.report_path(), (state_ / "reports" / kId / "report.json").string());
  EXPECT_LT(c.ByteSizeLong(), 64U << 10);
}

TEST_F(ServiceTest, ReadReportOfAnUnknownOrMissingReportSaysSo) {
  auto unknown = read_report("nope-20260101T000000-0000");
  EXPECT_EQ(unknown.chunks, 0);
  EXPECT_EQ(unknown.status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(unknown.status.error_message(), HasSubstr("no campaign 'nope-20260101T000000-0000'"));
  stdfs::remove(state_ / "reports" / kId / "report.json");  // gone after it was loaded
  auto missing = read_report(kId);
  EXPECT_EQ(missing.chunks, 0);
  EXPECT_EQ(missing.status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(missing.status.error_message(), HasSubstr("is missing or unreadable"));
}

// The bug: a 4 MB start blocked every other RPC for 2.7 s, parsed on the thread that owns all
// campaign state. Now the text is checked and parsed on gRPC's thread: with that thread held,
// a bad campaign is still answered, and a huge one refused before it is parsed.
TEST_F(ServiceTest, StartIsParsedOffTheIoThread) {
  std::promise<void> release;
  std::promise<void> holding;
  boost::asio::post(io_, [&] {
    holding.set_value();
    release.get_future().wait();
  });
  holding.get_future().wait();
  for (const std::string& yaml : {std::string("campaign: [\n"), std::string(2U << 20, '#')}) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
    pb::StartCampaignRequest req;
    req.mutable_source()->set_yaml(yaml);
    req.mutable_source()->set_file_name("x.yaml");
    pb::StartCampaignResponse resp;
    const auto st = stub_->StartCampaign(&ctx, req, &resp);
    EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << st.error_message();
    EXPECT_THAT(st.error_message(), HasSubstr("source.yaml: "));
  }
  release.set_value();
}

TEST_F(ServiceTest, ABadIdIsInvalidArgumentNamingTheField) {
  auto bad = read_report("../../etc");
  EXPECT_EQ(bad.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(bad.status.error_message(), HasSubstr("id: "));
}

grpc::Status oom(pb::MemTorture::Stub& stub, const pb::GetOomProximityRequest& req) {
  grpc::ClientContext ctx;
  pb::GetOomProximityResponse resp;
  return stub.GetOomProximity(&ctx, req, &resp);
}

TEST_F(ServiceTest, GetOomProximityRefusesBadRequestsNamingTheField) {
  pb::GetOomProximityRequest none;
  auto st = oom(*stub_, none);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(st.error_message(), HasSubstr("target: give one of campaign_id, cgroup or system"));

  pb::GetOomProximityRequest short_window;
  short_window.set_system(true);
  short_window.set_window_ms(500);
  st = oom(*stub_, short_window);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(st.error_message(), HasSubstr("window_ms: is 500; 1000 to 10000"));

  pb::GetOomProximityRequest outside;
  outside.set_cgroup("system.slice");
  st = oom(*stub_, outside);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(st.error_message(),
              HasSubstr("cgroup: 'system.slice' is not under the daemon's cgroup prefix"));

  pb::GetOomProximityRequest climbing;
  climbing.set_cgroup("memtorture/../../etc");
  st = oom(*stub_, climbing);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(st.error_message(), HasSubstr("cgroup: "));

  pb::GetOomProximityRequest bad_id;
  bad_id.set_campaign_id("../x");
  st = oom(*stub_, bad_id);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(st.error_message(), HasSubstr("campaign_id: '../x' is not a campaign id"));
}

TEST_F(ServiceTest, GetOomProximityOfWhatIsNotThereOrNotRunning) {
  pb::GetOomProximityRequest missing_cgroup;
  missing_cgroup.set_cgroup("memtorture/nope");
  auto st = oom(*stub_, missing_cgroup);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(st.error_message(), HasSubstr("no such memory cgroup"));

  pb::GetOomProximityRequest unknown;
  unknown.set_campaign_id("nope-20260101T000000-0001");
  EXPECT_EQ(oom(*stub_, unknown).error_code(), grpc::StatusCode::NOT_FOUND);

  pb::GetOomProximityRequest finished;  // loaded from its report
  finished.set_campaign_id(kId);
  st = oom(*stub_, finished);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(st.error_message(), HasSubstr("is not running"));
  EXPECT_THAT(st.error_message(), HasSubstr("parts.oom_proximity"));
}

TEST_F(ServiceTest, GetOomProximityOfTheSystemAnswersALook) {
  grpc::ClientContext ctx;
  pb::GetOomProximityRequest req;
  req.set_system(true);
  req.set_window_ms(1000);
  pb::GetOomProximityResponse resp;
  ASSERT_TRUE(stub_->GetOomProximity(&ctx, req, &resp).ok());
  ASSERT_EQ(resp.looks_size(), 1);
  EXPECT_EQ(resp.looks(0).of(), "system");
  EXPECT_GT(resp.looks(0).limit_bytes(), 0);
  EXPECT_FALSE(resp.looks(0).level().empty());
  EXPECT_THAT(resp.note(), HasSubstr("not counted"));
}

TEST_F(ServiceTest, ProbeRcuRefusesTooManyGracePeriodsNamingTheField) {
  grpc::ClientContext ctx;
  pb::ProbeRcuRequest req;
  req.set_gp(1001);
  pb::ProbeRcuResponse resp;
  auto st = stub_->ProbeRcu(&ctx, req, &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(st.error_message(), HasSubstr("gp: is 1001; at most 1000"));
}

TEST_F(ServiceTest, ProbeRcuAnswersWhyItCouldNotTimeGracePeriods) {
  // The facts here say 0 CPUs: membarrier would not wait for a grace period, and it says so.
  grpc::ClientContext ctx;
  pb::ProbeRcuRequest req;
  req.set_gp(3);
  pb::ProbeRcuResponse resp;
  ASSERT_TRUE(stub_->ProbeRcu(&ctx, req, &resp).ok());
  EXPECT_EQ(resp.gp_latency_us_size(), 0);
  EXPECT_THAT(resp.gp_error(), HasSubstr("one CPU"));
  EXPECT_FALSE(resp.barrier_timed()) << "not asked for";
}

TEST_F(ServiceTest, ProbeRcuRefusesTooLongALedgerWindowNamingTheField) {
  grpc::ClientContext ctx;
  pb::ProbeRcuRequest req;
  req.set_ledger_seconds(61);
  pb::ProbeRcuResponse resp;
  auto st = stub_->ProbeRcu(&ctx, req, &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(st.error_message(), HasSubstr("ledger_seconds: is 61; 1 to 60 seconds"));
}

// A host the ledger cannot run on, as rcu::unavailable_reason() judges made-up facts.
class LedgerUnavailableServiceTest : public ServiceTest {
 protected:
  LedgerUnavailableServiceTest() {
    rcu::LedgerHostFacts host;
    host.btf = false;
    host.btf_error =
        "no kernel BTF at /sys/kernel/btf/vmlinux (ENOENT): needs CONFIG_DEBUG_INFO_BTF";
    facts_.ledger_unavailable = rcu::unavailable_reason(host).value_or("");
  }
};

TEST_F(LedgerUnavailableServiceTest, GetSystemSaysTheLedgerCannotRunAndWhy) {
  grpc::ClientContext ctx;
  pb::SystemInfo info;
  ASSERT_TRUE(stub_->GetSystem(&ctx, pb::GetSystemRequest{}, &info).ok());
  EXPECT_FALSE(info.ledger_available());
  EXPECT_THAT(info.ledger_unavailable_reason(), HasSubstr("CONFIG_DEBUG_INFO_BTF"));
}

TEST_F(LedgerUnavailableServiceTest, ProbeRcuGivesTheReasonAsLedgerErrorAndStillAnswersTheRest) {
  grpc::ClientContext ctx;
  pb::ProbeRcuRequest req;
  req.set_gp(2);
  req.set_ledger_seconds(60);  // not waited for: nothing was opened
  pb::ProbeRcuResponse resp;
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(stub_->ProbeRcu(&ctx, req, &resp).ok());
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(30));
  EXPECT_FALSE(resp.has_ledger());
  EXPECT_THAT(resp.ledger_error(), HasSubstr("cannot open the RCU ledger: no kernel BTF"));
  EXPECT_THAT(resp.gp_error(), HasSubstr("one CPU")) << "the grace periods still answered";
}

}  // namespace
}  // namespace mt::daemon
