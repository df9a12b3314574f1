// One line per event on stderr, written with a single write(2) so that lines from threads never
// interleave. Under systemd (JOURNAL_STREAM set) each line carries its syslog priority as a
// "<N>" prefix, which journald reads; elsewhere a plain "level: " prefix.
// Untrusted text goes through printable() first (Postfix's printable(): '?' for what is not).
#pragma once

#include "util/printable.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace bounced::daemon {

enum class log_level { error, warning, info, debug };

std::optional<log_level> parse_log_level(std::string_view name);
const char* to_string(log_level level) noexcept;
void set_log_level(log_level level);
bool log_enabled(log_level level);
void log(log_level level, std::string_view line);

// Text with every byte outside printable ASCII replaced by '?', cut to max_bytes (util).
using util::printable;

}  // namespace bounced::daemon
