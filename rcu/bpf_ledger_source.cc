#include "rcu/bpf_ledger_source.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <pthread.h>
#include <sched.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdarg>
#include <cstring>
#include <mutex>
#include <thread>

#include "common/fs.h"
#include "rcu/kernel_symbols.h"
#include "rcu/percpu_offsets.h"

// The skeletons name the structs of bpf/ledger_abi.h without defining them.
#include "bpf/ledger_abi.h"
#include "rcu_freed.skel.h"
#include "rcu_pending.skel.h"

namespace mt::rcu {
namespace {

namespace stdfs = std::filesystem;

// ---- libbpf's log, kept for the error message of a failed load -------------------------

std::mutex log_mu;
std::atomic<std::string*> log_sink{nullptr};  // set while a load runs (under log_mu)

int libbpf_log(enum libbpf_print_level level, const char* format, va_list args) {
  if (level == LIBBPF_DEBUG) return 0;
  va_list copy;
  va_copy(copy, args);
  const int n = std::vsnprintf(nullptr, 0, format, copy);
  va_end(copy);
  if (n <= 0) return n;
  std::string text(static_cast<std::size_t>(n) + 1, '\0');
  std::vsnprintf(text.data(), text.size(), format, args);
  text.resize(static_cast<std::size_t>(n));
  if (std::string* sink = log_sink.load())
    sink->append(text);
  else
    spdlog::debug("libbpf: {}", text);
  return n;
}

// Captures libbpf's messages for the duration of one load or attach.
class LogCapture {
 public:
  LogCapture() : lock_(log_mu) {
    libbpf_set_print(libbpf_log);
    log_sink = &text_;
  }
  ~LogCapture() { log_sink = nullptr; }
  // The last lines (the verifier's verdict is at the end).
  std::string tail(std::size_t lines = 16) const {
    std::size_t pos = text_.size();
    for (std::size_t n = 0; n <= lines && pos > 0; ++n) {
      pos = text_.rfind('\n', pos - 1);
      if (pos == std::string::npos) {
        pos = 0;
        break;
      }
    }
    std::string t = text_.substr(pos);
    while (!t.empty() && (t.front() == '\n')) t.erase(0, 1);
    return t;
  }

 private:
  std::lock_guard<std::mutex> lock_;
  std::string text_;
};

std::string why_bpf(int err) {
  switch (err) {
    case EPERM:
      return "not permitted (EPERM): needs root or CAP_BPF+CAP_PERFMON; a lockdown mode, a "
             "seccomp filter or an LSM may forbid BPF tracing";
    case EACCES:
      return "refused by the verifier (EACCES)";
    case ENOENT:
      return "not in this kernel (ENOENT)";
    case EINVAL:
      return "rejected (EINVAL)";
    case E2BIG:
      return "too big (E2BIG)";
    default:
      return fs::errno_text(err);
  }
}

Error load_error(const char* what, int err, const LogCapture& log) {
  std::string msg = fmt::format("RCU ledger: loading {} failed: {}", what, why_bpf(err));
  const std::string tail = log.tail();
  if (!tail.empty()) msg += "\n" + tail;
  return make_error(std::move(msg));
}

std::chrono::nanoseconds monotonic_now() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
}

// Runs a never-attached raw_tp program once, with `args` as its arguments.
Status test_run(const bpf_program* prog, std::initializer_list<__u64> args = {}) {
  __u64 a[4] = {};
  std::size_t n = 0;
  for (__u64 v : args) a[n++] = v;
  LIBBPF_OPTS(bpf_test_run_opts, opts);
  if (n) {
    opts.ctx_in = a;
    opts.ctx_size_in = static_cast<__u32>(n * sizeof(__u64));
  }
  if (bpf_prog_test_run_opts(bpf_program__fd(prog), &opts) != 0) {
    const int err = errno;
    return make_error(fmt::format("RCU ledger: running {} failed: {}", bpf_program__name(prog),
                                  fs::errno_text(err)));
  }
  return {};
}

// Puts a short-lived thread on each CPU in `cpus`: its sleeps and wake-ups change that CPU's
// nr_running, which is what the runqueue-discovery tracepoint waits for on an idle CPU.
void nudge_cpus(const std::vector<int>& cpus) {
  std::vector<std::thread> threads;
  for (int cpu : cpus) {
    threads.emplace_back([cpu] {
      cpu_set_t set;
      CPU_ZERO(&set);
      CPU_SET(cpu, &set);
      if (pthread_setaffinity_np(pthread_self(), sizeof set, &set) != 0) return;
      for (int i = 0; i < 3; ++i) ::usleep(200);
    });
  }
  for (auto& t : threads) t.join();
}

constexpr int kWalkAttempts = 3;

bool has_kfunc(const stdfs::path& btf_file, const char* name) {
  std::unique_ptr<struct btf, void (*)(struct btf*)> btf(btf__parse(btf_file.c_str(), nullptr),
                                                         btf__free);
  return btf && btf__find_by_name_kind(btf.get(), name, BTF_KIND_FUNC) > 0;
}

class BpfLedgerSource final : public LedgerSource {
 public:
  explicit BpfLedgerSource(const LedgerOptions& options) : opt_(options) {}
  ~BpfLedgerSource() override {
    // Destroying a skeleton detaches its links and closes its programs and maps.
    rcu_freed_bpf__destroy(freed_);
    rcu_pending_bpf__destroy(pending_);
  }

