// `bounced serve`: the daemon. LMTP and SMTP listeners take bounces, decode and classify them, and
// store them durably before answering 250; SIGTERM drains, SIGHUP reloads.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace bounced::daemon {

int run_serve(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace bounced::daemon
