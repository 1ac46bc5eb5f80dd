// The serve subcommands' signals: SIGINT/SIGTERM stop the embedded server cleanly, and SIGHUP
// (where a server can reload something) calls back. The library installs no handler itself.
#pragma once

#include <atomic>
#include <functional>
#include <optional>
#include <string>

#include "sockit/server/service.hpp"

namespace sockit::app {

/// Routes SIGINT and SIGTERM to a clean stop of `service`, then calls `announce` (the
/// "listening on" lines: whoever reads them may signal at once), starts the service and
/// serves until such a stop or its failure (rethrown). While it serves, SIGHUP calls
/// `on_hangup` on a thread of its own, if given; otherwise SIGHUP keeps its default.
void serve_until_signal(server::Service& service, const std::function<void()>& announce,
                        const std::function<void()>& on_hangup = {});

/// The SIGHUP action of a server that may speak TLS (systemctl reload): `reload` loads the
/// certificate and key again (it returns the reason when it could not: the old ones stay);
/// without TLS there is nothing to reload, and the server keeps running. Logs the outcome.
std::function<void()> reload_certificate_on_hangup(bool tls,
                                                   std::function<std::optional<std::string>()> reload);

/// For the foreground tools (ping, trace, ss --watch): from now on SIGINT and SIGTERM set
/// the returned flag and interrupt blocking calls (EINTR) instead of ending the process, so
/// the tool can stop and print its summary.
const std::atomic<bool>& stop_flag_on_interrupt();

}  // namespace sockit::app
