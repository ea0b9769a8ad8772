#include "daemon/remote_listen.h"

#include <fmt/format.h>
#include <grpcpp/security/server_credentials.h>

#include "common/fs.h"
#include "common/host_port.h"

namespace mt::daemon {

Status check_remote_listen(const RemoteListen& r) {
  const bool any_tls = !r.cert.empty() || !r.key.empty() || !r.client_ca.empty();
  if (r.address.empty()) {
    if (any_tls)
      return make_error("--tls-cert, --tls-key and --tls-client-ca are for --listen, which is not given");
    return {};
  }
  if (r.cert.empty() || r.key.empty() || r.client_ca.empty())
    return make_error(fmt::format(
        "--listen {}: remote control is only over mutual TLS; give --tls-cert and --tls-key (the "
        "daemon's certificate and key) and --tls-client-ca (the CA that signs clients' "
        "certificates)",
        r.address));
  if (auto st = check_host_port(r.address); !st)
    return make_error("--listen " + st.error().message);
  return {};
}

Result<std::shared_ptr<grpc::ServerCredentials>> mutual_tls_credentials(const RemoteListen& r) {
  auto read = [](const char* option, const std::filesystem::path& p) -> Result<std::string> {
    auto text = fs::read_file(p);
    if (!text) return make_error(fmt::format("{}: {}", option, text.error().message));
    if (text->find("-----BEGIN ") == std::string::npos)
      return make_error(fmt::format("{} {}: not a PEM file", option, p.string()));
    return text;
  };
  auto cert = read("--tls-cert", r.cert);
  if (!cert) return cert.error();
  auto key = read("--tls-key", r.key);
  if (!key) return key.error();
  auto ca = read("--tls-client-ca", r.client_ca);
  if (!ca) return ca.error();
  grpc::SslServerCredentialsOptions options(
      GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  options.pem_root_certs = *ca;
  options.pem_key_cert_pairs.push_back({*key, *cert});
  return grpc::SslServerCredentials(options);
}

}  // namespace mt::daemon
