// parse_campaign() on small inline campaigns: defaults, the structure of the file (keys, lists,
// documents, syntax), the rules that combine fields, and how problems are reported. The value
// kinds and their ranges are in parse_values_test.cc.
#include "campaign/parse.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "campaign/workload_type.h"
#include "tests/unit/campaign/campaign_testing.h"

namespace mt::campaign {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(Diagnostic, PrintsFileLineColumnAndMessage) {
  const Diagnostic d{"smoke.yaml", 7, 12,
                     "workloads[1].threads: must be between 1 and 64, got 500"};
  EXPECT_EQ(d.str(), "smoke.yaml:7:12: workloads[1].threads: must be between 1 and 64, got 500");
}

TEST(ParseCampaign, FillsEveryDefault) {
  const ParseResult result = parse(Campaign{}.str());
  ASSERT_TRUE(result.ok()) << ::testing::PrintToString(diagnostic_lines(result));
  EXPECT_THAT(result.errors, IsEmpty());
  const CampaignSpec& s = *result.spec;
  EXPECT_EQ(s.name, "c");
  EXPECT_EQ(s.description, "");
  EXPECT_EQ(s.duration, 10s);
  EXPECT_EQ(s.sample_interval, 100ms);
  EXPECT_EQ(s.cgroup.memory_limit, 64 * Mi);
  EXPECT_EQ(s.cgroup.memory_high, std::nullopt);
  ASSERT_EQ(s.workloads.size(), 1u);
  const WorkloadSpec& w = s.workloads[0];
  EXPECT_EQ(w.name, "w");
  ASSERT_NE(w.flood(), nullptr);
  EXPECT_EQ(w.flood()->kind, flood_kind("dentry"));
  EXPECT_EQ(w.flood()->threads, 1);
  EXPECT_EQ(w.flood()->rate, std::nullopt);
  EXPECT_EQ(w.start_after, 0ms);
  EXPECT_EQ(w.pos, (SourcePos{6, 5}));
  EXPECT_EQ(s.criteria, Criteria{});
  EXPECT_EQ(s.psi_trigger, PsiTriggerSpec{});
  EXPECT_TRUE(s.psi_trigger.enabled);
  EXPECT_EQ(s.psi_trigger.kind, PsiKind::some);
  EXPECT_EQ(s.psi_trigger.stall, 100ms);
  EXPECT_EQ(s.psi_trigger.window, 2s);

  Campaign with_anon;
  with_anon.workloads = "  - name: hog\n    type: anon\n    size: 1Mi\n";
  const ParseResult anon_result = parse(with_anon.str());
  ASSERT_TRUE(anon_result.ok());
  EXPECT_EQ(anon_result.spec->workloads[0].anon()->ramp, 0ms);
}

TEST(ParseCampaign, ReadsTheFormatExample) {
  const std::string text = R"(campaign: udp-flood-under-limit   # name
description: optional free text
duration: 20s
sample_interval: 100ms
cgroup:
  memory_limit: 256Mi
  memory_high: 200Mi
workloads:
  - name: flood
    type: flood
    kind: udp_socket
    threads: 2
    rate: unlimited
    start_after: 0s
  - name: hog
    type: anon
    size: 200Mi
    ramp: 5s
criteria:
  max_oom_kills: 0
  max_psi_some_avg10: 50
  max_psi_full_avg10: 12.5
  min_headroom: 8Mi
psi_trigger:
  enabled: false
  kind: full
  stall: 150ms
  window: 1s
)";
  const ParseResult result = parse(text, 24 * Gi);
  ASSERT_TRUE(result.ok()) << ::testing::PrintToString(diagnostic_lines(result));

  CampaignSpec want;
  want.name = "udp-flood-under-limit";
  want.description = "optional free text";
  want.duration = 20s;
  want.cgroup = {.memory_limit = 256 * Mi, .memory_high = 200 * Mi};
  WorkloadSpec flood;
  flood.name = "flood";
  flood.params = FloodSpec{.kind = flood_kind("udp_socket"), .threads = 2, .rate = std::nullopt};
  flood.pos = {9, 5};
  WorkloadSpec hog;
  hog.name = "hog";
  hog.params = AnonSpec{.size = 200 * Mi, .ramp = 5s};
  hog.pos = {15, 5};
  want.workloads = {flood, hog};
  want.criteria = {.max_oom_kills = 0,
                   .max_psi_some_avg10 = 50,
                   .max_psi_full_avg10 = 12.5,
                   .min_headroom = 8 * Mi,
                   .min_oom_eta_s = std::nullopt,
                   .max = {},
                   .min = {}};
  want.psi_trigger = {.enabled = false, .kind = PsiKind::full, .stall = 150ms, .window = 1s, .window_default = false};
  EXPECT_EQ(*result.spec, want);
}

