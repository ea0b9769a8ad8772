// Ctrl-C and SIGTERM for commands that follow a campaign. A first signal asks the daemon to
// stop the campaign (`run`); the next one (or the first, where nothing is to be stopped:
// `watch`) cancels every call in flight, so the command returns at once.
#pragma once

#include <signal.h>

#include <atomic>
#include <functional>
#include <mutex>
#include <set>
#include <thread>

namespace grpc {
class ClientContext;
}

namespace mt::client {

class Interrupt {
 public:
  // Signals before the calls are cancelled: 2 for `run` (the first stops the campaign), 1 for
  // `watch`.
  explicit Interrupt(int signals_to_cancel) : signals_to_cancel_(signals_to_cancel) {}

  // What the first signal does when it is not already the cancelling one. Runs at once (on the
  // caller's thread) if that signal came before it was set. Must not block: it starts calls,
  // it does not wait for them. on_first({}) removes it and waits while it runs.
  void on_first(std::function<void()> action);

  // One SIGINT/SIGTERM (from the signal thread, or a test).
  void signal();
  bool cancelled() const { return cancelled_; }
  // A signal came (the first may only have stopped a campaign): start nothing new.
  bool signalled() const { return signalled_; }

  // While a Tracked lives, its context is cancelled by cancel-time signals; one tracked after
  // that is cancelled at once (grpc cancels a call whose context was cancelled before it began).
  class Tracked {
   public:
    Tracked(Interrupt& in, grpc::ClientContext* ctx);
    ~Tracked();
    Tracked(const Tracked&) = delete;
    Tracked& operator=(const Tracked&) = delete;

   private:
    Interrupt& in_;
    grpc::ClientContext* ctx_;
  };

 private:
  void cancel_all();
  const int signals_to_cancel_;
  std::atomic<bool> cancelled_{false};
  std::atomic<bool> signalled_{false};
  std::mutex mu_;  // signals_, first_pending_, live_
  int signals_ = 0;
  bool first_pending_ = false;  // the first signal came before on_first
  std::set<grpc::ClientContext*> live_;
  std::mutex action_mu_;  // held while the action runs or changes
  std::function<void()> action_;
};

// Blocks SIGINT and SIGTERM in the calling thread, and so in every thread it starts later:
// construct it before the first gRPC channel (gRPC's threads must not take these signals).
// A thread picks them up with sigtimedwait and passes each to the Interrupt. Blocked signals
// are also never discarded, even where the shell set them to SIG_IGN.
class SignalThread {
 public:
  explicit SignalThread(Interrupt& interrupt);
  ~SignalThread();  // stops and joins the thread; the signals stay blocked
  SignalThread(const SignalThread&) = delete;
  SignalThread& operator=(const SignalThread&) = delete;

 private:
  sigset_t sigs_{};
  std::atomic<bool> done_{false};
  std::thread thread_;
};

}  // namespace mt::client
