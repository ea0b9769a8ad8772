#include "rcu/ledger.h"

#include <fmt/format.h>

#include <cerrno>

#include "rcu/bpf_ledger_source.h"
#include "rcu/kernel_symbols.h"

namespace mt::rcu {

Result<std::unique_ptr<Ledger>> Ledger::open(const LedgerOptions& options) {
  if (!options.freed && !options.pending)
    return make_error("RCU ledger: nothing to open (neither freed nor pending)");
  auto source = open_bpf_ledger_source(options);
  if (!source) return source.error();
  const std::filesystem::path kallsyms = options.proc / "kallsyms";
  return std::make_unique<Ledger>(
      std::move(*source),
      [kallsyms](const std::vector<std::uint64_t>& a) { return resolve_symbols_in(kallsyms, a); });
}

Ledger::Ledger(std::unique_ptr<LedgerSource> source, SymbolResolver resolve)
    : source_(std::move(source)), resolve_(std::move(resolve)) {}

Ledger::~Ledger() = default;

const LedgerFacts& Ledger::facts() const {
  return source_->facts();
}

Result<FreedTotals> Ledger::freed() {
  std::lock_guard lock(mu_);
  auto raw = source_->read_freed();
  if (!raw) return raw.error();
  return merge_freed(*raw);
}

Status Ledger::set_freed_attached(bool attached) {
  std::lock_guard lock(mu_);
  return source_->set_freed_attached(attached);
}

Result<PendingCounts> Ledger::pending_counts() {
  std::lock_guard lock(mu_);
  std::uint64_t seq = 0;
  const auto at = source_->now();
  auto cpus = source_->read_counts(seq);
  if (!cpus) return cpus.error();
  return sum_counts(std::move(*cpus), seq, at);
}

Result<PendingBytes> Ledger::pending_bytes() {
  std::lock_guard lock(mu_);
  return pending_bytes_locked();
}

Result<PendingBytes> Ledger::pending_bytes_locked() {
  auto raw = source_->walk();
  if (!raw) return raw.error();
  std::vector<std::uint64_t> unknown;
  for (const RawWalkSlot& s : raw->slots)
    if (s.func && !names_.count(s.func)) unknown.push_back(s.func);
  if (!unknown.empty()) {
    std::map<std::uint64_t, std::string> found;
    if (resolve_) found = resolve_(unknown);
    for (std::uint64_t a : unknown) {
      auto it = found.find(a);
      names_[a] = it != found.end() ? it->second : fmt::format("{:#x}", a);
    }
  }
  return group_walk(*raw, [this](std::uint64_t a) {
    auto it = names_.find(a);
    return it != names_.end() ? it->second : std::string();
  });
}

Result<BarrierBacklog> Ledger::barrier_backlog(const BarrierOptions& options) {
  std::lock_guard lock(mu_);
  const LedgerFacts& f = source_->facts();
  if (!f.freed || !f.pending)
    return make_error("RCU ledger: barrier_backlog() needs both methods (freed and pending)");
  std::uint64_t seq_before = 0, seq_after = 0;
  auto read_freed = [&]() -> Result<FreedTotals> {
    auto raw = source_->read_freed();
    if (!raw) return raw.error();
    return merge_freed(*raw);
  };
  const auto t_before = source_->now();
  auto counts_before = source_->read_counts(seq_before);
  if (!counts_before) return counts_before.error();
  auto freed_before = read_freed();
  if (!freed_before) return freed_before.error();
  std::optional<PendingBytes> pending;
  if (options.walk_first) {
    auto b = pending_bytes_locked();
    if (!b) return b.error();
    pending = std::move(*b);
  }
  auto write = source_->barrier();
  if (!write) return write.error();
  auto freed_after = read_freed();
  if (!freed_after) return freed_after.error();
  const auto t_after = source_->now();
  auto counts_after = source_->read_counts(seq_after);
  if (!counts_after) return counts_after.error();
  BarrierBacklog b = barrier_verdict(sum_counts(std::move(*counts_before), seq_before, t_before),
                                     sum_counts(std::move(*counts_after), seq_after, t_after),
                                     *freed_before, *freed_after, write->took, write->error);
  b.pending = std::move(pending);
  return b;
}

}  // namespace mt::rcu