TEST(ParseCampaign, ReturnsNoSpecWhenThereIsAnError) {
  Campaign c;
  c.duration = "0s";
  const ParseResult result = parse(c.str());
  EXPECT_FALSE(result.ok());
  EXPECT_FALSE(result.spec.has_value());
  EXPECT_THAT(diagnostic_lines(result),
              ElementsAre("t.yaml:2:11: duration: must be greater than 0, got 0s"));
}

TEST(ParseCampaign, UsesTheFileNameFromTheOptions) {
  const ParseResult result = parse_campaign("campaign: [", {.file_name = "dir/x.yaml"});
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_EQ(result.errors[0].file, "dir/x.yaml");
  EXPECT_EQ(parse_campaign("[", {}).errors.at(0).file, "<campaign>");
}

// --- structure ----------------------------------------------------------------------------------

TEST(ParseStructure, WorkloadCount) {
  std::string sixteen;
  for (int i = 0; i < 16; ++i)
    sixteen += "  - {name: w" + std::to_string(i) + ", type: flood, kind: dentry}\n";
  Campaign c;
  c.workloads = sixteen;
  const ParseResult result = parse(c.str());
  ASSERT_TRUE(result.ok()) << ::testing::PrintToString(diagnostic_lines(result));
  EXPECT_EQ(result.spec->workloads.size(), 16u);
  EXPECT_EQ(result.spec->workloads[15].pos, (SourcePos{21, 5}));

  c.workloads = sixteen + "  - {name: w16, type: flood, kind: dentry}\n";
  EXPECT_THAT(errors_of(c.str()),
              ElementsAre("t.yaml:6:3: workloads: must list at most 16 workloads, got 17"));
}

TEST(ParseStructure, WorkloadsMustBeAListOfMaps) {
  Campaign c;
  c.workloads = "  - just-a-name\n  - name: w\n    type: flood\n    kind: dentry\n";
  EXPECT_THAT(errors_of(c.str()),
              ElementsAre("t.yaml:6:5: workloads[0]: expected a map with a name and a type, got "
                          "'just-a-name'"));
  c.workloads = "  name: w\n";
  EXPECT_THAT(errors_of(c.str()),
              ElementsAre("t.yaml:6:3: workloads: expected a list of workloads, got a map"));
}

TEST(ParseStructure, OptionalSectionsMayBeLeftEmpty) {
  Campaign c;
  c.top = "description:\n";
  c.tail = "criteria:\npsi_trigger:\n";
  const ParseResult result = parse(c.str());
  ASSERT_TRUE(result.ok()) << ::testing::PrintToString(diagnostic_lines(result));
  EXPECT_EQ(result.spec->description, "");
  EXPECT_EQ(result.spec->criteria, Criteria{});
  EXPECT_EQ(result.spec->psi_trigger, PsiTriggerSpec{});
}

TEST(ParseStructure, DuplicateKeysAreFoundWhateverTheQuoting) {
  Campaign c;
  c.workloads =
      "  - name: w\n    type: flood\n    kind: dentry\n    threads: 2\n    \"threads\": 3\n";
  EXPECT_THAT(errors_of(c.str()),
              ElementsAre("t.yaml:10:5: workloads[0].threads: duplicate key (first given at line "
                          "9)"));
  c.workloads = "  - {name: w, type: flood, kind: dentry, name: v}\n";
  EXPECT_THAT(errors_of(c.str()),
              ElementsAre("t.yaml:6:42: workloads[0].name: duplicate key (first given at line 6)"));
}

TEST(ParseStructure, KeysMustBeNames) {
  Campaign c;
  c.tail = "? [a, b]\n: 1\n";
  EXPECT_THAT(errors_of(c.str()), ElementsAre("t.yaml:9:3: expected a key name, got a list"));
}

