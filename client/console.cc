#include "client/console.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <iostream>

namespace mt::client {

Console& Console::standard() {
  static Console console = [] {
    const bool tty = ::isatty(STDERR_FILENO);
    winsize ws{};
    const int columns = tty && ::ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 ? ws.ws_col : 0;
    return Console(std::cout, std::cerr, tty, columns);
  }();
  return console;
}

void Console::out(std::string_view text) {
  std::lock_guard lock(mu_);
  out_ << text << std::flush;
}

void Console::err(std::string_view text) {
  std::lock_guard lock(mu_);
  err_ << text << std::flush;
}

}  // namespace mt::client
