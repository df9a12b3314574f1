// The MIME structure of a message (RFC 2045-2049, RFC 6522 reports), parsed through mimetic
// into a small tree of our own whose bodies are transfer-decoded, and text bodies converted to
// UTF-8. Hostile input is bounded: nesting depth and part count are capped, and what lies past
// the caps is left out of the tree (the raw message is kept whole by the caller).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "parser/report.hpp"
#include "util/base64.hpp"

namespace bounced::parser {

inline constexpr std::size_t max_mime_depth = 12;
inline constexpr std::size_t max_mime_parts = 256;

struct mime_part {
  std::vector<header_field> headers;
  std::string type = "text";     // lower case
  std::string subtype = "plain"; // lower case
  std::string report_type;       // the report-type parameter of multipart/report
  std::string body;              // transfer-decoded; UTF-8 for text and report parts
  std::vector<mime_part> children;  // parts of a multipart, or the one message of message/rfc822

  bool is(std::string_view t, std::string_view s) const noexcept;
};

// Parses LF-normalised message text. Never throws; a message mimetic cannot split comes back
// as one text part holding its body.
mime_part parse_mime(std::string_view message);
// A parameter of a header field's value (RFC 2045 5.1: Content-Type's boundary, Content-
// Disposition's name), quoted-pairs undone; nullopt where the value has none of that name.
std::optional<std::string> mime_parameter(std::string_view value, std::string_view name);
// RFC 2045 6.7 quoted-printable: "=" at a line's end is a soft break, "=XX" a byte; a malformed
// "=" stays as it is.
std::string decode_quoted_printable(std::string_view in);
// RFC 2045 6.8 base64 (util/base64.hpp), in this namespace too.
using util::decode_base64;

// Walks the tree depth-first, calling fn(part) for every part including the root.
template <class Fn>
void for_each_part(const mime_part& part, Fn&& fn) {
  fn(part);
  for (const auto& child : part.children) for_each_part(child, fn);
}

}  // namespace bounced::parser
