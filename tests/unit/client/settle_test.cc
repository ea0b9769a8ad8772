// settle(): what a followed campaign's command reports when the stream or GetCampaign fails.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "client/follow.h"

namespace mt::client {
namespace {

using ::testing::HasSubstr;

pb::Campaign campaign(pb::CampaignState state, const std::string& reason) {
  pb::Campaign c;
  c.set_id("c-1");
  c.set_state(state);
  c.set_reason(reason);
  return c;
}

// A GetCampaign that answers `st` with `c`, and counts its calls.
struct FakeGet {
  grpc::Status st;
  pb::Campaign c;
  int calls = 0;
  std::function<grpc::Status(pb::Campaign*)> fn() {
    return [this](pb::Campaign* out) {
      ++calls;
      if (st.ok()) *out = c;
      return st;
    };
  }
};

TEST(SettleTest, AGoodStreamAndGetGiveTheDaemonsCampaign) {
  FakeGet get{grpc::Status::OK, campaign(pb::PASSED, "from get")};
  const pb::Campaign snap = campaign(pb::PASSED, "from snapshot");
  const Outcome o = settle("c-1", grpc::Status::OK, &snap, get.fn());
  ASSERT_TRUE(o.campaign);
  EXPECT_EQ(o.campaign->reason(), "from get");  // it has the report
  EXPECT_EQ(o.note, "");
  EXPECT_FALSE(o.failure);
}

TEST(SettleTest, StreamCancelledAfterTheFinalSnapshotStillGivesTheVerdict) {
  FakeGet get{grpc::Status(grpc::StatusCode::UNAVAILABLE, "failed to connect to all addresses"),
              {}};
  const pb::Campaign snap = campaign(pb::FAILED, "criteria failed");
  const Outcome o =
      settle("c-1", grpc::Status(grpc::StatusCode::CANCELLED, "Cancelled"), &snap, get.fn());
  ASSERT_TRUE(o.campaign);
  EXPECT_EQ(o.campaign->state(), pb::FAILED);
  EXPECT_EQ(o.campaign->reason(), "criteria failed");
  EXPECT_FALSE(o.failure);
  EXPECT_THAT(o.note, HasSubstr("getting campaign c-1: failed to connect to all addresses"));
  EXPECT_THAT(o.note, HasSubstr("final snapshot"));
}

TEST(SettleTest, StreamCancelledAfterTheFinalSnapshotStillTriesGetForTheCampaign) {
  pb::Campaign full = campaign(pb::PASSED, "ok");
  full.set_reason("from GetCampaign");
  FakeGet get{grpc::Status::OK, full};
  const pb::Campaign snap = campaign(pb::PASSED, "ok");
  const Outcome o =
      settle("c-1", grpc::Status(grpc::StatusCode::CANCELLED, "Cancelled"), &snap, get.fn());
  ASSERT_TRUE(o.campaign);
  EXPECT_EQ(o.campaign->reason(), "from GetCampaign");
  EXPECT_EQ(get.calls, 1);
}

TEST(SettleTest, AGoodStreamButAFailedGetFallsBackToTheSnapshot) {
  FakeGet get{grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "Deadline Exceeded"), {}};
  const pb::Campaign snap = campaign(pb::ABORTED, "stopped by request");
  const Outcome o = settle("c-1", grpc::Status::OK, &snap, get.fn());
  ASSERT_TRUE(o.campaign);
  EXPECT_EQ(o.campaign->state(), pb::ABORTED);
  EXPECT_THAT(o.note, HasSubstr("Deadline Exceeded"));
}

TEST(SettleTest, AStreamErrorWithoutAFinalSnapshotIsAFailureAndGetIsNotCalled) {
  FakeGet get{grpc::Status::OK, campaign(pb::RUNNING, "")};
  const Outcome o = settle("c-1", grpc::Status(grpc::StatusCode::NOT_FOUND, "no campaign 'c-1'"),
                           nullptr, get.fn());
  EXPECT_FALSE(o.campaign);
  ASSERT_TRUE(o.failure);
  EXPECT_EQ(o.failure->code, kUnreachable);
  EXPECT_EQ(o.failure->message, "watching campaign c-1: no campaign 'c-1'");
  EXPECT_EQ(get.calls, 0);
}

TEST(SettleTest, NoSnapshotAndAFailedGetIsAFailure) {
  FakeGet get{grpc::Status(grpc::StatusCode::UNAVAILABLE, "gone"), {}};
  const Outcome o = settle("c-1", grpc::Status::OK, nullptr, get.fn());
  ASSERT_TRUE(o.failure);
  EXPECT_EQ(o.failure->message, "getting campaign c-1: gone");
  EXPECT_EQ(o.failure->code, kUnreachable);
}

TEST(RpcFailureTest, CodesAndMessages) {
  EXPECT_EQ(rpc_failure(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "id: must not be empty"),
                        "stopping")
                .code,
            kInvalid);
  const Failure f = rpc_failure(
      grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, "campaign x-1 is running"), "starting f");
  EXPECT_EQ(f.code, kUnreachable);
  EXPECT_EQ(f.printed(), "memtorturectl: starting f: campaign x-1 is running\n");
  EXPECT_THAT(
      rpc_failure(grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "Deadline Exceeded"), "system")
          .message,
      HasSubstr("did not answer in time"));
  EXPECT_EQ((Failure{kInvalid, "a.yaml: is a directory", true}.printed()),
            "a.yaml: is a directory\n");
}

}  // namespace
}  // namespace mt::client