  Status open() {
    const stdfs::path btf = opt_.btf.empty() ? opt_.sys / "kernel/btf/vmlinux" : opt_.btf;
    if (::access(btf.c_str(), R_OK) != 0)
      return make_error(
          fmt::format("RCU ledger: no kernel BTF at {} ({}): needs "
                      "CONFIG_DEBUG_INFO_BTF",
                      btf.string(), fs::errno_text(errno)));
    possible_ = libbpf_num_possible_cpus();
    if (possible_ <= 0) return make_error("RCU ledger: cannot count possible CPUs");
    auto online = fs::read_line(opt_.sys / "devices/system/cpu/online");
    if (!online) return online.error();
    auto cpus = parse_cpu_list(*online);
    if (!cpus) return cpus.error();
    cpus_ = *cpus;
    if (cpus_.empty() || cpus_.back() >= LEDGER_MAX_CPUS)
      return make_error(fmt::format("RCU ledger: CPUs {}: at most {} CPU ids are supported",
                                    *online, static_cast<int>(LEDGER_MAX_CPUS)));
    auto layout = read_text_layout(opt_.proc / "kallsyms", {"rcu_free_sheaf", "kfree_rcu_work"});
    if (!layout) return make_error("RCU ledger: " + layout.error().message);
    layout_ = *layout;
    facts_.sized = has_kfunc(btf, "bpf_get_kmem_cache");
    if (!facts_.sized)
      facts_.notes.push_back(
          "no bpf_get_kmem_cache kfunc (kernels before 6.13): callbacks are counted, not sized: "
          "no pending_bytes() walks, no method 1 (freed), no barrier backlog");

    if (opt_.freed && facts_.sized)
      if (Status s = open_freed(); !s) return s;
    if (opt_.pending)
      if (Status s = open_pending(btf); !s) return s;
    facts_.barrier =
        ::access((opt_.sys / "module/rcutree/parameters/do_rcu_barrier").c_str(), W_OK) == 0;
    if (!facts_.barrier)
      facts_.notes.push_back("no writable rcutree do_rcu_barrier: barrier_backlog() unavailable");
    facts_.notes.push_back(
        "not covered: SRCU and Tasks RCU callback queues (separate per-CPU lists)");
    return {};
  }

  const LedgerFacts& facts() const override { return facts_; }
  std::chrono::nanoseconds now() const override { return monotonic_now(); }

