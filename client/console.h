// Where a command's output goes: stdout and stderr, or string streams in tests. Every write is
// one whole string under one lock, so a line from the signal thread never lands inside a line
// of the live view.
#pragma once

#include <iosfwd>
#include <mutex>
#include <string_view>

namespace mt::client {

class Console {
 public:
  Console(std::ostream& out, std::ostream& err, bool err_is_tty, int err_columns = 0)
      : out_(out), err_(err), err_is_tty_(err_is_tty), err_columns_(err_columns) {}
  // std::cout and std::cerr; whether stderr is a terminal and how wide, asked once.
  static Console& standard();

  void out(std::string_view text);
  void err(std::string_view text);
  bool err_is_tty() const { return err_is_tty_; }
  int err_columns() const { return err_columns_; }  // 0: unknown

 private:
  std::mutex mu_;
  std::ostream& out_;
  std::ostream& err_;
  const bool err_is_tty_;
  const int err_columns_;
};

}  // namespace mt::client
