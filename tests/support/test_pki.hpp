// Test support: a throwaway certificate authority and a server certificate it signed, for
// TLS tests that must not depend on the system's trust store.
#pragma once

#include <stdexcept>
#include <string>

#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace sockit::test {

/// The server key's type: ECDSA P-256 (quick to make), or RSA 2048 (for the ECDHE-RSA suites).
enum class PkiKey { ec, rsa };

/// A test CA and a server certificate for DNS:localhost signed by it, made with openssl(1).
/// Files: ca.pem, server.pem, server.key in dir. Not thread safe.
struct TestPki {
  explicit TestPki(PkiKey server_key = PkiKey::ec) {
    const auto sh = [this](const std::string& cmd) {
      const auto r = run({"sh", "-c", "cd '" + dir.path().string() + "' && " + cmd});
      if (r.exit_code != 0) throw std::runtime_error(cmd + ": " + r.err);
    };
    sh("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 "
       "-keyout ca.key -out ca.pem -subj /CN=sockit-test-ca 2>/dev/null");
    const std::string key = server_key == PkiKey::rsa
                                ? "-newkey rsa:2048"
                                : "-newkey ec -pkeyopt ec_paramgen_curve:P-256";
    sh("openssl req " + key +
       " -nodes -keyout server.key -out server.csr -subj /CN=localhost "
       "2>/dev/null");
    dir.write("ext.cnf", "subjectAltName=DNS:localhost\n");
    sh("openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 1 "
       "-extfile ext.cnf -out server.pem 2>/dev/null");
  }
  TempDir dir{"sockit-pki"};
};

}  // namespace sockit::test
