// Charset conversion to UTF-8 (through glibc's iconv) and UTF-8 repair. Every string the parser
// hands out is valid UTF-8, so JSON output and SQLite text never carry broken bytes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "util/utf8.hpp"

namespace bounced::parser {

// UTF-8 validation and repair (util/utf8.hpp), in this namespace too.
using util::append_utf8;
using util::is_valid_utf8;
using util::repair_utf8;
using util::utf8_prefix;

// Converts text from the named charset to UTF-8. An unknown charset, or bytes that do not
// convert, fall back to repair_utf8 of the input: nothing is dropped silently.
std::string to_utf8(std::string_view text, std::string_view charset);

// RFC 2047 encoded words (=?charset?B|Q?...?=) in a header value, decoded to UTF-8.
std::string decode_encoded_words(std::string_view value);

// A header field's value as the decoders read it: white space folded to single spaces, then
// encoded words decoded (decode_encoded_words).
std::string header_value(std::string_view raw);

}  // namespace bounced::parser
