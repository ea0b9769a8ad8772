// memtorturectl's subcommands. Each returns the process exit code (see render.h ExitCode).
#pragma once

#include <optional>
#include <string>

namespace mt::client {

struct GlobalOptions {
  std::string socket;  // --socket, else $MEMTORTURE_SOCKET, else the daemon's default
  bool json = false;   // machine-readable output on stdout
};

struct RunOptions {
  std::string file;
  std::string junit;  // write JUnit XML here when set
};

int cmd_validate(const GlobalOptions& g, const std::string& file, bool print_normalized);
int cmd_run(const GlobalOptions& g, const RunOptions& r);
int cmd_start(const GlobalOptions& g, const std::string& file);
int cmd_status(const GlobalOptions& g, const std::optional<std::string>& id);
int cmd_list(const GlobalOptions& g);
int cmd_watch(const GlobalOptions& g, const std::string& id, const std::string& junit);
int cmd_stop(const GlobalOptions& g, const std::string& id);
int cmd_report(const GlobalOptions& g, const std::string& id);
int cmd_system(const GlobalOptions& g);

std::string resolve_socket(const std::string& flag);

}  // namespace mt::client