TEST(ParseRequires, HostFeaturesInFileOrderEachOnceAndKnown) {
  Campaign c;
  c.tail = "requires: [ledger_bytes, cgroup_v2]\n";
  const auto r = parse(c.str());
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(diagnostic_lines(r));
  ASSERT_EQ(r.spec->needs.size(), 2u);
  EXPECT_EQ(r.spec->needs[0].name, "ledger_bytes");
  EXPECT_EQ(r.spec->needs[1].name, "cgroup_v2");
  EXPECT_EQ(r.spec->needs[1].pos.line, 9);
  c.tail = "requires: [ledger, btf, ledger]\n";
  EXPECT_THAT(errors_of(c.str()),
              ElementsAre("t.yaml:9:20: requires[1]: unknown host feature 'btf': expected "
                          "cgroup_v2, ledger, ledger_bytes or rcutorture",
                          "t.yaml:9:25: requires[2]: 'ledger' is listed twice"));
  c.tail = "requires: ledger\n";
  EXPECT_THAT(errors_of(c.str()),
              ElementsAre(::testing::HasSubstr("t.yaml:9:11: requires: expected a list of "
                                               "host features")));
}

TEST(ParseStructure, UnknownKeyWithoutALikelyTypoListsTheKnownKeys) {
  Campaign c;
  c.top = "colour: blue\n";
  EXPECT_THAT(
      errors_of(c.str()),
      ElementsAre(
          "t.yaml:3:1: colour: unknown key (expected campaign, description, "
          "duration, sample_interval, cgroup, workloads, criteria, expect_oom, "
          "psi_trigger, kernel, gp_probe_interval, ledger, reactions, variants, regression or "
          "requires)"));
  c.top = "Duration: 5s\n";
  EXPECT_THAT(errors_of(c.str()),
              ElementsAre("t.yaml:3:1: Duration: unknown key; did you mean 'duration'?"));
}

TEST(ParseStructure, SuggestionsStayWithinTheWorkloadType) {
  Campaign c;
  c.workloads = "  - name: hog\n    type: anon\n    size: 1Mi\n    sizes: 2Mi\n";
  EXPECT_THAT(errors_of(c.str()),
              ElementsAre("t.yaml:9:5: workloads[0].sizes: unknown key; did you mean 'size'?"));
  c.workloads = "  - name: hog\n    type: anon\n    size: 1Mi\n    thread: 2\n";
  EXPECT_THAT(errors_of(c.str()),
              ElementsAre("t.yaml:9:5: workloads[0].thread: unknown key (expected name, type, "
                          "start_after, size, ramp, churn_every, churn_free, madvise or "
                          "madvise_fraction)"));
}

TEST(ParseStructure, WindowsLineEndings) {
  std::string text = Campaign{}.str();
  std::string crlf;
  for (char ch : text) crlf += ch == '\n' ? std::string("\r\n") : std::string(1, ch);
  ASSERT_TRUE(parse(crlf).ok());
  const std::string bad = "campaign: c\r\nduration: 0s\r\n";
  EXPECT_THAT(errors_of(bad), ElementsAre("t.yaml:1:1: cgroup: required key is missing",
                                          "t.yaml:1:1: workloads: required key is missing",
                                          "t.yaml:2:11: duration: must be greater than 0, got 0s"));
}

TEST(ParseStructure, AnchorsAndAliasesAreReadAsTheirValues) {
  Campaign c;
  c.cgroup = "  memory_limit: &limit 64Mi\n  memory_high: *limit\n";
  const ParseResult result = parse(c.str());
  ASSERT_TRUE(result.ok()) << ::testing::PrintToString(diagnostic_lines(result));
  EXPECT_EQ(result.spec->cgroup.memory_high, 64 * Mi);
}

TEST(ParseStructure, SyntaxErrorIsOneDiagnostic) {
  EXPECT_THAT(errors_of("campaign: c\nworkloads: [a, b\n"),
              ElementsAre("t.yaml:3:1: YAML syntax error: end of sequence flow not found"))
      << "yaml-cpp points at the end of the text, where it gave up";
  EXPECT_THAT(errors_of("campaign: c\n\tduration: 1s\n"),
              ElementsAre("t.yaml:2:1: YAML syntax error: illegal tab when looking for "
                          "indentation"));
}

