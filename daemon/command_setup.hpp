// What the one-shot commands that store (ingest, acct) set up the same way: the config (the file
// given, else the default one where it exists, else the built-in defaults) and the classifier
// rules it names. A failure is written to err as "bounced COMMAND: ..." and gives nullopt; those
// commands then exit 75 (EX_TEMPFAIL), so an MTA keeps what it was handing over while the
// operator fixes the file.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>

#include "classifier/classify.hpp"
#include "daemon/config.hpp"

namespace bounced::daemon {

std::optional<config> load_command_config(std::string path, std::string_view command, std::ostream& err);
std::optional<classifier::rule_set> load_command_rules(const config& cfg, std::string_view command, std::ostream& err);

}  // namespace bounced::daemon
