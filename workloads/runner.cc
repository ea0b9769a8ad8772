#include "workloads/runner.h"

#include <fmt/format.h>
#include <pthread.h>
#include <signal.h>

#include <cerrno>
#include <cstring>
#include <exception>
#include <iostream>
#include <mutex>
#include <optional>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "common/fs.h"
#include "common/units.h"
#include "workloads/control.h"
#include "workloads/report.h"
#include "workloads/stop.h"

namespace mt::workloads {
namespace {

using std::chrono::milliseconds;
using std::chrono::nanoseconds;

// Blocks SIGTERM and SIGINT in the calling thread (threads started later inherit the mask) and
// ignores SIGPIPE; puts both back on destruction.
class SignalScope {
 public:
  SignalScope() {
    sigemptyset(&stop_signals_);
    sigaddset(&stop_signals_, SIGTERM);
    sigaddset(&stop_signals_, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop_signals_, &old_mask_);
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    sigemptyset(&ignore.sa_mask);
    sigaction(SIGPIPE, &ignore, &old_sigpipe_);
  }
  ~SignalScope() {
    sigaction(SIGPIPE, &old_sigpipe_, nullptr);
    pthread_sigmask(SIG_SETMASK, &old_mask_, nullptr);
  }
  SignalScope(const SignalScope&) = delete;
  SignalScope& operator=(const SignalScope&) = delete;

  // Waits up to `timeout` for SIGTERM or SIGINT; returns the signal, or 0 if none came.
  int wait(nanoseconds timeout) const {
    if (timeout < nanoseconds::zero()) timeout = nanoseconds::zero();
    auto secs = std::chrono::duration_cast<std::chrono::seconds>(timeout);
    timespec ts{.tv_sec = static_cast<time_t>(secs.count()),
                .tv_nsec = static_cast<long>((timeout - secs).count())};
    for (;;) {
      int sig = sigtimedwait(&stop_signals_, nullptr, &ts);
      if (sig > 0) return sig;
      if (errno != EINTR) return 0;  // EAGAIN: timed out
    }
  }

 private:
  sigset_t stop_signals_;
  sigset_t old_mask_;
  struct sigaction old_sigpipe_ {};
};

// The first fatal error raised by a workload thread.
class FatalSlot {
 public:
  void set(std::string message) {
    std::lock_guard lock(mutex_);
    if (!message_) message_ = std::move(message);
  }
  std::optional<std::string> get() const {
    std::lock_guard lock(mutex_);
    return message_;
  }

