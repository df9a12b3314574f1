// What the one-shot commands that store (ingest, acct) set up the same way: their options, the
// config (the file
// given, else the default one where it exists, else the built-in defaults) and the classifier
// rules it names. A failure is written to err as "bounced COMMAND: ..." and gives nullopt; those
// commands then exit 75 (EX_TEMPFAIL), so an MTA keeps what it was handing over while the
// operator fixes the file.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "daemon/pipeline/rulebook.hpp"
#include "daemon/config.hpp"

namespace bounced::daemon {

// "--name VALUE" for each name in `valued` (its value goes where the pointer says), "--" ends the
// options, -h or --help prints usage to out; any other argument is positional. Returns the code
// to exit with (0 after help; 2, with the reason and usage on err, for an unknown option or one
// without its value), or nullopt to go on.
std::optional<int> read_command_options(const std::vector<std::string>& args, std::string_view command,
                                        std::string_view usage,
                                        const std::vector<std::pair<std::string_view, std::string*>>& valued,
                                        std::vector<std::string>& positional, std::ostream& out, std::ostream& err);

std::optional<config> load_command_config(std::string path, std::string_view command, std::ostream& err);
std::optional<rulebook> load_command_rules(const config& cfg, std::string_view command, std::ostream& err);

}  // namespace bounced::daemon
