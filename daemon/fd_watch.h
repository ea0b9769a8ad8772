// A descriptor waited on for readability on the daemon's io_context (an eventfd, an inotify fd,
// /dev/kmsg): `on_ready(fd)` runs on the io thread each time it is readable and must drain it.
// Owns the fd; close() (or the destructor) stops the waiting and closes it.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <functional>
#include <memory>

namespace mt::daemon {

class FdWatch {
 public:
  using OnReady = std::function<void(int fd)>;
  FdWatch(boost::asio::io_context& io, int fd, OnReady on_ready)
      : fd_(io, fd), raw_(fd), on_ready_(std::move(on_ready)) {
    wait();
  }
  ~FdWatch() { close(); }
  FdWatch(const FdWatch&) = delete;
  FdWatch& operator=(const FdWatch&) = delete;

  int fd() const { return raw_; }

  void close() {
    *alive_ = false;
    if (!fd_.is_open()) return;
    boost::system::error_code ec;
    fd_.cancel(ec);
    fd_.close(ec);
  }

 private:
  void wait() {
    fd_.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                   [this, alive = alive_](const boost::system::error_code& ec) {
                     if (ec || !*alive) return;
                     on_ready_(raw_);
                     if (*alive) wait();
                   });
  }

  boost::asio::posix::stream_descriptor fd_;
  int raw_;
  OnReady on_ready_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace mt::daemon
