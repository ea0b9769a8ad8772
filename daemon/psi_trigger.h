// A kernel PSI trigger on a pressure file, waited for on the daemon's io_context (POLLPRI).
// Without CAP_SYS_RESOURCE the kernel only accepts windows that are a multiple of 2 s: arm()
// then fails with the kernel's EINVAL and the campaign runs on sampled stall deltas alone.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "campaign/spec.h"
#include "common/result.h"

namespace mt::daemon {

class PsiTrigger {
 public:
  using OnEvent = std::function<void()>;
  // The trigger line written to the file: "some 100000 2000000".
  static std::string format(campaign::PsiKind kind, std::chrono::microseconds stall,
                            std::chrono::microseconds window);
  static Result<std::unique_ptr<PsiTrigger>> arm(boost::asio::io_context& io,
                                                 const std::filesystem::path& file,
                                                 const std::string& trigger, OnEvent on_event);
  ~PsiTrigger();
  PsiTrigger(const PsiTrigger&) = delete;
  PsiTrigger& operator=(const PsiTrigger&) = delete;
  // Closes the fd (removing the trigger). Call before the cgroup behind it is removed.
  void close();

 private:
  PsiTrigger(boost::asio::io_context& io, int fd, OnEvent on_event);
  void wait();
  boost::asio::posix::stream_descriptor fd_;
  OnEvent on_event_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace mt::daemon
