// memtorturectl: runs and watches memtorture campaigns through memtortured.
#include <iostream>

#include "client/cli.h"

int main(int argc, char** argv) {
  int rc = 0;
  const std::vector<std::string> args(argv + 1, argv + argc);
  const auto inv = mt::client::parse_command_line(args, &rc, std::cout, std::cerr);
  return inv ? mt::client::run(*inv) : rc;
}
