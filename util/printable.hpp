// Untrusted text made fit for a log line, as Postfix's printable() does: every byte outside
// printable ASCII replaced by '?', the whole cut to max_bytes.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace bounced::util {

std::string printable(std::string_view text, std::size_t max_bytes = 200);

}  // namespace bounced::util
