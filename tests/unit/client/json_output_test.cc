// The one JSON shape of --json: numbers for every integer, lower-case enums, every field.
#include "client/json_output.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "client/render.h"
#include "tests/unit/client/client_testing.h"

namespace mt::client {
namespace {

using testing::Mi;

TEST(JsonOutputTest, IntegersOfEveryWidthAreNumbers) {
  pb::Campaign c;
  c.set_started_unix_ms(1'763'800'000'123);         // int64
  c.set_peak_bytes(18'000'000'000'000'000'000ULL);  // uint64 above int64's range
  c.set_min_headroom_bytes(-4096);                  // negative int64
  c.add_workloads()->set_pid(4242);                 // int32
  const Json j = to_json(c);
  EXPECT_TRUE(j["started_unix_ms"].is_number_integer());
  EXPECT_EQ(j["started_unix_ms"].get<std::int64_t>(), 1'763'800'000'123);
  EXPECT_EQ(j["peak_bytes"].get<std::uint64_t>(), 18'000'000'000'000'000'000ULL);
  EXPECT_EQ(j["min_headroom_bytes"].get<std::int64_t>(), -4096);
  EXPECT_EQ(j["workloads"][0]["pid"].get<int>(), 4242);
  EXPECT_NE(dump_json(j).find("\"started_unix_ms\": 1763800000123"), std::string::npos);
}

TEST(JsonOutputTest, EnumsAreLowerCaseWithoutTheirPrefix) {
  pb::Campaign c;
  c.set_state(pb::PASSED);
  EXPECT_EQ(to_json(c)["state"], "passed");
  c.set_state(pb::CAMPAIGN_STATE_UNSPECIFIED);
  EXPECT_EQ(to_json(c)["state"], "unspecified");
  c.set_state(static_cast<pb::CampaignState>(42));  // not in this proto: the number
  EXPECT_EQ(to_json(c)["state"], 42);
  for (int i = 0; i < pb::CampaignState_descriptor()->value_count(); ++i) {
    const auto& v = *pb::CampaignState_descriptor()->value(i);
    if (v.number() != 0) {
      EXPECT_EQ(enum_json_name(v), state_name(pb::CampaignState(v.number())));
    }
  }
}

TEST(JsonOutputTest, EveryFieldIsPrintedDefaultsIncludedWithProtoNames) {
  const Json j = to_json(pb::Campaign{});
  const auto* d = pb::Campaign::descriptor();
  ASSERT_EQ(j.size(), static_cast<std::size_t>(d->field_count()));
  for (int i = 0; i < d->field_count(); ++i) EXPECT_TRUE(j.contains(d->field(i)->name()));
  EXPECT_EQ(j["id"], "");
  EXPECT_EQ(j["elapsed_s"], 0.0);
  EXPECT_EQ(j["has_min_headroom"], false);
  EXPECT_EQ(j["failcnt"], 0);
  EXPECT_EQ(j["workloads"], Json::array());
  EXPECT_TRUE(j["latest"].is_null());  // an unset message
  // In the proto's order.
  EXPECT_EQ(j.begin().key(), "id");
}

TEST(JsonOutputTest, NestedMessagesAndAbsentPsi) {
  pb::Campaign c;
  *c.mutable_latest() = testing::sample(64 * Mi, 256 * Mi);
  c.mutable_latest()->mutable_system_psi()->set_some_avg10(1.5);
  const Json j = to_json(c);
  EXPECT_EQ(j["latest"]["usage_bytes"], 64 * Mi);
  EXPECT_EQ(j["latest"]["headroom_bytes"], static_cast<std::int64_t>(192 * Mi));
  EXPECT_TRUE(j["latest"]["cgroup_psi"].is_null());
  EXPECT_EQ(j["latest"]["system_psi"]["some_avg10"], 1.5);
  EXPECT_EQ(j["latest"]["system_psi"]["full_stall_delta_us"], 0);
}

TEST(JsonOutputTest, OfAOneofOnlyTheMemberThatIsSet) {
  pb::CampaignEvent ev;
  ev.set_t_s(2.5);
  ev.set_log("hello");
  const Json j = to_json(ev);
  EXPECT_EQ(j, (Json{{"t_s", 2.5}, {"log", "hello"}}));
  pb::CampaignEvent none;
  EXPECT_EQ(to_json(none), (Json{{"t_s", 0.0}}));
}

TEST(JsonOutputTest, ListIsAnObjectWithAnArrayOfCampaigns) {
  pb::ListCampaignsResponse list;
  list.add_campaigns()->set_id("a-1");
  list.add_campaigns()->set_id("b-2");
  const Json j = to_json(list);
  ASSERT_TRUE(j["campaigns"].is_array());
  EXPECT_EQ(j["campaigns"][1]["id"], "b-2");
  EXPECT_EQ(j["campaigns"][0]["state"], "unspecified");
}

TEST(JsonOutputTest, SystemInfo) {
  pb::SystemInfo s;
  s.set_cpus(2);
  s.set_memory_total_bytes(8ULL << 30);
  s.set_psi_available(true);
  auto* k = s.add_rcu_knobs();
  k->set_name("rcu_expedited");
  k->set_path("/sys/kernel/rcu_expedited");
  k->set_value("0");
  const Json j = to_json(s);
  EXPECT_EQ(j["cpus"], 2);
  EXPECT_EQ(j["memory_total_bytes"], 8ULL << 30);
  EXPECT_EQ(j["psi_available"], true);
  EXPECT_EQ(j["rcu_knobs"][0], (Json{{"path", "/sys/kernel/rcu_expedited"},
                                     {"readable", false},
                                     {"writable", false},
                                     {"value", "0"},
                                     {"name", "rcu_expedited"}}));
}

TEST(JsonOutputTest, DumpNeverThrowsOnBadUtf8AndEndsWithANewline) {
  pb::Campaign c;
  c.set_id("ok");
  // (The protobuf runtime itself would refuse to parse this from the wire.)
  c.set_reason(std::string("bad \xff byte"));
  std::string out;
  EXPECT_NO_THROW(out = dump_json(to_json(c)));
  EXPECT_EQ(out.back(), '\n');
  EXPECT_NE(out.find("\"id\": \"ok\""), std::string::npos);
}

}  // namespace
}  // namespace mt::client
