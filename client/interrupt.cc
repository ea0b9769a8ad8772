#include "client/interrupt.h"

#include <grpcpp/client_context.h>
#include <pthread.h>

#include <ctime>

namespace mt::client {

void Interrupt::on_first(std::function<void()> action) {
  std::unique_lock action_lock(action_mu_);
  action_ = std::move(action);
  bool run_now = false;
  {
    std::lock_guard lock(mu_);
    if (action_ && first_pending_ && !cancelled_) {
      first_pending_ = false;
      run_now = true;
    }
  }
  if (run_now) action_();
}

void Interrupt::signal() {
  signalled_ = true;
  bool cancel = false;
  {
    std::lock_guard lock(mu_);
    cancel = ++signals_ >= signals_to_cancel_;
  }
  if (cancel) return cancel_all();
  std::unique_lock action_lock(action_mu_);
  if (action_) {
    action_();
  } else {
    std::lock_guard lock(mu_);
    first_pending_ = true;
  }
}

void Interrupt::cancel_all() {
  std::lock_guard lock(mu_);
  cancelled_ = true;
  for (auto* ctx : live_) ctx->TryCancel();
}

Interrupt::Tracked::Tracked(Interrupt& in, grpc::ClientContext* ctx) : in_(in), ctx_(ctx) {
  std::lock_guard lock(in_.mu_);
  in_.live_.insert(ctx_);
  if (in_.cancelled_) ctx_->TryCancel();
}

Interrupt::Tracked::~Tracked() {
  std::lock_guard lock(in_.mu_);
  in_.live_.erase(ctx_);
}

SignalThread::SignalThread(Interrupt& interrupt) {
  sigemptyset(&sigs_);
  sigaddset(&sigs_, SIGINT);
  sigaddset(&sigs_, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &sigs_, nullptr);
  thread_ = std::thread([this, &interrupt] {
    constexpr timespec kTick{0, 200 * 1000 * 1000};  // how soon the destructor is noticed
    while (!done_) {
      if (sigtimedwait(&sigs_, nullptr, &kTick) >= 0) interrupt.signal();
    }
  });
}

SignalThread::~SignalThread() {
  done_ = true;
  thread_.join();
}

}  // namespace mt::client
