// The HTML report and index page on real reports (tests/fixtures/report/, see its README): the
// sections in order, the embedded series against the samples they come from, the events, what
// is escaped, what a missing figure or run looks like, the variants' columns, the index with and
// without a history, and where the plotting library is read from. Fake assets: no dygraphs
// needed; tests/integration/html draws the pages in Chromium.
#include "client/html_report.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <regex>

namespace mt::client {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using Json = nlohmann::ordered_json;

const std::string kFixtures = std::string(MT_FIXTURES) + "/report/";
const std::string kVariantsId = "dentry-reactions-ab-20261206T024404-069b";

Json load(const std::string& name) {
  std::ifstream in(kFixtures + name);
  EXPECT_TRUE(in) << kFixtures + name;
  return Json::parse(in);
}

HtmlAssets fake_assets() {
  return {"/*FAKE-DYGRAPHS*/ window.Dygraph = function () {};", "/*FAKE-CSS*/ .dygraph-legend {}"};
}

std::string render(const Json& report, const std::map<std::string, Json>& runs = {}) {
  return render_report_html(report, runs, fake_assets());
}

// The page's embedded data (the JSON in <script type="application/json" id="mt-data">).
Json page_data(const std::string& html) {
  const std::string open = "<script type=\"application/json\" id=\"mt-data\">";
  const auto a = html.find(open);
  const auto b = html.find("</script>", a);
  EXPECT_NE(a, std::string::npos);
  EXPECT_NE(b, std::string::npos);
  return Json::parse(html.substr(a + open.size(), b - a - open.size()));
}

// The page's encoding undone: integers as differences, nulls kept, value = k * 10^e.
std::vector<std::optional<double>> undelta(const Json& a, int e = 0) {
  std::vector<std::optional<double>> out;
  long long acc = 0;
  for (const auto& d : a) {
    if (d.is_null()) {
      out.emplace_back();
      continue;
    }
    acc += d.get<long long>();
    out.emplace_back(static_cast<double>(acc) * std::pow(10.0, e));
  }
  return out;
}

const Json* plot_with_series(const Json& data, const std::string& label) {
  for (const auto& p : data["plots"])
    for (const auto& s : p["series"])
      if (s["label"] == label) return &p;
  return nullptr;
}
const Json* series(const Json& data, const std::string& label) {
  for (const auto& p : data["plots"])
    for (const auto& s : p["series"])
      if (s["label"] == label) return &s;
  return nullptr;
}

// The values of one series on its time column, index by index.
std::vector<std::optional<double>> values_of(const Json& s, std::size_t n) {
  const int e = s.value("e", 0);
  if (!s.contains("i")) return undelta(s["v"], e);
  std::vector<std::optional<double>> out(n);
  const auto idx = undelta(s["i"]);
  const auto v = undelta(s["v"], e);
  for (std::size_t j = 0; j < idx.size(); ++j) out.at(static_cast<std::size_t>(*idx[j])) = v[j];
  return out;
}

// Values keep four significant digits down to a hundredth of their series' largest (`top`),
// and below that a hundred-thousandth of it: finer than any plot shows.
void expect_close(std::optional<double> got, std::optional<double> want, const std::string& what,
                  double top = 0) {
  ASSERT_EQ(got.has_value(), want.has_value()) << what;
  if (!want) return;
  top = std::max(top, std::fabs(*want));
  EXPECT_NEAR(*got, *want, std::max({1e-9, top * 5e-6, std::fabs(*want) * 1e-9})) << what;
  if (std::fabs(*want) >= top / 100) {
    EXPECT_NEAR(*got, *want, std::fabs(*want) * 5e-4) << what;
  }
}

int count(const std::string& haystack, const std::string& needle) {
  int n = 0;
  for (auto pos = haystack.find(needle); pos != std::string::npos;
       pos = haystack.find(needle, pos + needle.size()))
    ++n;
  return n;
}

std::size_t pos(const std::string& html, const std::string& needle) {
  const auto p = html.find(needle);
  EXPECT_NE(p, std::string::npos) << needle;
  return p;
}

std::map<std::string, Json> variant_runs() {
  std::map<std::string, Json> runs;
  for (const auto& entry :
       std::filesystem::directory_iterator(kFixtures + "dentry-reactions-ab/runs")) {
    std::ifstream in(entry.path() / "report.json");
    runs[entry.path().filename().string()] = Json::parse(in);
  }
  return runs;
}

TEST(HtmlReport, SectionsInOrder) {
  const std::string html = render(load("udp-bursts.json"));
  const std::vector<std::string> order = {"<header id=\"title\">",      "id=\"verdict\"",
                                          "<section id=\"criteria\">",  "<section id=\"host\">",
                                          "<section id=\"workloads\">", "<section id=\"plots\">",
                                          "<section id=\"events\">"};
  std::size_t last = 0;
  for (const auto& id : order) {
    const auto p = pos(html, id);
    EXPECT_GT(p, last) << id << " out of order";
    last = p;
  }
  EXPECT_THAT(html, Not(HasSubstr("<section id=\"variants\">")));
  EXPECT_THAT(
      html,
      HasSubstr("<h1>udp-bursts <span class=\"id\">udp-bursts-20261206T025541-e653</span></h1>"));
  EXPECT_THAT(html,
              HasSubstr("<p id=\"verdict\" class=\"verdict v-passed\"><b>passed</b>: duration "
                        "reached; the criterion passed</p>"));
  // The plots, in the order of the brief, after the memory one.
  const std::vector<std::string> plots = {"<h3>Memory</h3>",
                                          "<h3>Memory pressure (PSI avg10)</h3>",
                                          "<h3>Freed through RCU</h3>",
                                          "<h3>Memory waiting in RCU</h3>",
                                          "<h3>Grace-period latency</h3>",
                                          "<h3>OOM proximity</h3>",
                                          "<h3>More figures: "};
  last = pos(html, "<section id=\"plots\">");
  for (const auto& p : plots) {
    const auto at = pos(html, p);
    EXPECT_GT(at, last) << p << " out of order";
    last = at;
  }
  EXPECT_LT(last, pos(html, "<section id=\"events\">"));
}

TEST(HtmlReport, VerdictColours) {
  Json r = load("sng-oom.json");
  EXPECT_THAT(render(r), HasSubstr("class=\"verdict v-failed\"><b>failed</b>: duration reached; no "
                                   "criteria set; failed: 1 OOM kill(s) in the campaign cgroup"));
  for (const char* v : {"error", "aborted"}) {
    r["verdict"] = v;
    EXPECT_THAT(render(r), HasSubstr(std::string("class=\"verdict v-error\"><b>") + v));
  }
  r["verdict"] = "passed";
  EXPECT_THAT(render(r), HasSubstr("class=\"verdict v-passed\""));
}

TEST(HtmlReport, CriteriaAsRowsColouredByResult) {
  const std::string failed =
      render(load("dentry-reactions-ab/runs/" + kVariantsId + ".10/report.json"));
  EXPECT_THAT(failed,
              HasSubstr("<tr class=\"fail\"><td>max_oom_kills</td><td>fail</td><td>worst 2 &gt; "
                        "limit 0 (first at 2.5 s)</td></tr>"));
  const std::string passed = render(load("udp-bursts.json"));
  EXPECT_THAT(passed, HasSubstr("<tr class=\"pass\"><td>max_oom_kills</td><td>pass</td>"));
  EXPECT_THAT(render(load("sng-oom.json")), HasSubstr("<p>No criteria set.</p>"));
}

TEST(HtmlReport, HostKnobsAndLimit) {
  const std::string html =
      render(load("dentry-reactions-ab/runs/" + kVariantsId + ".13/report.json"));
  const std::string host =
      html.substr(pos(html, "<section id=\"host\">"),
                  pos(html, "<section id=\"workloads\">") - pos(html, "<section id=\"host\">"));
  EXPECT_THAT(host, HasSubstr("<tr><th>kernel</th><td>6.18.44-fc-v1272</td></tr>"));
  EXPECT_THAT(host, HasSubstr("<tr><th>cgroup mode</th><td>hybrid</td></tr>"));
  EXPECT_THAT(host, HasSubstr("<tr><th>memory controller</th><td>/sys/fs/cgroup/memory</td></tr>"));
  EXPECT_THAT(host, HasSubstr("<tr><th>CPUs</th><td>2</td></tr>"));
  EXPECT_THAT(host, HasSubstr("<tr><th>memory</th><td>23.6Gi</td></tr>"));
  EXPECT_THAT(host, HasSubstr("<tr><th>memory limit</th><td>128.0Mi</td></tr>"));
  EXPECT_THAT(host, HasSubstr("<tr><td>rcu_expedited</td><td>0</td><td>1</td><td>1</td></tr>"));
  EXPECT_THAT(render(load("udp-bursts.json")),
              HasSubstr("<p>None set: the kernel's own settings.</p>"));
}

TEST(HtmlReport, WorkloadsTable) {
  const std::string html = render(load("stress-ng-mix.json"));
  EXPECT_THAT(
      html,
      HasSubstr("<tr><td>flood</td><td>flood</td><td>udp_socket</td><td class=\"num\">1</td>"));
  // The failed stress-ng row, coloured, with its exit status.
  EXPECT_THAT(html, HasSubstr("<tr class=\"fail\"><td>stress</td><td>stress_ng</td>"));
  EXPECT_THAT(html,
              HasSubstr("<td>failed</td><td>error: thread 0: stress-ng ended (killed by SIGKILL)"));
  EXPECT_THAT(
      render(load("udp-bursts.json")),
      HasSubstr(
          "<td class=\"num\">243.2k/s</td><td class=\"num\">0</td><td>exited</td><td>exit 0</td>"));
}

TEST(HtmlReport, SeriesMatchTheSamples) {
  const Json r = load("udp-bursts.json");
  const Json data = page_data(render(r));
  const Json& samples = r["samples"];
  const std::size_t n = samples.size();
  ASSERT_EQ(n, 102u);
  const auto t = undelta(data["times"]["main"]);
  ASSERT_EQ(t.size(), n);
  for (std::size_t i = 0; i < n; ++i)
    EXPECT_EQ(*t[i], std::llround(samples[i]["t_s"].get<double>() * 1000)) << i;
  int dense = 0;
  for (const auto& p : data["plots"])
    for (const auto& s : p["series"])
      if (s.contains("tc") && !s.contains("i")) {
        EXPECT_EQ(s["v"].size(), n) << s["label"];
        ++dense;
      }
  EXPECT_GE(dense, 15);

  auto check = [&](const std::string& label, auto get) {
    const Json* s = series(data, label);
    ASSERT_NE(s, nullptr) << label;
    const auto v = values_of(*s, n);
    ASSERT_EQ(v.size(), n) << label;
    double top = 0;
    for (std::size_t i = 0; i < n; ++i) top = std::max(top, std::fabs(get(samples[i]).value_or(0)));
    for (std::size_t i = 0; i < n; ++i)
      expect_close(v[i], get(samples[i]), label + " #" + std::to_string(i), top);
  };
  auto field = [](const char* f) {
    return [f](const Json& s) -> std::optional<double> { return s[f].get<double>(); };
  };
  auto metric = [](const char* m) {
    return [m](const Json& s) -> std::optional<double> {
      if (!s["metrics"].contains(m)) return std::nullopt;
      return s["metrics"][m].get<double>();
    };
  };
  check("usage", field("usage_bytes"));
  check("limit", field("limit_bytes"));
  check("headroom", field("headroom_bytes"));
  check("kernel", field("kernel_bytes"));
  check("system some", [](const Json& s) -> std::optional<double> {
    return s["system_psi"]["some_avg10"].get<double>();
  });
  check("freed bytes/s", metric("rcu.freed_bytes_per_s"));
  check("grace period", metric("rcu.gp_latency_us"));  // 10 of 102: stored sparse
  check("waiting (walk)", metric("rcu.pending_bytes"));
  check("level", metric("oom.proximity"));
  check("score", metric("oom.score"));
  check("rcu.pending_callbacks", metric("rcu.pending_callbacks"));
  EXPECT_TRUE(series(data, "grace period")->contains("i"));
  // No more digits than the values have: whole levels, PSI's two decimals, bytes to the byte at
  // most (and coarser when six digits of the largest need no more).
  EXPECT_EQ((*series(data, "level"))["e"], 0);
  EXPECT_EQ((*series(data, "system some"))["e"], 0);  // all 0 in this campaign
  EXPECT_EQ((*series(data, "limit"))["e"], 3);        // 268435456: 268435 * 10^3
  EXPECT_EQ((*series(data, "score"))["e"], -6);       // up to 0.122: six digits
  const Json psi = page_data(render(load("sng-oom.json")));
  EXPECT_EQ((*series(psi, "cgroup some"))["e"], -1);  // 0 and 0.9
}

TEST(HtmlReport, TimeToOomHasGapsAndBacklogsArePoints) {
  const Json r = load("dentry-reactions-ab/runs/" + kVariantsId + ".5/report.json");
  const Json data = page_data(render(r));
  const Json* eta = series(data, "time to OOM");
  ASSERT_NE(eta, nullptr);
  EXPECT_EQ((*eta)["gaps"], 1);
  EXPECT_EQ((*eta)["y2"], 1);
  const auto v = values_of(*eta, r["samples"].size());
  std::size_t have = 0;
  for (std::size_t i = 0; i < v.size(); ++i) {
    const bool in_sample = r["samples"][i]["metrics"].contains("oom.eta_s");
    EXPECT_EQ(v[i].has_value(), in_sample) << i;  // absent stays absent, not 0
    have += in_sample;
  }
  EXPECT_GT(have, 0u);
  EXPECT_LT(have, v.size());

  const Json ledger = load("e2e-ledger.json");
  const Json ld = page_data(render(ledger));
  const Json* b = series(ld, "ledger barrier backlogs");
  ASSERT_NE(b, nullptr);
  EXPECT_EQ((*b)["pts"], 1);
  const auto t = undelta((*b)["t"]);
  const auto bytes = undelta((*b)["v"], (*b)["e"].get<int>());
  const Json& backlogs = ledger["parts"]["ledger"]["backlogs"];
  ASSERT_EQ(t.size(), backlogs.size());
  for (std::size_t i = 0; i < t.size(); ++i) {
    EXPECT_EQ(*t[i], std::llround(backlogs[i]["t_s"].get<double>() * 1000));
    expect_close(bytes[i], backlogs[i]["bytes"].get<double>(), "backlog bytes");
  }
  EXPECT_EQ(plot_with_series(ld, "ledger barrier backlogs"),
            plot_with_series(ld, "waiting (walk)"));
}

TEST(HtmlReport, EventsFromEveryPart) {
  // OOM kill, PSI trigger, OOM proximity level changes.
  const std::string oom = render(load("sng-oom.json"));
  const Json od = page_data(oom);
  EXPECT_EQ(
      od["events"],
      Json::parse(R"([[0.2,"level"],[0.221,"oom_kill"],[0.3,"level"],[2.046,"psi_trigger"]])"));
  EXPECT_THAT(oom, HasSubstr("<td class=\"num\">0.221 s</td>"));
  EXPECT_THAT(
      oom,
      HasSubstr("OOM kill of stress-ng-vm (pid 3018), usage 64.0Mi; seen by oom_control eventfd"));
  EXPECT_THAT(oom, HasSubstr("PSI trigger fired (some 100000 2000000)"));
  EXPECT_THAT(oom, HasSubstr("cgroup critical → oom: OOM kill; headroom 99% (63.4Mi)"));
  EXPECT_THAT(oom, HasSubstr("OOM kill (1)"));
  EXPECT_THAT(oom, HasSubstr("PSI trigger fired (1)"));
  EXPECT_EQ(count(oom, "<tr class=\"ev-"), 4);
  // Every plot of the campaign draws the campaign's events.
  for (const auto& p : od["plots"]) EXPECT_EQ(p["events"], "main") << p["id"];

  // Reactions: fired and cleared, with their action.
  const std::string react =
      render(load("dentry-reactions-ab/runs/" + kVariantsId + ".10/report.json"));
  EXPECT_EQ(count(react, "<tr class=\"ev-reaction\">"), 3);
  EXPECT_EQ(count(react, "<tr class=\"ev-reaction_clear\">"), 3);
  EXPECT_EQ(count(react, "<tr class=\"ev-oom_kill\">"), 2);
  EXPECT_THAT(react, HasSubstr("reaction expedite-at-90 #1 fired, done in 0.8 ms: expedite: "
                               "rcu_expedited 0 -&gt; 1, until clear"));
  EXPECT_THAT(react, HasSubstr("<td class=\"num\">2.400 s</td>"));  // detected at 2400422.826 us

  // Flood bursts: started and ended.
  const std::string bursts = render(load("udp-bursts.json"));
  EXPECT_EQ(count(bursts, "<tr class=\"ev-burst_start\">"), 5);
  EXPECT_EQ(count(bursts, "<tr class=\"ev-burst_end\">"), 5);
  EXPECT_THAT(
      bursts,
      HasSubstr("flood flood burst #2 ended by headroom, 366.8k ops, barrier freed 15.2Mi"));
  EXPECT_EQ(page_data(bursts)["events"].size(), 10u);
}

TEST(HtmlReport, EscapesEveryReportString) {
  Json r = load("udp-bursts.json");
  r["campaign"] = "<script>alert(1)</script>";
  r["reason"] = "it said </script><b>bold</b> & left";
  r["workloads"][0]["name"] = "<img src=x onerror=alert(2)>";
  r["criteria"][0]["detail"] = "a \"quoted\" <i>detail</i>";
  r["metrics"][4]["help"] = "krc <objects> 'now'";  // rcu.krc_objects, in a "more figures" plot
  r["parts"]["oom_proximity"]["level_changes"] = Json::parse(
      R"([{"t_s": 1.0, "of": "cgroup", "from": "ok", "to": "critical", "reason": "</script><script>x()</script>"}])");
  const std::string html = render(r);
  EXPECT_THAT(html, Not(HasSubstr("<script>alert(1)")));
  EXPECT_THAT(html, Not(HasSubstr("<img src=x")));
  EXPECT_THAT(html, Not(HasSubstr("<b>bold</b>")));
  EXPECT_THAT(html, Not(HasSubstr("<script>x()")));
  EXPECT_THAT(html, HasSubstr("<h1>&lt;script&gt;alert(1)&lt;/script&gt; "));
  EXPECT_THAT(html, HasSubstr("<title>&lt;script&gt;alert(1)&lt;/script&gt; udp-bursts"));
  EXPECT_THAT(html, HasSubstr("it said &lt;/script&gt;&lt;b&gt;bold&lt;/b&gt; &amp; left"));
  EXPECT_THAT(html, HasSubstr("<td>&lt;img src=x onerror=alert(2)&gt;</td>"));
  EXPECT_THAT(html, HasSubstr("a &quot;quoted&quot; &lt;i&gt;detail&lt;/i&gt;"));
  EXPECT_THAT(html, HasSubstr("krc &lt;objects&gt; &apos;now&apos;"));
  EXPECT_THAT(html, HasSubstr("&lt;/script&gt;&lt;script&gt;x()&lt;/script&gt;"));
  // Every <script> element is closed where it should be: no early </script.
  EXPECT_EQ(count(html, "<script"), count(html, "</script>"));
  const std::string open = "<script type=\"application/json\" id=\"mt-data\">";
  const auto a = html.find(open) + open.size();
  EXPECT_EQ(html.substr(a, html.find("</script>", a) - a).find('<'), std::string::npos);
}

TEST(HtmlReport, InlinedLibraryCannotCloseItsElement) {
  HtmlAssets a = fake_assets();
  a.dygraphs_js += " var s = \"</script><script>alert(3)\";";
  a.dygraphs_css += " /* </style><script>alert(4)</script> */";
  const std::string html = render_report_html(load("sng-oom.json"), {}, a);
  EXPECT_THAT(html, HasSubstr("var s = \"<\\/script><script>alert(3)\";"));
  // In a style sheet only </style closes the element.
  EXPECT_THAT(html, HasSubstr("/* <\\/style><script>alert(4)</script> */"));
  EXPECT_EQ(count(html, "</style>"), 2);   // the library's, the page's
  EXPECT_EQ(count(html, "</script>"), 5);  // the error counter, the library, the data, the page's;
                                           // and the harmless one in the style sheet
}

TEST(HtmlReport, MissingMetricPlotOmittedAndNamed) {
  Json r = load("udp-bursts.json");
  const std::string before = render(r);
  EXPECT_THAT(before, HasSubstr("<h3>Grace-period latency</h3>"));
  // No report has flood ops/s per workload yet: named, not drawn.
  EXPECT_THAT(before,
              HasSubstr("<p class=\"not-measured\" id=\"not-measured\">Not measured in this "
                        "campaign: Flood ops/s per workload.</p>"));
  EXPECT_THAT(before, Not(HasSubstr("<h3>Flood ops/s per workload</h3>")));
  for (auto& s : r["samples"]) s["metrics"].erase("rcu.gp_latency_us");
  const std::string after = render(r);
  EXPECT_THAT(after, Not(HasSubstr("<h3>Grace-period latency</h3>")));
  EXPECT_THAT(after, HasSubstr("Not measured in this campaign: Flood ops/s per workload, "
                               "Grace-period latency.</p>"));
  EXPECT_EQ(series(page_data(after), "grace period"), nullptr);
  // A declared metric that no sample carries is named too.
  EXPECT_THAT(after, HasSubstr("Declared but in no sample: rcu.gp_latency_us, rcu.backlog_bytes, "
                               "oom.eta_s, oom.eta_low_s, oom.eta_high_s, oom.system.eta_s.</p>"));
  EXPECT_EQ(page_data(after)["plots"].size(), page_data(before)["plots"].size() - 1);
}

TEST(HtmlReport, FloodOpsPerWorkloadFromSampleMetrics) {
  Json r = load("udp-bursts.json");
  double x = 0;
  for (auto& s : r["samples"]) {
    s["metrics"]["workload.flood.ops_per_s"] = 240000 + (x += 13.7);
    s["metrics"]["workload.hog.ops_per_s"] = 400000.0;
  }
  r["metrics"].push_back({{"name", "workload.flood.ops_per_s"},
                          {"unit", "1/s"},
                          {"help", "operations per second of the flood"},
                          {"label", ""}});
  const std::string html = render(r);
  EXPECT_THAT(html, HasSubstr("<h3>Flood ops/s per workload</h3>"));
  EXPECT_THAT(html, Not(HasSubstr("Not measured in this campaign: Flood")));
  const Json data = page_data(html);
  const Json* flood = series(data, "flood");
  ASSERT_NE(flood, nullptr);
  EXPECT_EQ(plot_with_series(data, "flood"), plot_with_series(data, "hog"));
  EXPECT_EQ((*plot_with_series(data, "flood"))["units"][0], "1/s");
  const auto v = values_of(*flood, r["samples"].size());
  for (std::size_t i = 0; i < v.size(); ++i)
    expect_close(v[i], r["samples"][i]["metrics"]["workload.flood.ops_per_s"].get<double>(),
                 "flood");
  EXPECT_THAT(html, HasSubstr("<b>flood</b> (<code>workload.flood.ops_per_s</code>): operations "
                              "per second of the flood."));
  // Not again among the other figures.
  EXPECT_EQ(series(data, "workload.flood.ops_per_s"), nullptr);
}

TEST(HtmlReport, OtherMetricsByUnitWithTheirHelp) {
  const Json r = load("udp-bursts.json");
  const std::string html = render(r);
  const Json data = page_data(html);
  // Not plotted above, so among the other figures: each declared metric with samples.
  for (const char* m : {"rcu.pending_callbacks", "rcu.krc_objects", "rcu.stalls", "oom.vmpressure",
                        "oom.system.proximity", "oom.effective_headroom_bytes",
                        "oom.growth_bytes_per_s", "oom.scan_pages_per_s"})
    EXPECT_NE(series(data, m), nullptr) << m;
  EXPECT_EQ(series(data, "rcu.freed_bytes_per_s"), nullptr);  // it has its own plot
  EXPECT_EQ((*plot_with_series(data, "oom.growth_bytes_per_s"))["units"][0], "bytes/s");
  EXPECT_EQ((*plot_with_series(data, "oom.vmpressure"))["units"][0], "level");
  // The cgroup's headroom is not drawn flat beside the system's 23 GiB.
  EXPECT_NE(plot_with_series(data, "oom.effective_headroom_bytes"),
            plot_with_series(data, "oom.system.effective_headroom_bytes"));
  EXPECT_THAT(html, HasSubstr("<b>rcu.pending_callbacks</b>: RCU callbacks queued on every CPU now "
                              "(waiting for a grace period or being invoked)."));
  EXPECT_THAT(html,
              HasSubstr("title=\"rcu.pending_callbacks: RCU callbacks queued on every CPU now"));
}

TEST(HtmlReport, NoExternalUrls) {
  const std::regex external(R"((src|href)\s*=\s*["']?\s*(https?:)?//)", std::regex::icase);
  for (const char* f : {"udp-bursts.json", "sng-oom.json", "e2e-ledger.json", "stress-ng-mix.json",
                        "dentry-reactions-ab/report.json"}) {
    const std::string html = render(load(f), variant_runs());
    EXPECT_FALSE(std::regex_search(html, external)) << f;
    EXPECT_THAT(html, Not(HasSubstr("src=\"http"))) << f;
    EXPECT_THAT(html, Not(HasSubstr("href=\"http"))) << f;
    EXPECT_THAT(html, Not(HasSubstr("<link"))) << f;
    EXPECT_THAT(html, HasSubstr("/*FAKE-DYGRAPHS*/")) << f;  // inlined
    EXPECT_THAT(html, HasSubstr("/*FAKE-CSS*/")) << f;
  }
}

TEST(HtmlReport, ErrorCounterRunsFirstAndBodyCarriesTheChecks) {
  const std::string html = render(load("sng-oom.json"));
  const auto handler = pos(html, "window.addEventListener(\"error\"");
  EXPECT_LT(handler, pos(html, "/*FAKE-DYGRAPHS*/"));
  EXPECT_LT(handler, pos(html, "/*FAKE-CSS*/"));
  EXPECT_EQ(html.find("<script"), html.rfind("<script", handler));  // the first script of all
  EXPECT_THAT(html, HasSubstr("unhandledrejection"));
  EXPECT_THAT(html, HasSubstr("<body data-plots-expected=\"0\" data-plots-drawn=\"0\" "
                              "data-errors=\"0\" data-error-text=\"\">"));
  for (const char* a : {"data-plots-expected", "data-plots-drawn", "data-errors", "data-error-text",
                        "data-draw-ms"})
    EXPECT_THAT(html, HasSubstr(std::string("body.setAttribute(\"") + a)) << a;
  EXPECT_THAT(html, HasSubstr("getImageData"));
  // A plot per graph element, each with its legend.
  const Json data = page_data(html);
  for (const auto& p : data["plots"]) {
    const std::string id = p["id"];
    EXPECT_THAT(html, HasSubstr("id=\"" + id + "\" title=")) << id;
    EXPECT_THAT(html, HasSubstr("id=\"" + id + "-legend\"")) << id;
  }
}

TEST(HtmlReport, VariantsSideBySideWithMissingRunsNamed) {
  const Json r = load("dentry-reactions-ab/report.json");
  const auto runs = variant_runs();
  ASSERT_EQ(runs.size(), 4u);  // one repeat of each variant kept in the fixtures
  const std::string html = render(r, runs);
  EXPECT_LT(pos(html, "<section id=\"events\">"), pos(html, "<section id=\"variants\">"));
  EXPECT_THAT(html, HasSubstr("No samples of its own: a campaign with variants"));
  EXPECT_THAT(html, HasSubstr("grid-template-columns:repeat(4,minmax(0,1fr))"));
  EXPECT_EQ(count(html, "<div class=\"variant\" id=\"variant-"), 4);
  std::size_t last = 0;
  for (const char* v : {"none", "barrier", "expedite", "expedited-run"}) {
    const auto at = pos(html, std::string("\">\n<h3>") + v + "</h3>");
    EXPECT_GT(at, last) << v;
    last = at;
  }
  // The comparison table: a row per variant, the figures with their units and spreads.
  EXPECT_THAT(html,
              HasSubstr("<tr><td>none</td><td class=\"num\">0/4</td><td class=\"num\">2</td>"));
  EXPECT_THAT(html, HasSubstr("124.3Mi/s (0B/s..159.2Mi/s)"));
  EXPECT_THAT(html, HasSubstr("32us (27us..36us)"));
  EXPECT_THAT(html, HasSubstr("No variant did clearly best: expedite and barrier"));
  // 12 of the 16 runs are not in the fixtures: each named, none plotted.
  EXPECT_EQ(count(html, ": report not available</li>"), 12);
  EXPECT_THAT(html, HasSubstr("<li class=\"missing\">run " + kVariantsId +
                              ".2: report not available</li>"));
  const Json data = page_data(html);
  ASSERT_EQ(data["plots"].size(), 8u);  // memory and RCU freed per variant
  for (const auto& p : data["plots"]) {
    ASSERT_EQ(p["series"].size(), 1u);
    const std::string tc = p["series"][0]["tc"];
    const std::string id = tc.substr(4);
    ASSERT_TRUE(runs.count(id)) << tc;
    EXPECT_EQ(data["times"][tc].size(), runs.at(id)["samples"].size());
    EXPECT_EQ(p["series"][0]["v"].size(), runs.at(id)["samples"].size());
    EXPECT_EQ(p["group"], "variants");
    EXPECT_TRUE(p.contains("range"));  // the same axes in every column
    EXPECT_EQ(p["events"].size(), runs.at(id)["oom_kill_times_s"].size());
  }
  EXPECT_EQ(data["plots"][0]["range"], data["plots"][2]["range"]);
  // No run at all: all named, no plot.
  const std::string bare = render(r);
  EXPECT_EQ(count(bare, ": report not available</li>"), 16);
  EXPECT_TRUE(page_data(bare)["plots"].empty());
}

TEST(HtmlReport, NoSamplesNoVariants) {
  Json r = load("sng-oom.json");
  r["samples"] = Json::array();
  const std::string html = render(r);
  EXPECT_THAT(html, HasSubstr("No samples in this report."));
  EXPECT_TRUE(page_data(html)["plots"].empty());
  EXPECT_THAT(html, HasSubstr("<section id=\"events\">"));  // the kill is still listed
  EXPECT_THAT(html, HasSubstr("<tr class=\"ev-oom_kill\">"));
}

TEST(HtmlReport, OneHourAtTenHertzStaysCompact) {
  Json r = load("udp-bursts.json");
  const Json first = r["samples"][50];
  Json samples = Json::array();
  for (int i = 0; i < 36000; ++i) {
    Json s = first;
    const double x = i * 0.1;
    s["t_s"] = x + 0.0001 * (i % 7);
    s["usage_bytes"] = 1.5e8 + 4e7 * std::sin(x / 30);
    s["headroom_bytes"] = 2.68435456e8 - s["usage_bytes"].get<double>();
    s["kernel_bytes"] = 2e7 + 1e7 * std::sin(x / 7);
    s["cgroup_psi"]["some_avg10"] = std::round(100 * (2 + std::sin(x / 50))) / 100;
    s["metrics"]["rcu.freed_bytes_per_s"] = 1e9 * (1.1 + std::sin(x));
    s["metrics"]["rcu.freed_objects_per_s"] = 2e6 * (1.1 + std::sin(x));
    s["metrics"]["oom.score"] = 0.5 + 0.4 * std::sin(x / 100);
    if (i % 10) s["metrics"].erase("rcu.pending_bytes");
    samples.push_back(std::move(s));
  }
  r["samples"] = std::move(samples);
  const std::string html = render(r);
  const Json data = page_data(html);
  EXPECT_EQ(data["times"]["main"].size(), 36000u);
  std::size_t series_count = 0;
  for (const auto& p : data["plots"]) series_count += p["series"].size();
  EXPECT_GE(series_count, 25u);
  // ~20 series at 36k samples in a few MB at most.
  EXPECT_LT(html.size(), 4u * 1000 * 1000) << series_count << " series";
}

TEST(HtmlIndex, WithoutHistory) {
  std::vector<IndexRow> rows = {
      {"udp-bursts",
       "passed",
       "duration reached; the criterion passed",
       10.01,
       "udp-bursts.html",
       "udp-bursts/report.json",
       {{"min headroom", "43.4Mi"}, {"OOM kills", "0"}}},
      {"sng-<oom>", "failed", "1 OOM kill(s) & more", 4.0, "", "sng-oom/report.json", {}},
      {"cold", "error", "the daemon went away", 0, "", "", {}},
  };
  const std::string html = render_index_html("nightly <suite>", rows, {}, fake_assets());
  EXPECT_THAT(html, HasSubstr("<title>nightly &lt;suite&gt;</title>"));
  EXPECT_THAT(html,
              HasSubstr("<tr><td><a href=\"udp-bursts.html\">udp-bursts</a></td><td "
                        "class=\"v-passed\">passed</td><td class=\"num\">10.0s</td><td>duration "
                        "reached; the criterion passed</td><td>min headroom <b>43.4Mi</b>; OOM "
                        "kills <b>0</b></td><td><a href=\"udp-bursts/report.json\">report.json</a>"
                        "</td></tr>"));
  EXPECT_THAT(html, HasSubstr("<tr><td>sng-&lt;oom&gt;</td><td class=\"v-failed\">failed</td>"));
  EXPECT_THAT(html, HasSubstr("1 OOM kill(s) &amp; more"));
  EXPECT_THAT(html, HasSubstr("<td class=\"v-error\">error</td>"));
  EXPECT_EQ(count(html, "<tr><td>"), 3);
  EXPECT_THAT(html, Not(HasSubstr("<section id=\"history\">")));
  EXPECT_TRUE(page_data(html)["plots"].empty());
  EXPECT_THAT(html, HasSubstr("<body data-plots-expected=\"0\""));
  EXPECT_THAT(html, Not(HasSubstr("href=\"http")));
}

TEST(HtmlIndex, WithHistory) {
  std::vector<IndexRow> rows = {{"udp-bursts", "passed", "ok", 10, "", "", {}},
                                {"sng-oom", "failed", "kill", 4, "", "", {}}};
  std::vector<HistoryNight> history = {
      {"2026-12-04T02:00:00Z",
       {{"udp-bursts", "passed"}, {"sng-oom", "failed"}},
       {{"udp-bursts", {{"min_headroom_bytes", 4.5e7}, {"gp_p99_us", 23000}}},
        {"sng-oom", {{"min_headroom_bytes", 0}}}}},
      {"2026-12-05T02:00:00.500Z",
       {{"udp-bursts", "failed"}},
       {{"udp-bursts", {{"min_headroom_bytes", 1.2e7}, {"gp_p99_us", 41000}}}}},
      {"2026-12-06T02:00:00Z",
       {{"udp-bursts", "passed"}, {"sng-oom", "passed"}},
       {{"udp-bursts", {{"min_headroom_bytes", 4.4e7}}},
        {"sng-oom", {{"min_headroom_bytes", 3e6}}}}},
  };
  const std::string html = render_index_html("nightly", rows, history, fake_assets());
  EXPECT_LT(pos(html, "<section id=\"campaigns\">"), pos(html, "<section id=\"history\">"));
  const Json data = page_data(html);
  const auto t = undelta(data["times"]["nights"]);
  ASSERT_EQ(t.size(), 3u);
  EXPECT_EQ(*t[0], 1796349600000.0);  // 2026-12-04T02:00:00Z
  EXPECT_EQ(*t[1], 1796349600000.0 + 86400000 + 500);
  ASSERT_EQ(data["plots"].size(), 2u);  // one per figure
  const Json& headroom = data["plots"][0];
  EXPECT_EQ(headroom["x"], "date");
  EXPECT_EQ(headroom["units"][0], "bytes");
  ASSERT_EQ(headroom["series"].size(), 2u);  // one per campaign
  EXPECT_EQ(headroom["series"][0]["label"], "udp-bursts");
  const auto sng = values_of(headroom["series"][1], 3);
  expect_close(sng[0], 0.0, "night 1");
  EXPECT_FALSE(sng[1].has_value());  // not run that night: a gap
  expect_close(sng[2], 3e6, "night 3");
  EXPECT_EQ(data["plots"][1]["units"][0], "us");
  EXPECT_EQ(data["plots"][1]["series"].size(), 1u);
  EXPECT_THAT(html, HasSubstr("<h3>min headroom</h3>"));
  // Verdicts per night: a row per night, a column per campaign.
  EXPECT_THAT(html, HasSubstr("<tr><th>night</th><th>udp-bursts</th><th>sng-oom</th></tr>"));
  EXPECT_THAT(html,
              HasSubstr("<tr><td>2026-12-05T02:00:00.500Z</td><td class=\"v-failed\">failed</td>"
                        "<td></td></tr>"));
  EXPECT_EQ(count(html, "<tr><td>2026-12-0"), 3);
}

class HtmlAssetsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        std::filesystem::temp_directory_path() / ("mt-html-assets-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    const char* old = std::getenv("MEMTORTURE_DYGRAPHS_DIR");
    if (old) old_ = old;
    ::setenv("MEMTORTURE_DYGRAPHS_DIR", dir_.c_str(), 1);
  }
  void TearDown() override {
    if (old_)
      ::setenv("MEMTORTURE_DYGRAPHS_DIR", old_->c_str(), 1);
    else
      ::unsetenv("MEMTORTURE_DYGRAPHS_DIR");
    std::filesystem::remove_all(dir_);
  }
  void write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
  }
  std::filesystem::path dir_;
  std::optional<std::string> old_;
};

TEST_F(HtmlAssetsTest, ReadsBothFilesFromTheFolder) {
  write("dygraph.min.js", "var Dygraph;");
  write("dygraph.min.css", ".dygraph-title{}");
  auto a = load_html_assets();
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_EQ(a->dygraphs_js, "var Dygraph;");
  EXPECT_EQ(a->dygraphs_css, ".dygraph-title{}");
}

TEST_F(HtmlAssetsTest, NamesTheMissingFileAndThePackage) {
  write("dygraph.min.js", "var Dygraph;");
  auto a = load_html_assets();
  ASSERT_FALSE(a.ok());
  EXPECT_THAT(a.error().message, HasSubstr((dir_ / "dygraph.min.css").string()));
  EXPECT_THAT(a.error().message, HasSubstr("libjs-dygraphs"));
  std::filesystem::remove(dir_ / "dygraph.min.js");
  auto b = load_html_assets();
  ASSERT_FALSE(b.ok());
  EXPECT_THAT(b.error().message, HasSubstr((dir_ / "dygraph.min.js").string()));
}

}  // namespace
}  // namespace mt::client