 private:
  mutable std::mutex mutex_;
  std::optional<std::string> message_;
};

std::string signal_name(int sig) {
  const char* abbrev = sigabbrev_np(sig);
  return abbrev ? fmt::format("SIG{}", abbrev) : fmt::format("signal {}", sig);
}

}  // namespace

std::string_view to_string(StopReason reason) {
  switch (reason) {
    case StopReason::signal:
      return "signal";
    case StopReason::max_runtime:
      return "max run time";
    case StopReason::report_closed:
      return "report pipe closed";
    case StopReason::report_failed:
      return "report descriptor failed";
    case StopReason::fatal:
      return "fatal error";
  }
  return "?";
}

Runner::Runner(Workload& workload, RunOptions options, const Clock& clock)
    : workload_(workload), options_(options), clock_(clock) {}

int Runner::run() {
  std::ostream& log = options_.log != nullptr ? *options_.log : std::cerr;
  const std::string prefix = fmt::format("memtorture-worker: {}: ", workload_.name());
  SignalScope signals;
  ReportWriter report(options_.report_fd);

  auto fail = [&](const std::string& message) {
    reason_ = StopReason::fatal;
    log << prefix << "fatal: " << message << std::endl;
    auto outcome = report.write_line(format_error(message), kFinalLineWait);
    if (outcome != ReportWriter::Outcome::written) {
      log << prefix << "could not write the error line to fd " << options_.report_fd << std::endl;
    }
    return kExitFatal;
  };
  auto clean_up = [&] {
    if (Status cleaned = workload_.cleanup(); !cleaned) {
      log << prefix << "cleanup: " << cleaned.error().message << std::endl;
    }
  };

  report.write_line(format_hello({kProtocolVersion, workload_.name(), workload_.thread_count()}),
                    kFinalLineWait);
  if (Status prepared = workload_.prepare(); !prepared) {
    clean_up();
    return fail(prepared.error().message);
  }

  const Clock::time_point start = clock_.now();
  StopFlag stop;
  FatalSlot fatal;
  std::vector<std::jthread> threads;
  const int thread_count = workload_.thread_count();
  log << prefix << "started, pid " << ::getpid() << ", " << thread_count << " thread(s)"
      << std::endl;
  try {
    for (int i = 0; i < thread_count; ++i) {
      threads.emplace_back([this, i, &stop, &fatal] {
        Status status;
        try {
          status = workload_.run(i, stop);
        } catch (const std::exception& e) {
          status = make_error(e.what());
        }
        if (!status) {
          fatal.set(fmt::format("thread {}: {}", i, status.error().message));
          stop.request_stop();
        }
      });
    }
  } catch (const std::system_error& e) {
    fatal.set(
        fmt::format("cannot start thread {} of {}: {}", threads.size(), thread_count, e.what()));
  }

  // Supervise: report on time, watch for the stop conditions.
  reason_ = StopReason::fatal;
  int stop_signal = 0;
  const Clock::time_point deadline = start + options_.max_runtime;
  const bool bounded = options_.max_runtime > milliseconds::zero();
  Clock::time_point next_report = start;
  ControlReader control(options_.control_fd);
  auto apply = [&](const std::string& line) {
    auto command = parse_control(line);
    Status done = command ? Status{} : Status(command.error());
    if (command) {
      switch (command->kind) {
        case Control::Kind::pause:
          done = workload_.set_paused(true);
          break;
        case Control::Kind::resume:
          done = workload_.set_paused(false);
          break;
        case Control::Kind::rate:
          done = workload_.set_rate(command->rate);
          break;
      }
    }
    log << prefix << "control '" << line << "': " << (done ? "applied" : done.error().message)
        << std::endl;
    report.write_line(done ? format_applied(*command) : format_refused(line, done.error().message),
                      kFinalLineWait);
  };
  for (;;) {
    for (const auto& line : control.read_lines()) apply(line);
    if (fatal.get()) {
      reason_ = StopReason::fatal;
      break;
    }
    Clock::time_point now = clock_.now();
    if (bounded && now >= deadline) {
      reason_ = StopReason::max_runtime;
      break;
    }
    if (now >= next_report) {
      auto outcome =
          report.write_line(format_counters(workload_.counters(), false), milliseconds::zero());
      if (outcome == ReportWriter::Outcome::closed) {
        reason_ = StopReason::report_closed;
        break;
      }
      if (outcome == ReportWriter::Outcome::failed) {
        reason_ = StopReason::report_failed;
        break;
      }
      next_report += options_.report_interval;
      if (next_report <= now) next_report = now + options_.report_interval;
    }
    Clock::time_point wake = bounded ? std::min(next_report, deadline) : next_report;
    if (int sig = signals.wait(wake - now); sig > 0) {
      reason_ = StopReason::signal;
      stop_signal = sig;
      break;
    }
  }

  stop.request_stop();
  threads.clear();  // joins
  clean_up();

  const Counters final = workload_.counters();
  const double seconds = std::chrono::duration<double>(clock_.now() - start).count();
  std::string how =
      reason_ == StopReason::signal ? signal_name(stop_signal) : std::string(to_string(reason_));
  std::string summary =
      fmt::format("stopped ({}) after {:.3f} s: {} ops ({}/s), {} errors, {}", how, seconds,
                  final.ops, human_count(seconds > 0 ? final.ops / seconds : 0), final.errors,
                  human_bytes(static_cast<double>(final.bytes)));
  if (int err = workload_.last_errno(); err != 0) {
    summary += fmt::format(", last error {}", fs::errno_text(err));
  }
  log << prefix << summary << std::endl;

  if (reason_ != StopReason::report_closed && reason_ != StopReason::report_failed)
    for (const ResultRecord& r : workload_.results())
      if (report.write_line(format_result(r), kFinalLineWait) != ReportWriter::Outcome::written)
        log << prefix << "could not write a result line to fd " << options_.report_fd << std::endl;

  switch (reason_) {
    case StopReason::fatal:
      return fail(fatal.get().value_or("unknown error"));
    case StopReason::report_closed:
      return kExitOk;  // nobody is left to read the final line
    case StopReason::report_failed:
      log << prefix << "report fd " << options_.report_fd
          << " failed: " << fs::errno_text(report.error()) << std::endl;
      return kExitFatal;
    case StopReason::signal:
    case StopReason::max_runtime:
      break;
  }
  auto outcome = report.write_line(format_counters(final, true), kFinalLineWait);
  if (outcome == ReportWriter::Outcome::failed || outcome == ReportWriter::Outcome::busy) {
    log << prefix << "could not write the final line to fd " << options_.report_fd << std::endl;
  }
  return kExitOk;
}

}  // namespace mt::workloads