// Found by tests/fuzz (campaign): a ',' outside a flow collection sent yaml-cpp 0.7's LoadAll()
// round forever, taking memory as it went (jbeder/yaml-cpp#1040): one byte hung the daemon.
TEST(ParseStructure, AStrayCommaIsASyntaxErrorNotAHang) {
  EXPECT_THAT(errors_of(","), ElementsAre("t.yaml:1:1: YAML syntax error: unexpected ','"));
  EXPECT_THAT(errors_of(",ampain: gidle\nduration: 10s\ncgr# oup"),
              ElementsAre("t.yaml:1:1: YAML syntax error: unexpected ','"));
  EXPECT_THAT(errors_of("campaign: c\n---\n  ,\n"),
              ElementsAre("t.yaml:3:3: YAML syntax error: unexpected ','"));
  EXPECT_THAT(errors_of("campaign: [a, b]\n"),  // a ',' inside a flow collection is fine
              ::testing::Not(::testing::Contains(::testing::HasSubstr("syntax error"))));
  const WorkloadParseResult w = parse_workload("&a ,", {.file_name = "w.yaml"});
  ASSERT_THAT(w.errors, ::testing::SizeIs(1));
  EXPECT_EQ(w.errors[0].str(), "w.yaml:1:4: YAML syntax error: unexpected ','");
}

TEST(ParseStructure, DeepNestingIsRefusedNotACrash) {
  const std::string deep = "campaign: " + std::string(5000, '[') + std::string(5000, ']') + "\n";
  const std::vector<std::string> errors = errors_of(deep);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_THAT(errors[0], ::testing::EndsWith(": YAML nested too deeply"));
}

TEST(ParseStructure, EmptyText) {
  EXPECT_THAT(errors_of(""), ElementsAre("t.yaml:1:1: the campaign file is empty"));
  EXPECT_THAT(errors_of("---\n...\n"), ElementsAre("t.yaml:1:1: the campaign file is empty"));
  EXPECT_THAT(
      errors_of("just text"),
      ElementsAre(
          "t.yaml:1:1: expected a map of campaign keys (campaign, description, "
          "duration, sample_interval, cgroup, workloads, criteria, expect_oom, "
          "psi_trigger, kernel, gp_probe_interval, ledger, reactions, variants, regression, "
          "requires), got 'just text'"));
}

// --- rules that combine fields ------------------------------------------------------------------

TEST(ParseRules, StartAfterAndRampFitTheDuration) {
  Campaign c;
  c.workloads = "  - name: hog\n    type: anon\n    size: 1Mi\n    start_after: 4s\n    ramp: 6s\n";
  EXPECT_THAT(errors_of(c.str()), IsEmpty()) << "start_after + ramp == duration is fine";

  c.workloads =
      "  - name: hog\n    type: anon\n    size: 1Mi\n    start_after: 4s\n    ramp: 6001ms\n";
  EXPECT_THAT(errors_of(c.str()),
              ElementsAre("t.yaml:10:11: workloads[0].ramp: start_after + ramp must not exceed "
                          "duration (10s), got 4s + 6001ms"));

  c.workloads = "  - name: w\n    type: flood\n    kind: dentry\n    start_after: 10s\n";
  EXPECT_THAT(errors_of(c.str()),
              ElementsAre("t.yaml:9:18: workloads[0].start_after: must be less than duration "
                          "(10s), got 10s"));
  c.workloads = "  - name: w\n    type: flood\n    kind: dentry\n    start_after: 9999ms\n";
  EXPECT_THAT(errors_of(c.str()), IsEmpty());
}

TEST(ParseRules, TheDefaultSampleIntervalMustFitAShortDuration) {
  Campaign c;
  c.duration = "50ms";
  EXPECT_THAT(errors_of(c.str()),
              ElementsAre("t.yaml:2:11: sample_interval: must not be longer than duration (50ms), "
                          "got 100ms (the default)"));
  c.top = "sample_interval: 60ms\n";
  EXPECT_THAT(errors_of(c.str()),
              ElementsAre("t.yaml:3:18: sample_interval: must not be longer than duration (50ms), "
                          "got 60ms"));
  c.top = "sample_interval: 50ms\n";
  EXPECT_THAT(errors_of(c.str()), IsEmpty());
}

