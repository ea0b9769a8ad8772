// Reading rcutorture's forward-progress lines out of the kernel log: the lines are the kernel's
// formats (kernel/rcu/rcutorture.c, quoted in workloads/rcutorture_log.h) filled with chosen
// values, behind /dev/kmsg and dmesg prefixes.
#include "workloads/rcutorture_log.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace mt::workloads {
namespace {

RcutortureResult parse(const std::vector<std::string>& lines) {
  RcutortureLogParser parser;
  for (const std::string& line : lines) parser.feed(line);
  return parser.result();
}

constexpr const char* kEndParams =
    ": nreaders=3 nfakewriters=4 stat_interval=60 verbose=1 test_no_idle_hz=1 shuffle_interval=3 "
    "stutter=5 irqreader=1 fqs_duration=0 fqs_holdoff=0 fqs_stutter=3 test_boost=1/0 "
    "test_boost_interval=7 test_boost_duration=4 test_boost_holdoff=0 shutdown_secs=0 "
    "stall_cpu=0 stall_cpu_holdoff=10 stall_cpu_irqsoff=0 stall_cpu_block=0 stall_cpu_repeat=0 "
    "n_barrier_cbs=0 onoff_interval=0 onoff_holdoff=0 read_exit_delay=13 read_exit_burst=16 "
    "reader_flavor=1 nocbs_nthreads=0 nocbs_toggle=1000 test_nmis=0 preempt_duration=0 "
    "preempt_interval=1000 n_up_down=32";

TEST(RcutortureLog, TakesTheMessageOutOfKmsgAndDmesgLines) {
  EXPECT_EQ(kernel_log_message("1,1022,354026110,-;rcu_torture_fwd_prog_cr: Starting"),
            "rcu_torture_fwd_prog_cr: Starting");
  EXPECT_EQ(kernel_log_message("4,77,12,c,caller=T38;text\n SUBSYSTEM=cpu\n DEVICE=+cpu:1"),
            "text");
  EXPECT_EQ(kernel_log_message("[  354.061725] text here\n"), "text here");
  EXPECT_EQ(kernel_log_message("[  354.021259][   T38] text"), "text");
  EXPECT_EQ(kernel_log_message("<1>[ 354.049763][ C1] text"), "text");
  EXPECT_EQ(kernel_log_message("plain text\r"), "plain text");
  // Brackets that are neither a timestamp nor a caller id belong to the message.
  EXPECT_EQ(kernel_log_message("[ cut here ] text"), "[ cut here ] text");
  EXPECT_EQ(kernel_log_message("a;b,c"), "a;b,c");
}

TEST(RcutortureLog, ReadsASuccessfulRun) {
  const auto r = parse({
      "1,1021,354023716,-;rcu_torture_fwd_prog: Starting forward-progress test 0",
      "1,1022,354026110,-;rcu_torture_fwd_prog_cr: Starting forward-progress test 0",
      "1,1023,354049763,-;rcu_torture_fwd_prog_cr: Waiting for CBs: rcu_barrier+0x0/0x32() 0",
      "1,1024,354061725,-;rcu_torture_fwd_prog_cr Duration 2001 barrier: 37 pending 12650 "
      "n_launders: 285640 n_launders_sa: 48213 n_max_gps: 100 n_max_cbs: 57802 cver 9 gps 412 "
      "#online 4",
      "1,1025,354065954,-;rcu_torture_fwd_cb_hist: Callback-invocation histogram 0 (duration "
      "2045 jiffies): 1s/10: 30123:12 2s/10: 41877:15 3s/10: 0:-3",
      "1,1026,358100000,-;rcu_torture_fwd_prog_nr: 0 Duration 5301 cver 17 gps 88",
      // One grace period is fine when the writer made updates: WARN_ON(!cver && gps < 2).
      "1,1027,358100001,-;rcu_torture_fwd_prog_nr: 1 Duration 4000 cver 12 gps 1",
      "[  414.200001][   T38] rcu_torture_fwd_prog_cr: Starting forward-progress test 0",
      "[  414.201337][   T38] rcu_torture_fwd_prog_cr Duration 1874 barrier: 22 pending 9001 "
      "n_launders: 190004 n_launders_sa: 7 n_max_gps: 100 n_max_cbs: 40111 cver 3 gps 377 "
      "#online 4",
      "[  414.201400][   T38] rcu_torture_fwd_cb_hist: Callback-invocation histogram 0 (duration "
      "1901 jiffies): 1s/10: 52000:20",
      std::string("[  600.000001] rcu-torture:--- End of test: SUCCESS") + kEndParams,
  });

  EXPECT_EQ(r.floods_started, 2);
  ASSERT_EQ(r.floods.size(), 2u);
  EXPECT_EQ(r.floods[0], (RcutortureFwdCr{.duration_jiffies = 2001,
                                          .barrier_jiffies = 37,
                                          .pending = 12650,
                                          .n_launders = 285640,
                                          .n_launders_sa = 48213,
                                          .n_max_gps = 100,
                                          .n_max_cbs = 57802,
                                          .cver = 9,
                                          .gps = 412,
                                          .online_cpus = 4}));
  EXPECT_EQ(r.floods[1].duration_jiffies, 1874);
  EXPECT_EQ(r.floods[1].n_launders_sa, 7);
  EXPECT_EQ(r.floods[1].n_max_cbs, 40111);

  ASSERT_EQ(r.histograms.size(), 2u);
  EXPECT_EQ(r.histograms[0].index, 0);
  EXPECT_EQ(r.histograms[0].duration_jiffies, 2045);
  EXPECT_EQ(r.histograms[0].buckets, (std::vector<RcutortureHistogram::Bucket>{
                                         {100, 30123, 12}, {200, 41877, 15}, {300, 0, -3}}));
  EXPECT_EQ(r.histograms[1].buckets, (std::vector<RcutortureHistogram::Bucket>{{100, 52000, 20}}));

  ASSERT_EQ(r.nr_tests.size(), 2u);
  EXPECT_EQ(r.nr_tests[0], (RcutortureFwdNr{0, 5301, 17, 88}));
  EXPECT_EQ(r.nr_tests[1], (RcutortureFwdNr{1, 4000, 12, 1}));

  EXPECT_EQ(r.success, true);
  EXPECT_EQ(r.outcome, "SUCCESS");
  EXPECT_EQ(r.torture_type, "rcu");
  EXPECT_EQ(r.end_line, std::string("rcu-torture:--- End of test: SUCCESS") + kEndParams);
  EXPECT_TRUE(r.failures.empty()) << r.failures.front();
  EXPECT_TRUE(r.malformed.empty()) << r.malformed.front();
}

TEST(RcutortureLog, ReadsOlderKernelsShapes) {
  // Before v6.10 the flood line has no "#online"; with one forward-progress kthread the
  // histogram has no index, and rcu_torture_fwd_prog_nr() printed no index either.
  const auto r = parse({
      "[ 50315.161884] rcu_torture_fwd_prog_cr Duration 39 barrier: 19 pending 15628 n_launders: "
      "31487 n_launders_sa: 8223 n_max_gps: 100 n_max_cbs: 26141 cver 5 gps 21",
      "[ 50315.175993] rcu_torture_fwd_cb_hist: Callback-invocation histogram (duration 72 "
      "jiffies): 1s/10: 57683:11",
      "[ 50314.952711] rcu_torture_fwd_prog_nr: Duration 14640 cver 879 gps 1460",
  });
  ASSERT_EQ(r.floods.size(), 1u);
  EXPECT_EQ(r.floods[0].n_max_cbs, 26141);
  EXPECT_EQ(r.floods[0].gps, 21);
  EXPECT_EQ(r.floods[0].online_cpus, std::nullopt);
  ASSERT_EQ(r.histograms.size(), 1u);
  EXPECT_EQ(r.histograms[0].duration_jiffies, 72);
  EXPECT_EQ(r.histograms[0].buckets, (std::vector<RcutortureHistogram::Bucket>{{100, 57683, 11}}));
  ASSERT_EQ(r.nr_tests.size(), 1u);
  EXPECT_EQ(r.nr_tests[0], (RcutortureFwdNr{0, 14640, 879, 1460}));
  EXPECT_TRUE(r.malformed.empty()) << r.malformed.front();
}

TEST(RcutortureLog, SaysWhyARunFailed) {
  RcutortureLogParser parser;
  for (const char* line : {
           "4,2000,146800051,-;------------[ cut here ]------------",
           "4,2001,146800411,-;WARNING: CPU: 1 PID: 583 at kernel/rcu/rcutorture.c:2806 "
           "rcu_torture_fwd_prog_cr+0x22c/0x2a7 [rcutorture]",
           "1,2002,146900000,-;rcu_torture_fwd_prog_cr Duration 2001 barrier: 1500 pending 900123 "
           "n_launders: 0 n_launders_sa: 0 n_max_gps: 37 n_max_cbs: 900123 cver 0 gps 2 #online 2",
           "4,2003,150000000,-;rcutorture_oom_notify invoked upon OOM during forward-progress "
           "testing.",
           "4,2004,150000100,-;WARNING: kernel/rcu/rcutorture.c:2951 at "
           "rcutorture_oom_notify+0x3f/0x1c0 [rcutorture], CPU#0: kworker/0:1/12",
           "6,2005,150000200,-;rcutorture_oom_notify: Freed 812345 RCU callbacks.",
           "6,2006,150000300,-;rcutorture_oom_notify: Freed 1200 RCU callbacks.",
           "4,2007,150000400,-;WARNING: CPU: 0 PID: 9 at mm/page_alloc.c:4410 foo+0x1/0x2",
           "1,2008,151000000,-;rcu_torture_fwd_prog_nr: 1 Duration 5000 cver 0 gps 1",
       }) {
    parser.feed(line);
    EXPECT_FALSE(parser.ended()) << line;
  }
  parser.feed(std::string("1,2009,160000000,-;srcu-torture:--- End of test: FAILURE") + kEndParams);
  EXPECT_TRUE(parser.ended());

  const auto& r = parser.result();
  EXPECT_EQ(r.success, false);
  EXPECT_EQ(r.outcome, "FAILURE");
  EXPECT_EQ(r.torture_type, "srcu");
  ASSERT_EQ(r.floods.size(), 1u);
  EXPECT_EQ(r.floods[0].n_max_gps, 37);
  EXPECT_EQ(r.floods[0].barrier_jiffies, 1500);
  EXPECT_EQ(r.oom_freed_callbacks, 813545);
  EXPECT_EQ(r.failures,
            (std::vector<std::string>{
                "WARNING at kernel/rcu/rcutorture.c:2806 in rcu_torture_fwd_prog_cr",
                "rcu_torture_fwd_prog_cr: flood 1 had n_max_gps 37 < 100: too few callbacks were "
                "invoked 3 times (rcutorture's WARN_ON)",
                "rcutorture_oom_notify: the system ran out of memory during forward-progress "
                "testing",
                "WARNING at kernel/rcu/rcutorture.c:2951 in rcutorture_oom_notify",
                "rcu_torture_fwd_prog_nr: no update and 1 grace periods in a cond_resched() loop "
                "(rcutorture's WARN_ON)",
            }));
  EXPECT_TRUE(r.malformed.empty()) << r.malformed.front();
}

TEST(RcutortureLog, CpuHotplugFailureIsNotSuccess) {
  const auto r =
      parse({std::string("[ 99.1] tasks-rude-torture:--- End of test: RCU_HOTPLUG") + kEndParams});
  EXPECT_EQ(r.success, false);
  EXPECT_EQ(r.outcome, "RCU_HOTPLUG");
  EXPECT_EQ(r.torture_type, "tasks-rude");
}

TEST(RcutortureLog, IgnoresLinesThatAreNotRcutorturesFloodLines) {
  RcutortureLogParser parser;
  for (const char* line : {
           "",
           "\n",
           "6,1,100,-;Linux version 6.12.0 (gcc 12.2.0)",
           "[   12.345678] systemd[1]: Started Journal Service.",
           "[50365.835721] rcu-torture: rtc: 00000000e312d68d ver: 1952831 tfle: 0 rta: 1952832",
           "[50365.851868] rcu-torture: Reader Pipe: 37733716978 5723571 0 0 0 0 0 0 0 0 0",
           "1,2,300,-;rcu_torture_fwd_prog_cr: Waiting for CBs: rcu_barrier+0x0/0x32() 0",
           "1,3,301,-;rcu_torture_fwd_prog_nr: Starting forward-progress test 1",
           "1,4,302,-;rcu_torture_fwd_prog n_max_cbs: 1667",
           "1,5,303,-;rcu_torture_fwd_prog: tested 3 tested_tries 3",
           // Not at the start of the message: someone quoting the line, not rcutorture.
           "6,6,304,-;echo rcu_torture_fwd_prog_cr Duration 1 barrier: 1 pending 1",
           // A histogram entry with no histogram open.
           "[  1.0]  2s/10: 4135:9",
           // locktorture's end line has its own parameters.
           "1,7,305,-;spin_lock-torture:--- End of test: SUCCESS: acq_writer_lim=0 "
           "bind_readers=0-3 bind_writers=0-3 call_rcu_chains=0 long_hold=100 nested_locks=0",
           "4,8,306,-;WARNING: CPU: 3 PID: 1 at kernel/locking/locktorture.c:100 x+0x1/0x2",
       })
    parser.feed(line);
  EXPECT_FALSE(parser.ended());
  EXPECT_EQ(parser.result(), RcutortureResult{});
}

TEST(RcutortureLog, RecordsMalformedLinesAndReadsOn) {
  const auto r = parse({
      // Cut short after n_launders.
      "1,10,400,-;rcu_torture_fwd_prog_cr Duration 2001 barrier: 37 pending 12650 n_launders: "
      "285640",
      "1,11,401,-;rcu_torture_fwd_prog_cr Duration 12x barrier: 37 pending 1 n_launders: 1 "
      "n_launders_sa: 1 n_max_gps: 100 n_max_cbs: 1 cver 1 gps 1",
      "1,12,402,-;rcu_torture_fwd_cb_hist: Callback-invocation histogram 0 (duration 2045 "
      "jiffies): 1s/10: 30123:12 2s/10: 41877:abc",
      "1,13,403,-;rcu_torture_fwd_cb_hist: Callback-invocation histogram 1 (duration",
      "1,14,404,-;rcu-torture:--- End of test: SUCC",
      "1,15,405,-;rcu_torture_fwd_prog_cr Duration 1999 barrier: 8 pending 3 n_launders: 4 "
      "n_launders_sa: 5 n_max_gps: 100 n_max_cbs: 6 cver 7 gps 8 #online 16",
  });
  ASSERT_EQ(r.malformed.size(), 5u);
  EXPECT_NE(r.malformed[0].find("at 'n_launders_sa'"), std::string::npos) << r.malformed[0];
  EXPECT_NE(r.malformed[0].find("n_launders: 285640"), std::string::npos) << r.malformed[0];
  EXPECT_NE(r.malformed[1].find("at 'Duration'"), std::string::npos) << r.malformed[1];
  EXPECT_NE(r.malformed[2].find("at '2s/10: 41877:abc'"), std::string::npos) << r.malformed[2];
  EXPECT_NE(r.malformed[3].find("histogram header"), std::string::npos) << r.malformed[3];
  EXPECT_NE(r.malformed[4].find("End of test line cut short"), std::string::npos) << r.malformed[4];
  // The good entry before the bad one is kept; the later good flood line is read.
  ASSERT_EQ(r.histograms.size(), 1u);
  EXPECT_EQ(r.histograms[0].buckets, (std::vector<RcutortureHistogram::Bucket>{{100, 30123, 12}}));
  ASSERT_EQ(r.floods.size(), 1u);
  EXPECT_EQ(r.floods[0].duration_jiffies, 1999);
  EXPECT_EQ(r.floods[0].online_cpus, 16);
  EXPECT_FALSE(r.success.has_value());
  EXPECT_TRUE(r.failures.empty()) << r.failures.front();
}

TEST(RcutortureLog, ReadsHistogramEntriesPrintedOnLinesOfTheirOwn) {
  // Other printk()s came between rcu_torture_fwd_cb_hist()'s pr_cont()s (here another
  // forward-progress kthread's flood line among them): the entries arrive as records (dmesg
  // lines) of their own.
  const auto r = parse({
      "1,20,500,-;rcu_torture_fwd_cb_hist: Callback-invocation histogram 2 (duration 812 "
      "jiffies):",
      "6,21,501,-;e1000: eth0 NIC Link is Up 1000 Mbps Full Duplex",
      "1,22,502,c; 1s/10: 100:2 2s/10: 200:3",
      "1,23,502,-;rcu_torture_fwd_prog_cr Duration 801 barrier: 9 pending 10 n_launders: 11 "
      "n_launders_sa: 12 n_max_gps: 100 n_max_cbs: 13 cver 14 gps 15 #online 8",
      "[    0.503000]  3s/10: 50:1", "[    0.503100][   T44] 4s/10: 7:0", "1,26,504,-;",
      "1,27,505,c; 6s/10: 1:1",  // 5s/10 is missing
      std::string("1,28,506,-;rcu-torture:--- End of test: SUCCESS") + kEndParams,
      "1,29,507,c; 5s/10: 9:9",  // after the end: nobody's
  });
  ASSERT_EQ(r.histograms.size(), 1u);
  EXPECT_EQ(r.histograms[0].index, 2);
  EXPECT_EQ(r.histograms[0].duration_jiffies, 812);
  EXPECT_EQ(r.histograms[0].buckets, (std::vector<RcutortureHistogram::Bucket>{
                                         {100, 100, 2}, {200, 200, 3}, {300, 50, 1}, {400, 7, 0}}));
  ASSERT_EQ(r.floods.size(), 1u);
  EXPECT_EQ(r.floods[0].n_max_cbs, 13);
  ASSERT_EQ(r.malformed.size(), 1u);
  EXPECT_NE(r.malformed[0].find("entry 6s where 5s was due"), std::string::npos) << r.malformed[0];
  EXPECT_EQ(r.success, true);
}

TEST(RcutortureLog, EntriesGoToTheLatestHistogram) {
  // The OOM notifier prints every kthread's histogram in turn.
  const auto r = parse({
      "[ 7.1] rcu_torture_fwd_cb_hist: Callback-invocation histogram 0 (duration 90 jiffies): "
      "1s/10: 5:1",
      "[ 7.2] 2s/10: 6:2",
      "[ 7.3] rcu_torture_fwd_cb_hist: Callback-invocation histogram 1 (duration 95 jiffies):",
      "[ 7.4] 1s/10: 8:3",
  });
  ASSERT_EQ(r.histograms.size(), 2u);
  EXPECT_EQ(r.histograms[0].buckets,
            (std::vector<RcutortureHistogram::Bucket>{{100, 5, 1}, {200, 6, 2}}));
  EXPECT_EQ(r.histograms[1].index, 1);
  EXPECT_EQ(r.histograms[1].buckets, (std::vector<RcutortureHistogram::Bucket>{{100, 8, 3}}));
  EXPECT_TRUE(r.malformed.empty()) << r.malformed.front();
}

}  // namespace
}  // namespace mt::workloads
