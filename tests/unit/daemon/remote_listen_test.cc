// --listen and the --tls-* options: checked together before anything starts.
#include "daemon/remote_listen.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "tests/unit/daemon/daemon_testing.h"

namespace mt::daemon {
namespace {

using ::testing::HasSubstr;

TEST(RemoteListen, OnlyWithAllThreeTlsFiles) {
  EXPECT_TRUE(check_remote_listen({}).ok());
  EXPECT_TRUE(check_remote_listen({"0.0.0.0:7474", "c.pem", "k.pem", "ca.pem"}).ok());
  EXPECT_THAT(check_remote_listen({"0.0.0.0:7474", "c.pem", "k.pem", ""}).error().message,
              HasSubstr("remote control is only over mutual TLS"));
  EXPECT_THAT(check_remote_listen({"0.0.0.0:7474"}).error().message, HasSubstr("--tls-client-ca"));
  EXPECT_THAT(check_remote_listen({"", "c.pem", "", ""}).error().message,
              HasSubstr("are for --listen, which is not given"));
  EXPECT_THAT(check_remote_listen({"7474", "c.pem", "k.pem", "ca.pem"}).error().message,
              HasSubstr("is not HOST:PORT"));
  EXPECT_THAT(check_remote_listen({"host:port", "c.pem", "k.pem", "ca.pem"}).error().message,
              HasSubstr("is not HOST:PORT"));
}

TEST(RemoteListen, CredentialsNameTheFileThatCannotBeRead) {
  testing::TempDir dir;
  const auto pem = dir.path() / "x.pem";
  const auto junk = dir.path() / "junk.pem";
  std::ofstream(pem) << "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
  std::ofstream(junk) << "not a certificate\n";
  auto r = mutual_tls_credentials({"h:1", dir.path() / "missing.pem", pem, pem});
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message, HasSubstr("--tls-cert: "));
  EXPECT_THAT(r.error().message, HasSubstr("missing.pem"));
  r = mutual_tls_credentials({"h:1", pem, junk, pem});
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message, HasSubstr("--tls-key " + junk.string() + ": not a PEM file"));
}

}  // namespace
}  // namespace mt::daemon
