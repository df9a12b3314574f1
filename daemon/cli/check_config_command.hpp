// `bounced check-config [--config FILE]`: loads a config file and says whether it is valid.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace bounced::daemon {

// Runs the command with its arguments (after "check-config"): 0 valid ("FILE: ok" on out),
// 1 invalid ("FILE:LINE:COLUMN: message" on err), 2 usage error.
int run_check_config(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace bounced::daemon
