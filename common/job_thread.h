// A thread of its own for calls that block (an rcu_barrier(), a BPF walk of every CPU's callback
// list, opening a BPF program): jobs run there one at a time, in the order posted. A job hands
// its result back to whoever owns the state (e.g. boost::asio::post to the io_context).
// The destructor lets the running job finish, drops the jobs not started, and joins.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace mt {

class JobThread {
 public:
  using Job = std::function<void()>;
  JobThread() : thread_([this] { loop(); }) {}
  ~JobThread() {
    {
      std::lock_guard lock(mu_);
      quit_ = true;
      jobs_.clear();
    }
    cv_.notify_one();
    thread_.join();
  }
  JobThread(const JobThread&) = delete;
  JobThread& operator=(const JobThread&) = delete;

  void post(Job job) {
    {
      std::lock_guard lock(mu_);
      jobs_.push_back(std::move(job));
    }
    cv_.notify_one();
  }

 private:
  void loop() {
    std::unique_lock lock(mu_);
    for (;;) {
      cv_.wait(lock, [this] { return quit_ || !jobs_.empty(); });
      if (quit_) return;
      Job job = std::move(jobs_.front());
      jobs_.pop_front();
      lock.unlock();
      job();
      lock.lock();
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> jobs_;
  bool quit_ = false;
  std::thread thread_;
};

}  // namespace mt
