#include "workloads/flood.h"

#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>
#include <utility>

#include "common/fs.h"
#include "workloads/pacer.h"

namespace mt::workloads {

FloodWorkload::FloodWorkload(FloodOptions options, const Clock& clock)
    : options_(std::move(options)),
      clock_(clock),
      counters_(std::make_unique<ThreadCounters[]>(static_cast<std::size_t>(options_.threads))),
      rate_(options_.rate) {}

FloodWorkload::~FloodWorkload() = default;

std::string FloodWorkload::name() const {
  return fmt::format("flood/{}", options_.kind->name);  // no space: the hello line is key=value
}

std::filesystem::path FloodWorkload::thread_dir(int index) const {
  return options_.dir / fmt::format("flood-{}-t{}", ::getpid(), index);
}

Status FloodWorkload::prepare() {
  const FloodKind& kind = *options_.kind;
  if (kind.needs_dir && options_.dir.empty())
    return make_error(fmt::format("the {} flood needs a directory (--dir)", kind.name));
  for (int i = 0; i < options_.threads; ++i) {
    FloodOpContext context{.thread = i, .dir = {}};
    if (kind.needs_dir) {
      context.dir = thread_dir(i);
      if (::mkdir(context.dir.c_str(), 0700) != 0) {
        return make_error(fmt::format("cannot create directory {}: {}", context.dir.string(),
                                      fs::errno_text(errno)));
      }
      made_.push_back(context.dir);
    }
    auto op = kind.make_op(context);
    if (!op) return op.error();
    ops_.push_back(std::move(*op));
  }
  return {};
}

Status FloodWorkload::set_paused(bool paused) {
  paused_.store(paused, std::memory_order_relaxed);
  return {};
}

Status FloodWorkload::set_rate(double ops_per_s_per_thread) {
  rate_.store(ops_per_s_per_thread, std::memory_order_relaxed);
  rate_changes_.fetch_add(1, std::memory_order_release);
  return {};
}

void FloodWorkload::loop(FloodOp& op, ThreadCounters& counters, StopFlag& stop) {
  std::uint64_t seen_changes = rate_changes_.load(std::memory_order_acquire);
  std::optional<Pacer> pacer;
  pacer.emplace(rate_.load(std::memory_order_relaxed), clock_);
  while (!stop.stop_requested()) {
    if (paused_.load(std::memory_order_relaxed)) {
      if (stop.sleep_for(kPausePoll)) break;
      // After a pause the schedule starts afresh: no burst to catch up on.
      pacer.emplace(rate_.load(std::memory_order_relaxed), clock_);
      continue;
    }
    if (const auto changes = rate_changes_.load(std::memory_order_acquire);
        changes != seen_changes) {
      seen_changes = changes;
      pacer.emplace(rate_.load(std::memory_order_relaxed), clock_);
    }
    auto wait = pacer->reserve();
    if (wait > std::chrono::nanoseconds::zero() && stop.sleep_for(wait)) break;
    int err = op();
    if (err == 0) {
      counters.add_op();
    } else {
      counters.add_error(err);
      if (stop.sleep_for(kErrorBackoff)) break;
    }
  }
}

Status FloodWorkload::run(int index, StopFlag& stop) {
  const auto i = static_cast<std::size_t>(index);
  if (i >= ops_.size())
    return make_error(fmt::format("{} thread {} has no operation", name(), index));
  loop(*ops_[i], counters_[i], stop);
  return {};
}

Counters FloodWorkload::counters() const {
  Counters total;
  for (int i = 0; i < options_.threads; ++i) {
    const ThreadCounters& c = counters_[static_cast<std::size_t>(i)];
    total.ops += c.ops.load(std::memory_order_relaxed);
    total.errors += c.errors.load(std::memory_order_relaxed);
  }
  total.paused = paused_.load(std::memory_order_relaxed);
  total.rate = rate_.load(std::memory_order_relaxed);
  return total;
}

int FloodWorkload::last_errno() const {
  for (int i = 0; i < options_.threads; ++i) {
    int err = counters_[static_cast<std::size_t>(i)].last_errno.load(std::memory_order_relaxed);
    if (err != 0) return err;
  }
  return 0;
}

Status FloodWorkload::cleanup() {
  ops_.clear();  // closes what they hold open (directory descriptors)
  std::string failures;
  for (const auto& dir : made_) {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    if (ec) {
      if (!failures.empty()) failures += "; ";
      failures += fmt::format("cannot remove {}: {}", dir.string(), ec.message());
    }
  }
  made_.clear();
  if (!failures.empty()) return make_error(failures);
  return {};
}

}  // namespace mt::workloads