  Result<RawFreed> read_freed() override {
    if (!freed_) return make_error("RCU ledger: method 1 (freed) is not attached");
    RawFreed raw;
    raw.at = now();
    const std::size_t ncpu = static_cast<std::size_t>(possible_);
    // Per CPU: the counters and the direct-mapped table; then the overflow hash. The same
    // cache can be in several CPUs' tables at different slots and in the hash: merged by key.
    std::map<std::uint64_t, std::vector<FreedCell>> cells;
    auto cell = [&](std::uint64_t cache, std::size_t cpu) -> FreedCell& {
      auto& v = cells[cache];
      if (v.empty()) v.resize(ncpu);
      return v[cpu];
    };
    auto add = [](FreedCell& c, const cache_freed& f) {
      c.objects += f.objects;
      c.bytes += f.bytes;
      c.kfree_objects += f.kfree_objects;
      c.batch_objects += f.batch_objects;
      c.batch_bytes += f.batch_bytes;
    };
    {
      state_buf_.resize(ncpu);
      const __u32 zero = 0;
      if (bpf_map_lookup_elem(bpf_map__fd(freed_->maps.state), &zero, state_buf_.data()) != 0)
        return make_error("RCU ledger: reading the per-CPU state map: " + fs::errno_text(errno));
      for (std::size_t cpu = 0; cpu < ncpu; ++cpu) {
        const freed_cpu& st = state_buf_[cpu];
        const freed_totals& t = st.totals;
        raw.per_cpu.push_back({t.core_runs, t.batch_runs, t.kfree_calls, t.kfree_unsized, t.pages,
                               t.batch_pages, t.dropped, t.batch_records, t.batch_unsized,
                               t.batch_truncated});
        for (const freed_slot& slot : st.slots)
          if (slot.cache) add(cell(slot.cache, cpu), slot.f);
      }
    }
    const int overflow_fd = bpf_map__fd(freed_->maps.overflow);
    const int names_fd = bpf_map__fd(freed_->maps.cache_names);
    std::vector<cache_freed> per_cpu(ncpu);
    __u64 key = 0, next = 0;
    bool first = true;
    while (bpf_map_get_next_key(overflow_fd, first ? nullptr : &key, &next) == 0) {
      first = false;
      key = next;
      if (bpf_map_lookup_elem(overflow_fd, &key, per_cpu.data()) != 0) continue;  // deleted
      for (std::size_t cpu = 0; cpu < ncpu; ++cpu) add(cell(key, cpu), per_cpu[cpu]);
    }
    for (auto& [cache, v] : cells) {
      RawCacheFreed c;
      c.cache = cache;
      auto name = names_.find(cache);
      if (name == names_.end()) {
        cache_name n{};
        if (bpf_map_lookup_elem(names_fd, &cache, &n) == 0) {
          n.name[sizeof(n.name) - 1] = 0;
          name = names_.emplace(cache, std::make_pair(std::string(n.name), n.size)).first;
        }
      }
      if (name != names_.end()) {
        c.name = name->second.first;
        c.object_size = name->second.second;
      }
      c.per_cpu = std::move(v);
      raw.caches.push_back(std::move(c));
    }
    bpf_program* prog = nullptr;
    bpf_object__for_each_program(prog, freed_->obj) {
      const int fd = bpf_program__fd(prog);
      if (fd < 0) continue;  // not loaded (the batch bracket on a kernel without it)
      bpf_prog_info info{};
      __u32 len = sizeof(info);
      if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0)
        raw.misses.push_back(
            {bpf_program__name(prog), info.recursion_misses, info.run_cnt, info.run_time_ns});
    }
    return raw;
  }

  Result<std::vector<CpuPendingCounts>> read_counts(std::uint64_t& barrier_sequence) override {
    if (!pending_) return make_error("RCU ledger: method 2 (pending) is not loaded");
    if (Status s = test_run(pending_->progs.read_counts); !s) return s.error();
    const auto* bss = pending_->bss;
    std::vector<CpuPendingCounts> out;
    for (int cpu : cpus_) {
      const cpu_counts& c = bss->counts[cpu];
      CpuPendingCounts p;
      p.cpu = cpu;
      p.len = c.len;
      for (int s = 0; s < kSegments; ++s) p.seglen[s] = c.seglen[s];
      if (c.lazy_len >= 0) p.lazy_len = c.lazy_len;
      if (c.bypass_len >= 0) p.bypass_len = c.bypass_len;
      p.nocb_kthread = c.nocb_cb_kthread != 0;
      p.n_cbs_invoked = c.n_cbs_invoked;
      p.barrier_seq_snap = c.barrier_seq_snap;
      if (c.krc_head_count >= 0 && facts_.krc) {
        p.krc_head_count = c.krc_head_count;
        p.krc_bulk_count = {c.krc_bulk_count[0], c.krc_bulk_count[1]};
      }
      out.push_back(p);
    }
    barrier_sequence = bss->barrier_sequence;
    return out;
  }

