#include "common/scheduler.h"

namespace mt {

AsioScheduler::~AsioScheduler() {
  *alive_ = false;
  for (auto& [id, timer] : timers_) timer->cancel();
}

Scheduler::Id AsioScheduler::at(Clock::time_point when, Task task) {
  const Id id = next_++;
  auto timer = std::make_shared<boost::asio::steady_timer>(io_);
  const auto delay = when - clock_.now();
  timer->expires_after(delay > Clock::time_point::duration::zero() ? delay
                                                                  : Clock::time_point::duration::zero());
  timers_[id] = timer;
  timer->async_wait(
      [this, id, task = std::move(task), alive = alive_](const boost::system::error_code& ec) {
        if (!*alive || ec) return;
        timers_.erase(id);
        task();
      });
  return id;
}

void AsioScheduler::cancel(Id id) {
  auto it = timers_.find(id);
  if (it == timers_.end()) return;
  it->second->cancel();
  timers_.erase(it);
}

Scheduler::Id ManualScheduler::at(Clock::time_point when, Task task) {
  const Id id = next_++;
  // A time already past runs at the clock's now, like a timer that expired.
  if (when < clock_.now()) when = clock_.now();
  queue_.emplace(std::pair{when, id}, std::move(task));
  when_of_[id] = when;
  return id;
}

void ManualScheduler::cancel(Id id) {
  auto it = when_of_.find(id);
  if (it == when_of_.end()) return;
  queue_.erase({it->second, id});
  when_of_.erase(it);
}

void ManualScheduler::run_next() {
  auto node = queue_.extract(queue_.begin());
  when_of_.erase(node.key().second);
  if (node.key().first > clock_.now()) clock_.advance(node.key().first - clock_.now());
  node.mapped()();
}

void ManualScheduler::run_until(Clock::time_point t) {
  while (!queue_.empty() && queue_.begin()->first.first <= t) run_next();
  if (t > clock_.now()) clock_.advance(t - clock_.now());
}

std::size_t ManualScheduler::run_all(std::size_t limit) {
  std::size_t ran = 0;
  for (; !queue_.empty() && ran < limit; ++ran) run_next();
  return ran;
}

}  // namespace mt