TEST(ParseRules, MemoryHighAndHeadroomStayUnderTheLimit) {
  Campaign c;
  c.cgroup = "  memory_limit: 64Mi\n  memory_high: 64Mi\n";
  c.tail = "criteria:\n  min_headroom: 65535Ki\n";
  EXPECT_THAT(errors_of(c.str()), IsEmpty());

  c.cgroup = "  memory_limit: 64Mi\n  memory_high: 67108865\n";
  c.tail = "criteria:\n  min_headroom: 0\n";
  EXPECT_THAT(errors_of(c.str()),
              ElementsAre("t.yaml:5:16: cgroup.memory_high: must not exceed memory_limit (64Mi), "
                          "got 67108865"));

  c.cgroup = "  memory_limit: 64Mi\n";
  c.tail = "criteria:\n  min_headroom: 64Mi\n";
  EXPECT_THAT(errors_of(c.str()),
              ElementsAre("t.yaml:10:17: criteria.min_headroom: must be less than memory_limit "
                          "(64Mi), got 64Mi"));
}

TEST(ParseCriteria, MinOomEtaIsSecondsUpToAnHour) {
  Campaign c;
  c.tail = "criteria:\n  min_oom_eta_s: 7.5\n";
  const ParseResult ok = parse(c.str());
  ASSERT_TRUE(ok.ok()) << ::testing::PrintToString(diagnostic_lines(ok));
  EXPECT_EQ(ok.spec->criteria.min_oom_eta_s, 7.5);
  c.tail = "criteria:\n  min_oom_eta_s: 3601\n";
  const auto errors = errors_of(c.str());
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_THAT(errors[0], ::testing::StartsWith("t.yaml:10:18: criteria.min_oom_eta_s:"));
  c.tail = "criteria:\n  min_oom_eta_s: soon\n";
  ASSERT_EQ(errors_of(c.str()).size(), 1u);
}

TEST(ParseRules, StallFitsTheWindow) {
  Campaign c;
  c.tail = "psi_trigger:\n  stall: 2s\n";
  EXPECT_THAT(errors_of(c.str()), IsEmpty()) << "stall == the default window";
  c.tail = "psi_trigger:\n  stall: 600ms\n  window: 500ms\n";
  EXPECT_THAT(errors_of(c.str()),
              ElementsAre("t.yaml:10:10: psi_trigger.stall: must not exceed window (500ms), got "
                          "600ms"));
}

TEST(ParseRules, SkipValuesThatAreAlreadyWrong) {
  // A broken cgroup section must not also make min_headroom "above a limit of 0".
  Campaign c;
  c.cgroup = "  - 64Mi\n";
  c.tail = "criteria:\n  min_headroom: 8Mi\n";
  EXPECT_THAT(errors_of(c.str()),
              ElementsAre("t.yaml:4:3: cgroup: expected a map (keys: memory_limit, memory_high), "
                          "got a list"));
  // A bad duration is reported once, not again by every start_after and ramp.
  c = Campaign{};
  c.duration = "soon";
  c.workloads = "  - name: hog\n    type: anon\n    size: 1Mi\n    start_after: 1h\n    ramp: 2h\n";
  EXPECT_THAT(errors_of(c.str()),
              ElementsAre("t.yaml:2:11: duration: expected a duration such as 20s or 100ms, got "
                          "'soon'"));
}

}  // namespace
}  // namespace mt::campaign

namespace mt::campaign {
namespace {

// The one list of workload types matches WorkloadSpec::params alternative for alternative, and
// every type's keys are told apart from the common ones.
TEST(WorkloadTypes, OnePerAlternativeFoundByName) {
  const std::vector<WorkloadSpec::Params> each = {FloodSpec{}, AnonSpec{}, PageCacheSpec{},
                                                   StressNgSpec{}, RcutortureSpec{}};
  ASSERT_EQ(each.size(), workload_types().size());
  for (const auto& params : each) {
    WorkloadSpec w;
    w.params = params;
    EXPECT_EQ(type_of(w).name, w.type_name());
    EXPECT_EQ(find_workload_type(w.type_name()), &type_of(w));
    for (std::string_view key : type_of(w).keys)
      EXPECT_TRUE(key != "name" && key != "type" && key != "start_after") << key;
  }
  EXPECT_EQ(find_workload_type("cpu"), nullptr);
}

}  // namespace
}  // namespace mt::campaign