  Result<RawWalk> walk() override {
    if (!pending_) return make_error("RCU ledger: method 2 (pending) is not loaded");
    if (!facts_.sized)
      return make_error(
          "RCU ledger: this kernel has no bpf_get_kmem_cache kfunc: callbacks are counted, "
          "not walked and sized");
    auto* bss = pending_->bss;
    RawWalk raw;
    raw.at = now();
    std::memset(bss->walk_table, 0, sizeof(bss->walk_table));
    bss->walk_overflow_callbacks = 0;
    bss->walk_overflow_bytes = 0;
    for (int cpu : cpus_) {
      // A walk from another CPU races with that CPU's grace periods: when one ends while the
      // walk is in the wait segment, those callbacks become DONE and are taken off the list to
      // be invoked, and the walk follows them to the end of that detached list (or into freed
      // memory: a func outside text). Both are seen (stop != end); the table is put back as it
      // was before that CPU's walk and the walk is tried again.
      std::memcpy(table_copy_.data(), bss->walk_table, sizeof(bss->walk_table));
      const __u64 ov_cbs = bss->walk_overflow_callbacks, ov_bytes = bss->walk_overflow_bytes;
      for (int attempt = 1;; ++attempt) {
        if (Status s = run_walk(cpu); !s) return s.error();
        const __u32 stop = bss->walk_cpus[cpu].stop;
        if (stop == LEDGER_WALK_END || stop == LEDGER_WALK_CAP || attempt >= kWalkAttempts) {
          raw.retries += attempt - 1;
          break;
        }
        std::memcpy(bss->walk_table, table_copy_.data(), sizeof(bss->walk_table));
        bss->walk_overflow_callbacks = ov_cbs;
        bss->walk_overflow_bytes = ov_bytes;
      }
    }
    raw.krc_walked = facts_.krc && opt_.walk_krc;
    if (raw.krc_walked)
      for (int cpu : cpus_)
        if (Status s = test_run(pending_->progs.walk_krc, {static_cast<__u64>(cpu)}); !s)
          return s.error();
    raw.took = now() - raw.at;
    for (const walk_slot& s : bss->walk_table) {
      if (!s.used) continue;
      RawWalkSlot r;
      r.func = s.func;
      r.cache = s.cache;
      r.cache_name.assign(s.name, strnlen(s.name, sizeof(s.name)));
      r.object_size = s.object_size;
      r.callbacks = s.callbacks;
      r.objects = s.objects;
      r.bytes = s.bytes;
      raw.slots.push_back(std::move(r));
    }
    raw.overflow_callbacks = bss->walk_overflow_callbacks;
    raw.overflow_bytes = bss->walk_overflow_bytes;
    for (int cpu : cpus_) {
      const walk_cpu& w = bss->walk_cpus[cpu];
      CpuWalk c;
      c.cpu = cpu;
      for (int s = 0; s < kSegments; ++s) c.seglen[s] = w.seglen[s];
      c.len = w.len;
      c.expected = w.expected;
      c.walked = w.walked;
      c.objects = w.objects;
      c.bytes = w.bytes;
      c.unsized = w.unsized;
      c.sheaves = w.sheaves;
      c.stop = w.stop <= LEDGER_WALK_CAP ? static_cast<WalkStop>(w.stop) : WalkStop::fault;
      raw.cpus.push_back(c);
      std::array<KrcPlace, kKrcPlaces> places{};
      if (raw.krc_walked)
        for (int p = 0; p < kKrcPlaces; ++p) {
          const krc_place& k = bss->krc_places[cpu][p];
          places[p] = {k.objects, k.bytes, k.unsized, k.pages, k.truncated != 0};
        }
      raw.krc.push_back(places);
    }
    return raw;
  }

