// RFC 5322 dates ("Thu, 29 Apr 2013 23:45:41 +0900 (JST)") and the looser forms MTAs write.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace bounced::parser {

struct parsed_date {
  std::int64_t epoch = 0;       // UTC seconds
  std::string offset = "+0000"; // as "+hhmm"
};

// Parses a date; nullopt when no day, month, year and time can be found.
std::optional<parsed_date> parse_date(std::string_view text);

}  // namespace bounced::parser
