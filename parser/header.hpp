// RFC 5322 header blocks: split a message into header and body, unfold fields, decode RFC 2047
// words. Also used for the field groups of RFC 3464 and RFC 5965 reports, which share the syntax.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "parser/report.hpp"

namespace bounced::parser {

// Limits on what one header block may hold; past them the rest of the block is ignored.
inline constexpr std::size_t max_header_fields = 1000;
inline constexpr std::size_t max_header_value_bytes = 64 * 1024;

// Splits LF-normalised text at the first empty line. When the text does not start with a
// header field, the header part is empty and the whole text is the body.
void split_header_body(std::string_view text, std::string_view& header, std::string_view& body);

// Parses a header block: continuation lines are unfolded (folded white space becomes one space),
// encoded words are decoded, values are trimmed. Lines that are no field are skipped.
std::vector<header_field> parse_headers(std::string_view block);

// The value of the first field with this name (case-insensitive), or nullptr.
const std::string* find_header(const std::vector<header_field>& fields, std::string_view name) noexcept;
std::string header_or_empty(const std::vector<header_field>& fields, std::string_view name);

// True when line starts like a header field ("Name:" with a printable name and no space).
bool looks_like_field(std::string_view line) noexcept;

}  // namespace bounced::parser
