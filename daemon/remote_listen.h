// memtortured --listen HOST:PORT: remote control over TCP, only with mutual TLS. The daemon's
// certificate and key, and the CA whose signature a client's certificate must carry; a client
// without such a certificate is refused at the handshake. Without all three files --listen is
// refused at start-up, and so are the TLS options without --listen.
#pragma once

#include <grpcpp/security/server_credentials.h>

#include <filesystem>
#include <memory>
#include <string>

#include "common/result.h"

namespace mt::daemon {

struct RemoteListen {
  std::string address = {};  // HOST:PORT; empty: the unix socket only
  std::filesystem::path cert = {}, key = {}, client_ca = {};
};

// Checks the options together (before anything starts); the error names the option.
Status check_remote_listen(const RemoteListen& r);
// The credentials: the files read now; an error names the file that could not be read.
Result<std::shared_ptr<grpc::ServerCredentials>> mutual_tls_credentials(const RemoteListen& r);

}  // namespace mt::daemon
