// The client's side of the gRPC edge: the channel to memtortured, a context with its deadline
// for every call, and what a failed call means for the user (message and exit code).
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <variant>

#include "client/commands.h"
#include "common/result.h"

#include <map>
#include <nlohmann/json.hpp>
#include "client/render.h"
#include "memtorture/v1/memtorture.grpc.pb.h"

namespace mt::client {

// Why a command could not give its result, and its exit code. Printed as
// "memtorturectl: <message>", or as it is when `about_file` (then it starts with the file name,
// like the parser's file:line:col messages).
struct Failure {
  int code;
  std::string message;
  bool about_file = false;
  std::string printed() const;  // with the trailing newline
};

// INVALID_ARGUMENT is exit code 2, anything else 3; "<what>: <error message>", and for a
// deadline how long the client waited.
Failure rpc_failure(const grpc::Status& st, const std::string& what);

// Prints the failure on stderr; its exit code.
int print_failure(const GlobalOptions& g, const Failure& f);

// --target and the --tls-* options together; the error names the option.
Status check_remote_target(const RemoteTarget& t);

class DaemonClient {
 public:
  explicit DaemonClient(const GlobalOptions& g);
  // Nothing once connected (within the connect deadline); else why not.
  std::optional<Failure> connect();
  ::memtorture::v1::MemTorture::Stub& stub() { return *stub_; }
  // A context for one unary call; StopCampaign gets the longer deadline.
  std::unique_ptr<grpc::ClientContext> unary_context() const { return context(g_.deadlines.unary); }
  std::unique_ptr<grpc::ClientContext> stop_context() const { return context(g_.deadlines.stop); }
  // The usual deadline plus `extra` (a probe that waits for grace periods).
  std::unique_ptr<grpc::ClientContext> unary_context_plus(std::chrono::milliseconds extra) const {
    return context(g_.deadlines.unary + extra);
  }
  // A finished campaign's report.json, read through ReadReport; or why not.
  std::variant<std::string, Failure> read_report(const std::string& id);
  // The same, parsed, with a variants campaign's runs' reports (by run id; a run whose report
  // cannot be read or parsed is left out: the HTML page names it).
  struct Reports {
    std::string text;
    nlohmann::ordered_json report;
    std::map<std::string, std::pair<std::string, nlohmann::ordered_json>> runs;  // text, parsed
  };
  std::variant<Reports, Failure> read_report_with_runs(const std::string& id);
  const std::string& socket() const { return socket_; }

 private:
  static std::unique_ptr<grpc::ClientContext> context(std::chrono::milliseconds deadline);
  const GlobalOptions& g_;
  std::string socket_;       // empty with --target
  std::string setup_error_;  // a --tls-* file that could not be read: connect() says so
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<::memtorture::v1::MemTorture::Stub> stub_;
};

}  // namespace mt::client
