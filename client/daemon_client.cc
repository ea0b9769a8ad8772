#include "client/daemon_client.h"

#include <fmt/format.h>
#include <sys/stat.h>

namespace mt::client {

std::string Failure::printed() const {
  std::string out = about_file ? message : "memtorturectl: " + message;
  if (out.empty() || out.back() != '\n') out += '\n';
  return out;
}

Failure rpc_failure(const grpc::Status& st, const std::string& what) {
  // The deadline's length is not in the status; every caller set one of the Deadlines.
  std::string message = fmt::format("{}: {}", what, st.error_message());
  if (st.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED)
    message += " (memtortured did not answer in time)";
  return {st.error_code() == grpc::StatusCode::INVALID_ARGUMENT ? kInvalid : kUnreachable,
          std::move(message)};
}

DaemonClient::DaemonClient(const GlobalOptions& g) : g_(g), socket_(resolve_socket(g.socket)) {
  channel_ = grpc::CreateChannel("unix:" + socket_, grpc::InsecureChannelCredentials());
  stub_ = ::memtorture::v1::MemTorture::NewStub(channel_);
}

std::optional<Failure> DaemonClient::connect() {
  struct stat st {};
  if (::stat(socket_.c_str(), &st) != 0 || !S_ISSOCK(st.st_mode))
    return Failure{kUnreachable,
                   fmt::format("cannot reach memtortured at {}: no socket there (is the daemon "
                               "running? --socket or MEMTORTURE_SOCKET)",
                               socket_)};
  if (channel_->WaitForConnected(std::chrono::system_clock::now() + g_.deadlines.connect))
    return std::nullopt;
  return Failure{kUnreachable, fmt::format("cannot reach memtortured at {} (is it running? "
                                           "--socket or MEMTORTURE_SOCKET)",
                                           socket_)};
}

std::variant<std::string, Failure> DaemonClient::read_report(const std::string& id) {
  auto ctx = context(g_.deadlines.report);
  ::memtorture::v1::ReadReportRequest req;
  req.set_id(id);
  auto reader = stub_->ReadReport(ctx.get(), req);
  std::string text;
  ::memtorture::v1::ReportChunk chunk;
  while (reader->Read(&chunk)) {
    if (text.empty()) text.reserve(chunk.total_bytes());
    text += chunk.data();
  }
  if (auto st = reader->Finish(); !st.ok()) {
    // The daemon's own words name the campaign and what is missing.
    if (st.error_code() == grpc::StatusCode::FAILED_PRECONDITION ||
        st.error_code() == grpc::StatusCode::NOT_FOUND)
      return Failure{kUnreachable, st.error_message()};
    return rpc_failure(st, "report of campaign " + id);
  }
  return text;
}

std::unique_ptr<grpc::ClientContext> DaemonClient::context(std::chrono::milliseconds deadline) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(std::chrono::system_clock::now() + deadline);
  return ctx;
}

}  // namespace mt::client
