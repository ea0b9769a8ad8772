#include "client/daemon_client.h"

#include <fmt/format.h>
#include <sys/stat.h>

#include "common/fs.h"
#include "client/report_files.h"
#include "common/host_port.h"

namespace mt::client {

std::string Failure::printed() const {
  std::string out = about_file ? message : "memtorturectl: " + message;
  if (out.empty() || out.back() != '\n') out += '\n';
  return out;
}

int print_failure(const GlobalOptions& g, const Failure& f) {
  g.console->err(f.printed());
  return f.code;
}

Failure rpc_failure(const grpc::Status& st, const std::string& what) {
  // The deadline's length is not in the status; every caller set one of the Deadlines.
  std::string message = fmt::format("{}: {}", what, st.error_message());
  if (st.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED)
    message += " (memtortured did not answer in time)";
  return {st.error_code() == grpc::StatusCode::INVALID_ARGUMENT ? kInvalid : kUnreachable,
          std::move(message)};
}

namespace {

// The client's TLS credentials from the --tls-* files; an error names the file.
Result<std::shared_ptr<grpc::ChannelCredentials>> tls_credentials(const RemoteTarget& t) {
  grpc::SslCredentialsOptions options;
  struct File {
    const char* option;
    const std::string& path;
    std::string* into;
  };
  for (const File& f : {File{"--tls-ca", t.ca, &options.pem_root_certs},
                        File{"--tls-cert", t.cert, &options.pem_cert_chain},
                        File{"--tls-key", t.key, &options.pem_private_key}}) {
    if (f.path.empty()) continue;
    auto text = fs::read_file(f.path);
    if (!text) return make_error(fmt::format("{}: {}", f.option, text.error().message));
    if (text->find("-----BEGIN ") == std::string::npos)
      return make_error(fmt::format("{} {}: not a PEM file", f.option, f.path));
    *f.into = std::move(*text);
  }
  return grpc::SslCredentials(options);
}

}  // namespace

Status check_remote_target(const RemoteTarget& t) {
  if (t.address.empty()) {
    if (!t.cert.empty() || !t.key.empty() || !t.ca.empty())
      return make_error("--tls-cert, --tls-key and --tls-ca are for --target, which is not given");
    return {};
  }
  if (t.ca.empty())
    return make_error(fmt::format("--target {}: needs --tls-ca (the CA that signed the daemon's "
                                  "certificate); a remote daemon is only reached over TLS",
                                  t.address));
  if (t.cert.empty() != t.key.empty())
    return make_error("--tls-cert and --tls-key go together (this client's certificate and key)");
  if (auto st = check_host_port(t.address); !st)
    return make_error("--target " + st.error().message);
  return {};
}

DaemonClient::DaemonClient(const GlobalOptions& g)
    : g_(g),
      socket_(g.target.address.empty() ? resolve_socket(g.socket) : std::string()) {
  if (!g.target.address.empty()) {
    auto creds = tls_credentials(g.target);
    if (!creds) {
      setup_error_ = creds.error().message;
      creds = std::shared_ptr<grpc::ChannelCredentials>(grpc::InsecureChannelCredentials());
    }
    channel_ = grpc::CreateChannel(g.target.address, *creds);
  } else {
    channel_ = grpc::CreateChannel("unix:" + socket_, grpc::InsecureChannelCredentials());
  }
  stub_ = ::memtorture::v1::MemTorture::NewStub(channel_);
}

std::optional<Failure> DaemonClient::connect() {
  if (!setup_error_.empty()) return Failure{kInvalid, setup_error_};
  if (!g_.target.address.empty()) {
    if (channel_->WaitForConnected(std::chrono::system_clock::now() + g_.deadlines.connect))
      return std::nullopt;
    return Failure{kUnreachable,
                   fmt::format("cannot reach memtortured at {} over mutual TLS (is it listening "
                               "there? does it accept this client's certificate, and does --tls-ca "
                               "sign its own?)",
                               g_.target.address)};
  }
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

std::variant<DaemonClient::Reports, Failure> DaemonClient::read_report_with_runs(
    const std::string& id) {
  using Json = nlohmann::ordered_json;
  auto text = read_report(id);
  if (auto* f = std::get_if<Failure>(&text)) return *f;
  Reports out;
  out.text = std::move(std::get<std::string>(text));
  out.report = Json::parse(out.text, nullptr, false);
  if (out.report.is_discarded())
    return Failure{kUnreachable, fmt::format("the report of campaign {} is not JSON", id)};
  for (const std::string& run : run_ids(out.report)) {
    auto run_text = read_report(run);
    auto* t = std::get_if<std::string>(&run_text);
    if (t == nullptr) continue;
    Json j = Json::parse(*t, nullptr, false);
    if (!j.is_discarded()) out.runs[run] = {std::move(*t), std::move(j)};
  }
  return out;
}

std::unique_ptr<grpc::ClientContext> DaemonClient::context(std::chrono::milliseconds deadline) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(std::chrono::system_clock::now() + deadline);
  return ctx;
}

}  // namespace mt::client
