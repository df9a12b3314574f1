// `bounced parse`: decode files, folders, maildirs, mbox files or stdin and print records.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace bounced::daemon {

// Runs the command with its arguments (after "parse"); returns the exit status.
int run_parse(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace bounced::daemon
