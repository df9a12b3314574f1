// Dates as people and HTTP parameters give them: YYYY-MM-DD (midnight UTC) or an RFC 3339
// date-time (section 5.6), as epoch seconds. The parser reads mail's RFC 5322 dates itself.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace bounced::util {

// YYYY-MM-DD (midnight UTC) or an RFC 3339 date-time as epoch seconds; nullopt when it is neither.
std::optional<std::int64_t> parse_day_or_time(std::string_view text);

}  // namespace bounced::util