  Status set_freed_attached(bool attached) override {
    if (!freed_) return make_error("RCU ledger: method 1 (freed) was not opened");
    if (attached == freed_attached_) return {};
    if (!attached) {
      rcu_freed_bpf__detach(freed_);
    } else {
      LogCapture log;
      if (rcu_freed_bpf__attach(freed_) != 0)
        return make_error(fmt::format("RCU ledger: re-attaching method 1 failed: {}\n{}",
                                      why_bpf(errno), log.tail()));
    }
    freed_attached_ = attached;
    return {};
  }

  // walk_callbacks for one CPU: from here, or in an IPI on that CPU (walk_on_cpu), where the
  // list cannot change under the walk (that CPU changes it with interrupts off) but the CPU
  // stays in the IPI, interrupts off, for the whole walk (~0.2 µs a callback).
  Status run_walk(int cpu) {
    if (!opt_.walk_on_cpu)
      return test_run(pending_->progs.walk_callbacks, {static_cast<__u64>(cpu)});
    __u64 args[1] = {static_cast<__u64>(cpu)};
    LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = args, .ctx_size_in = sizeof(args),
                .flags = BPF_F_TEST_RUN_ON_CPU, .cpu = static_cast<__u32>(cpu));
    if (bpf_prog_test_run_opts(bpf_program__fd(pending_->progs.walk_callbacks), &opts) != 0)
      return make_error(fmt::format("RCU ledger: running walk_callbacks on CPU {} failed: {}", cpu,
                                    fs::errno_text(errno)));
    return {};
  }

  Result<BarrierWrite> barrier() override {
    const stdfs::path file = opt_.sys / "module/rcutree/parameters/do_rcu_barrier";
    const int fd = ::open(file.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0)
      return make_error(
          fmt::format("RCU ledger: open {}: {}", file.string(), fs::errno_text(errno)));
    BarrierWrite w;
    const auto t0 = now();
    const ssize_t n = ::write(fd, "1", 1);
    w.took = now() - t0;
    const int err = n == 1 ? 0 : errno;
    ::close(fd);
    if (err && err != EAGAIN)
      return make_error(
          fmt::format("RCU ledger: write {}: {}", file.string(), fs::errno_text(err)));
    w.error = err;
    return w;
  }

 private:
  Status open_freed() {
    LogCapture log;
    freed_ = rcu_freed_bpf__open();
    if (!freed_) return load_error("rcu_freed.bpf.o", errno, log);
    auto fn = layout_.wanted.find("kfree_rcu_work");
    const bool batch = fn != layout_.wanted.end();
    if (batch) {
      freed_->rodata->kfree_rcu_work_fn = fn->second;
    } else {
      bpf_program__set_autoload(freed_->progs.on_work_start, false);
      bpf_program__set_autoload(freed_->progs.on_work_end, false);
    }
    if (rcu_freed_bpf__load(freed_) != 0) return load_error("rcu_freed.bpf.o", errno, log);
    if (rcu_freed_bpf__attach(freed_) != 0) {
      const int err = errno;
      return make_error(fmt::format(
          "RCU ledger: attaching method 1 (tp_btf rcu_utilization, kmem_cache_free, kfree, "
          "mm_page_free{}) failed: {}\n{}",
          batch ? ", workqueue_execute_start/end" : "", why_bpf(err), log.tail()));
    }
    facts_.freed = true;
    freed_attached_ = true;
    facts_.batch_bracket = batch;
    if (!batch)
      facts_.notes.push_back(
          "no kfree_rcu_work in kallsyms: kfree_rcu() batches freed by the "
          "workqueue are not counted by freed()");
    facts_.notes.push_back(
        "freed(): callbacks invoked by rcuo kthreads (offloaded CPUs) run "
        "outside the rcu_core bracket and are not counted");
    return {};
  }

  Status open_pending(const stdfs::path& btf_file) {
    auto offsets = opt_.percpu_offsets ? Result<PercpuOffsets>(*opt_.percpu_offsets)
                                       : read_percpu_offsets(btf_file);
    if (!offsets) return make_error("RCU ledger: " + offsets.error().message);
    {
      LogCapture log;
      pending_ = rcu_pending_bpf__open();
      if (!pending_) return load_error("rcu_pending.bpf.o", errno, log);
      if (!facts_.sized) {
        // The walks call the kfunc, which libbpf leaves unresolved (weak): the verifier would
        // refuse them, and the counts do not need them.
        bpf_program__set_autoload(pending_->progs.walk_callbacks, false);
        bpf_program__set_autoload(pending_->progs.walk_krc, false);
      }
      if (rcu_pending_bpf__load(pending_) != 0) return load_error("rcu_pending.bpf.o", errno, log);
    }
    auto* bss = pending_->bss;
    if (Status s = discover_runqueues(); !s) return s;

    // Every online CPU's per-CPU base is its rq minus runqueues' offset.
    bss->nr_cpu_ids = static_cast<__u32>(cpus_.back() + 1);
    for (int cpu : cpus_) {
      const std::uint64_t base = bss->rq_addr[cpu] - offsets->runqueues;
      bss->rdp_addr[cpu] = base + offsets->rcu_data;
      bss->krc_addr[cpu] = offsets->krc ? base + *offsets->krc : 0;
    }
    if (Status s = test_run(pending_->progs.validate); !s) return s;
    if (Status s = check_addresses(*offsets); !s) return s;

    bss->text_lo = layout_.stext;
    bss->text_hi = layout_.etext;
    bss->mod_lo = layout_.module_lo;
    bss->mod_hi = layout_.module_hi;
    auto sheaf = layout_.wanted.find("rcu_free_sheaf");
    bss->sheaf_fn = sheaf != layout_.wanted.end() && bss->sheaf_present ? sheaf->second : 0;
    pending_->data->walk_cap = opt_.walk_cap_per_cpu;
    facts_.sheaves = bss->sheaf_fn != 0;
    facts_.lazy_len = bss->lazy_present != 0;
    facts_.nocb_bypass = bss->bypass_present != 0;
    facts_.pending = true;
    facts_.notes.push_back("pending: CPUs that come online after open are not read");
    if (facts_.nocb_bypass)
      facts_.notes.push_back(
          "pending_bytes(): an offloaded CPU's nocb_bypass list is counted "
          "(bypass_len) but not walked");
    return {};
  }

  // Attaches record_rq until every online CPU's runqueue has been seen, then detaches it.
  Status discover_runqueues() {
    auto* bss = pending_->bss;
    bpf_link* link = nullptr;
    {
      LogCapture log;
      link = bpf_program__attach(pending_->progs.record_rq);
      if (!link)
        return make_error(
            fmt::format("RCU ledger: attaching tp_btf/sched_update_nr_running_tp "
                        "failed: {}\n{}",
                        why_bpf(errno), log.tail()));
    }
    const auto deadline = std::chrono::steady_clock::now() + opt_.rq_discovery;
    std::vector<int> missing;
    while (true) {
      missing.clear();
      for (int cpu : cpus_)
        if (!bss->rq_addr[cpu]) missing.push_back(cpu);
      if (missing.empty() || std::chrono::steady_clock::now() >= deadline) break;
      nudge_cpus(missing);
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    bpf_link__destroy(link);
    if (!missing.empty())
      return make_error(fmt::format(
          "RCU ledger: no runqueue seen for CPU(s) {} within {} ms (sched_update_nr_running_tp "
          "never fired there)",
          fmt::join(missing, ","), opt_.rq_discovery.count()));
    return {};
  }

  // Every derived address is read back before it is trusted; one failed check and the ledger
  // refuses to open (numbers read from a wrong address would look plausible).
  Status check_addresses(const PercpuOffsets& offsets) {
    auto* bss = pending_->bss;
    std::vector<std::string> bad;
    const std::uint64_t root = bss->checks[cpus_.front()].root;
    for (int cpu : cpus_) {
      const cpu_check& c = bss->checks[cpu];
      if (c.rq_cpu != cpu)
        bad.push_back(
            fmt::format("CPU {}: rq at {:#x} says cpu {}", cpu, bss->rq_addr[cpu], c.rq_cpu));
      if (c.rdp_cpu != cpu)
        bad.push_back(fmt::format("CPU {}: rcu_data at {:#x} says cpu {}", cpu, bss->rdp_addr[cpu],
                                  c.rdp_cpu));
      else if (!c.mynode || c.grplo > cpu || c.grphi < cpu)
        bad.push_back(fmt::format("CPU {}: rcu_data's node {:#x} covers CPUs {}-{}", cpu, c.mynode,
                                  c.grplo, c.grphi));
      else if (!c.root || c.root != root)
        bad.push_back(fmt::format("CPU {}: root rcu_node {:#x}, CPU {}'s is {:#x}", cpu, c.root,
                                  cpus_.front(), root));
    }
    std::string flavour(bss->flavour, strnlen(bss->flavour, sizeof(bss->flavour)));
    if (bad.empty() && flavour.rfind("rcu_", 0) != 0)
      bad.push_back(
          fmt::format("rcu_state.name at the root rcu_node reads '{}', not an RCU "
                      "flavour (rcu_preempt, rcu_sched)",
                      flavour));
    if (!bad.empty())
      return make_error(
          fmt::format("RCU ledger: per-CPU addresses from the BTF .data..percpu "
                      "offsets failed their checks, refusing to read them: {}",
                      fmt::join(bad, "; ")));
    facts_.flavour = flavour;
    facts_.cpus = cpus_;

    // krc is optional: a failed check only turns the batches off.
    if (!offsets.krc || !bss->krc_present) {
      facts_.notes.push_back(
          "no kfree_rcu_cpu (krc) in this kernel: kfree_rcu() batches are "
          "not counted");
      for (int cpu : cpus_) bss->krc_addr[cpu] = 0;
      return {};
    }
    std::vector<std::string> krc_bad;
    for (int cpu : cpus_) {
      const cpu_check& c = bss->checks[cpu];
      if (c.krc_back[0] != bss->krc_addr[cpu] || c.krc_back[1] != bss->krc_addr[cpu])
        krc_bad.push_back(fmt::format("CPU {}: krc at {:#x}, its krw_arr[].krcp {:#x} {:#x}", cpu,
                                      bss->krc_addr[cpu], c.krc_back[0], c.krc_back[1]));
    }
    if (!krc_bad.empty()) {
      facts_.notes.push_back(fmt::format("krc addresses failed their checks, batches not read: {}",
                                         fmt::join(krc_bad, "; ")));
      for (int cpu : cpus_) bss->krc_addr[cpu] = 0;
      return {};
    }
    facts_.krc = true;
    return {};
  }

  LedgerOptions opt_;
  LedgerFacts facts_;
  TextLayout layout_;
  int possible_ = 0;
  std::vector<int> cpus_;
  rcu_freed_bpf* freed_ = nullptr;
  bool freed_attached_ = false;
  rcu_pending_bpf* pending_ = nullptr;
  std::map<std::uint64_t, std::pair<std::string, std::uint32_t>> names_;  // cache → name, size
  std::vector<freed_cpu> state_buf_;
  std::vector<walk_slot> table_copy_ = std::vector<walk_slot>(
      LEDGER_WALK_SLOTS);  // one per possible CPU, ~12 KiB each: kept between reads
};

}  // namespace

Result<std::unique_ptr<LedgerSource>> open_bpf_ledger_source(const LedgerOptions& options) {
  auto source = std::make_unique<BpfLedgerSource>(options);
  if (Status s = source->open(); !s) return s.error();
  return std::unique_ptr<LedgerSource>(std::move(source));
}

}  // namespace mt::rcu
