#include "daemon/parts/reactions_part.h"

#include <fmt/format.h>

#include <boost/asio/post.hpp>

#include "common/fs.h"
#include "common/units.h"

namespace mt::daemon {
namespace {

using Kind = campaign::ReactionAction::Kind;

constexpr double kEffectOffsetS = 1.0;  // effects one second before detection and after the end
constexpr double kHistoryS = 3.0;

// The figures an effect records, where the sample has them.
constexpr const char* kEffectFigures[] = {
    "headroom_bytes",  "headroom_fraction",     "usage_bytes",       "psi.some_avg10",
    "psi.full_avg10",  "rcu.freed_bytes_per_s", "rcu.pending_bytes", "rcu.pending_callbacks"};

double us(double s) { return s * 1e6; }

std::string duration_text(double s) {
  return s < 1e-3 ? fmt::format("{:.0f} us", s * 1e6) : fmt::format("{:.1f} ms", s * 1e3);
}

std::string waiting_text(const std::optional<LedgerPart::Waiting>& w) {
  return w ? human_bytes(static_cast<double>(w->bytes)) : std::string("?");
}

nlohmann::ordered_json waiting_json(const std::optional<LedgerPart::Waiting>& w) {
  if (!w) return nullptr;
  return {{"bytes", w->bytes}, {"callbacks", w->callbacks}};
}

nlohmann::ordered_json effect_json(const std::optional<ReactionsPart::Effect>& e) {
  if (!e) return nullptr;
  nlohmann::ordered_json j = {{"t_s", e->t_s}};
  for (const auto& [name, v] : e->figures) j[name] = v;
  return j;
}

}  // namespace

ReactionsPart::ReactionsPart(ReactionsPartOptions options) : opt_(std::move(options)) {
  for (const auto& spec : opt_.reactions) {
    Reaction r;
    r.spec = spec;
    r.tracker = std::make_unique<ReactionTracker>(
        spec, std::chrono::duration<double>(opt_.sample_interval).count() / 2);
    reactions_.push_back(std::move(r));
  }
}

ReactionsPart::~ReactionsPart() {
  *alive_ = false;
  thread_.reset();
}

std::vector<MetricDef> ReactionsPart::declared() {
  return {{"reactions.firings", "", "reactions fired so far in the campaign", "reactions"},
          {"reactions.active", "", "reactions fired and not yet cleared", ""}};
}

template <class F>
void ReactionsPart::back_to_io(PartContext& cx, F on_io) {
  boost::asio::post(cx.io, [alive = alive_, on_io = std::move(on_io)]() mutable {
    if (*alive) on_io();
  });
}

Status ReactionsPart::setup(PartContext& cx) {
  if (reactions_.empty()) return {};
  thread_ = std::make_unique<JobThread>();
  return {};
}

Status ReactionsPart::measure(Sample& s, PartContext&) {
  if (reactions_.empty()) return {};
  double active = 0;
  for (const auto& r : reactions_) active += r.tracker->active() ? 1 : 0;
  s.metrics["reactions.firings"] = static_cast<double>(firings_.size());
  s.metrics["reactions.active"] = active;
  return {};
}

void ReactionsPart::on_sample(const Sample& s, PartContext& cx) {
  if (reactions_.empty()) return;
  board_.update(s);
  history_.emplace_back(s.t_s, board_);
  while (history_.size() > 2 && history_[1].first < s.t_s - kHistoryS) history_.pop_front();
  for (auto& f : firings_)
    if (f.done_s && !f.after && s.t_s >= *f.done_s + kEffectOffsetS) f.after = effect_at(s.t_s);
  look(cx, s.t_s, false);
}

void ReactionsPart::on_event(const Event& e, PartContext& cx) {
  if (reactions_.empty() || !std::holds_alternative<PsiTriggerEvent>(e.body)) return;
  look(cx, e.t_s, true);
}

void ReactionsPart::look(PartContext& cx, double t_s, bool psi_fired) {
  for (auto& r : reactions_) {
    const auto d = r.tracker->observe(t_s, board_, psi_fired);
    if (d.step == ReactionTracker::Step::fire) fire(r, d.since_s, psi_fired, cx);
    if (d.step == ReactionTracker::Step::clear) clear(r, d.since_s, cx);
  }
}

ReactionsPart::Effect ReactionsPart::effect_at(double t_s) const {
  Effect e;
  if (history_.empty()) return e;
  auto it = history_.begin();
  for (auto next = it; next != history_.end() && next->first <= t_s + 1e-9; ++next) it = next;
  e.t_s = it->first;
  for (const char* name : kEffectFigures)
    if (auto v = it->second.get(name)) e.figures[name] = *v;
  return e;
}

void ReactionsPart::fire(Reaction& r, double true_since_s, bool by_psi, PartContext& cx) {
  Firing f;
  f.reaction = r.spec.name;
  f.n = r.tracker->firings();
  f.true_since_s = true_since_s;
  f.detected_s = cx.now_s();
  f.by_psi_event = by_psi;
  f.before = effect_at(f.detected_s - kEffectOffsetS);
  for (const auto& a : r.spec.actions) f.actions.push_back({.kind = a.kind});
  firings_.push_back(std::move(f));
  r.open_firing = firings_.size() - 1;
  start_actions(firings_.size() - 1, cx);
}

void ReactionsPart::start_actions(std::size_t f, PartContext& cx) {
  if (opt_.ledger != nullptr && opt_.ledger->running()) {
    opt_.ledger->read_waiting(cx, [this, f, &cx](std::optional<LedgerPart::Waiting> w) {
      firings_[f].actions[0].waiting_before = w;
      start_action(f, 0, cx);
    });
    return;
  }
  start_action(f, 0, cx);
}

void ReactionsPart::start_action(std::size_t f, std::size_t i, PartContext& cx) {
  if (i == firings_[f].actions.size()) return firing_done(f, cx);
  Reaction* r = nullptr;
  for (auto& x : reactions_)
    if (x.spec.name == firings_[f].reaction) r = &x;
  const campaign::ReactionAction& a = r->spec.actions[i];
  firings_[f].actions[i].started_s = cx.now_s();
  auto done = [this, f, i, &cx](bool ok, std::string detail) {
    action_done(f, i, ok, std::move(detail), cx);
  };
  switch (a.kind) {
    case Kind::log:
      cx.emit(LogLine{fmt::format("reaction {}: {}", r->spec.name,
                                  a.message.empty() ? describe(r->spec.when) : a.message)});
      return done(true, a.message);
    case Kind::expedite: {
      auto changed = expedite(true);
      if (!changed) return done(false, changed.error().message);
      if (a.hold.count() == 0) {
        r->expediting = true;
        return done(true, *changed + ", until clear");
      }
      timers_.push_back(cx.timers.after(a.hold, [this] {
        if (auto st = expedite(false); !st) error_ = st.error().message;
      }));
      return done(true, fmt::format("{}, for {}", *changed, duration_to_string(a.hold)));
    }
    case Kind::gp_kick:
      return timed_off_io(opt_.gp_kick, "grace period", std::move(done), cx);
    case Kind::barrier:
      if (opt_.ledger != nullptr && opt_.ledger->running()) {
        opt_.ledger->barrier(cx, [done](Result<rcu::BarrierBacklog> b) {
          if (!b) return done(false, b.error().message);
          done(true, fmt::format("barrier {} in {}, freed {} ({} objects)",
                                 rcu::to_string(b->outcome),
                                 duration_text(std::chrono::duration<double>(b->duration).count()),
                                 human_bytes(static_cast<double>(b->bytes)), b->objects));
        });
        return;
      }
      return timed_off_io(opt_.barrier, "barrier in", std::move(done), cx);
    case Kind::throttle: {
      if (!cx.control) return done(false, "no workers to throttle");
      struct Tally {
        std::size_t left = 0;
        std::vector<std::string> applied, refused;
      };
      auto tally = std::make_shared<Tally>();
      tally->left = a.workloads.size();
      const workloads::Control command =
          a.rate ? workloads::Control{workloads::Control::Kind::rate, static_cast<double>(*a.rate)}
                 : workloads::Control{workloads::Control::Kind::pause, 0};
      const std::string what = a.rate ? fmt::format("rate {}/s", *a.rate) : "paused";
      for (const std::string& name : a.workloads) {
        cx.control(name, command, [this, r, name, tally, done, what](bool ok, std::string why) {
          if (ok) {
            tally->applied.push_back(name);
            r->throttled.push_back(name);
          } else {
            tally->refused.push_back(fmt::format("{} ({})", name, why));
          }
          if (--tally->left > 0) return;
          std::string detail = tally->applied.empty()
                                   ? std::string()
                                   : fmt::format("{}: {}", fmt::join(tally->applied, ", "), what);
          if (!tally->refused.empty())
            detail += fmt::format("{}not throttled: {}", detail.empty() ? "" : "; ",
                                  fmt::join(tally->refused, ", "));
          done(tally->refused.empty(), detail);
        });
      }
      return;
    }
    case Kind::reclaim: {
      if (cx.cgroup == nullptr) return done(false, "no cgroup");
      const auto dir = cx.cgroup->memory_path();
      const std::uint64_t amount = a.amount;
      thread_->post([this, &cx, done, dir, amount] {
        const auto t0 = std::chrono::steady_clock::now();
        auto st = opt_.reclaim(dir, amount);
        const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        back_to_io(cx, [st, done, amount, took] {
          if (!st) return done(false, st.error().message);
          done(true, fmt::format("reclaimed {} in {}", size_to_string(amount), duration_text(took)));
        });
      });
      return;
    }
  }
}

void ReactionsPart::timed_off_io(std::function<Result<std::chrono::nanoseconds>()> call,
                                 std::string what, PartContext::ControlDone done,
                                 PartContext& cx) {
  thread_->post([this, &cx, call = std::move(call), what = std::move(what), done]() mutable {
    auto took = call();
    back_to_io(cx, [took, what = std::move(what), done] {
      if (!took) return done(false, took.error().message);
      done(true,
           fmt::format("{} {}", what, duration_text(std::chrono::duration<double>(*took).count())));
    });
  });
}

void ReactionsPart::action_done(std::size_t f, std::size_t i, bool ok, std::string detail,
                                PartContext& cx) {
  ActionRecord& rec = firings_[f].actions[i];
  rec.done_s = cx.now_s();
  rec.ok = ok;
  rec.detail = std::move(detail);
  if (opt_.ledger != nullptr && opt_.ledger->running()) {
    opt_.ledger->read_waiting(cx, [this, f, i, &cx](std::optional<LedgerPart::Waiting> w) {
      firings_[f].actions[i].waiting_after = w;
      if (i + 1 < firings_[f].actions.size()) firings_[f].actions[i + 1].waiting_before = w;
      start_action(f, i + 1, cx);
    });
    return;
  }
  start_action(f, i + 1, cx);
}

void ReactionsPart::firing_done(std::size_t f, PartContext& cx) {
  Firing& firing = firings_[f];
  firing.done_s = cx.now_s();
  std::vector<std::string> parts;
  for (const auto& a : firing.actions)
    parts.push_back(fmt::format("{} {}{}{}", campaign::to_string(a.kind),
                                duration_text(a.done_s - a.started_s), a.ok ? "" : " FAILED",
                                a.detail.empty() ? "" : " (" + a.detail + ")"));
  std::string waiting;
  if (!firing.actions.empty() && firing.actions.front().waiting_before)
    waiting = fmt::format("; rcu waiting {} -> {}",
                          waiting_text(firing.actions.front().waiting_before),
                          waiting_text(firing.actions.back().waiting_after));
  cx.emit(LogLine{fmt::format(
      "reaction {} fired (#{}{}): held since {:.2f} s, detected {:.2f} s, done in {}: {}{}",
      firing.reaction, firing.n, firing.by_psi_event ? ", PSI trigger" : "", firing.true_since_s,
      firing.detected_s, duration_text(*firing.done_s - firing.detected_s),
      fmt::join(parts, ", "), waiting)});
  for (auto& r : reactions_)
    if (r.spec.name == firing.reaction && firing.cleared_s && !r.tracker->active()) {
      // It cleared while its actions ran: let go now.
      if (r.expediting) {
        r.expediting = false;
        if (auto st = expedite(false); !st) error_ = st.error().message;
      }
      unthrottle(r, cx);
    }
}

void ReactionsPart::clear(Reaction& r, double since_s, PartContext& cx) {
  if (!r.open_firing) return;
  Firing& firing = firings_[*std::exchange(r.open_firing, std::nullopt)];
  firing.cleared_s = cx.now_s();
  std::string undone;
  if (firing.done_s) {
    if (r.expediting) {
      r.expediting = false;
      auto st = expedite(false);
      undone += st ? " " + *st : " " + st.error().message;
    }
    if (!r.throttled.empty()) undone += fmt::format(" floods {} back", fmt::join(r.throttled, ", "));
    unthrottle(r, cx);
  }
  cx.emit(LogLine{fmt::format("reaction {} cleared (#{}): clear held since {:.2f} s{}",
                              r.spec.name, firing.n, since_s,
                              undone.empty() ? "" : ";" + undone)});
}

void ReactionsPart::unthrottle(Reaction& r, PartContext& cx) {
  if (!cx.control) return;
  for (const std::string& name : std::exchange(r.throttled, {})) {
    const auto it = opt_.flood_rates.find(name);
    const double rate = it == opt_.flood_rates.end() ? 0 : it->second;
    // A resume for a paused flood, and its own rate back for both.
    cx.control(name, {workloads::Control::Kind::resume, 0}, [](bool, std::string) {});
    cx.control(name, {workloads::Control::Kind::rate, rate}, [](bool, std::string) {});
  }
}

Result<std::string> ReactionsPart::expedite(bool hold) {
  if (opt_.knobs == nullptr) return make_error("no RCU knob layer");
  if (hold) {
    if (expedite_holders_++ > 0) return std::string("rcu_expedited already 1");
    auto before = opt_.knobs->current("rcu_expedited");
    if (!before) {
      --expedite_holders_;
      return before.error();
    }
    expedite_before_ = *before;
    auto now = opt_.knobs->set("rcu_expedited", 1);
    if (!now) {
      --expedite_holders_;
      return now.error();
    }
    return fmt::format("rcu_expedited {} -> {}", expedite_before_, *now);
  }
  if (expedite_holders_ == 0 || --expedite_holders_ > 0) return std::string("still held");
  auto back = opt_.knobs->set("rcu_expedited", std::stoll(expedite_before_));
  if (!back) return back.error();
  return fmt::format("rcu_expedited back to {}", *back);
}

Status ReactionsPart::teardown(PartContext& cx) {
  for (auto id : std::exchange(timers_, {})) cx.timers.cancel(id);
  thread_.reset();  // lets a running action finish; its result is dropped
  *alive_ = false;
  if (expedite_holders_ > 0) {
    expedite_holders_ = 1;
    if (auto st = expedite(false); !st) error_ = st.error().message;
  }
  for (auto& f : firings_)
    if (f.done_s && !f.after && !history_.empty()) f.after = effect_at(history_.back().first);
  if (!error_.empty()) return make_error(error_);
  return {};
}

void ReactionsPart::contribute(ReportData& report) const {
  if (reactions_.empty()) return;
  auto reactions = nlohmann::ordered_json::array();
  for (const auto& r : reactions_) {
    nlohmann::ordered_json j = {{"name", r.spec.name},
                                {"when", describe(r.spec.when)},
                                {"clear", r.spec.clear ? describe(*r.spec.clear)
                                                       : "when no longer holds"},
                                {"fired", r.tracker->firings()},
                                {"held_in_cooldown", r.tracker->held_in_cooldown()},
                                {"held_past_cap", r.tracker->held_past_cap()}};
    reactions.push_back(std::move(j));
  }
  auto firings = nlohmann::ordered_json::array();
  for (const auto& f : firings_) {
    auto actions = nlohmann::ordered_json::array();
    for (const auto& a : f.actions)
      actions.push_back({{"action", campaign::to_string(a.kind)},
                         {"started_us", us(a.started_s)},
                         {"done_us", us(a.done_s)},
                         {"took_us", us(a.done_s - a.started_s)},
                         {"ok", a.ok},
                         {"detail", a.detail},
                         {"rcu_waiting_before", waiting_json(a.waiting_before)},
                         {"rcu_waiting_after", waiting_json(a.waiting_after)}});
    firings.push_back(
        {{"reaction", f.reaction},
         {"n", f.n},
         {"true_since_us", us(f.true_since_s)},
         {"detected_us", us(f.detected_s)},
         {"by_psi_event", f.by_psi_event},
         {"done_us", f.done_s ? nlohmann::ordered_json(us(*f.done_s)) : nullptr},
         {"detection_to_done_us",
          f.done_s ? nlohmann::ordered_json(us(*f.done_s - f.detected_s)) : nullptr},
         {"cleared_us", f.cleared_s ? nlohmann::ordered_json(us(*f.cleared_s)) : nullptr},
         {"actions", actions},
         {"before", effect_json(f.before)},
         {"after", effect_json(f.after)}});
  }
  report.parts["reactions"] = {
      {"reactions", reactions}, {"firings", firings}, {"error", error_}};
}

}  // namespace mt::daemon
