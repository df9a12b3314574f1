// Charset conversion to UTF-8 (through glibc's iconv) and UTF-8 repair. Every string the parser
// hands out is valid UTF-8, so JSON output and SQLite text never carry broken bytes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace bounced::parser {

// Converts text from the named charset to UTF-8. An unknown charset, or bytes that do not
// convert, fall back to repair_utf8 of the input: nothing is dropped silently.
std::string to_utf8(std::string_view text, std::string_view charset);
// Replaces every byte that is not part of a valid UTF-8 sequence by U+FFFD.
std::string repair_utf8(std::string_view text);
bool is_valid_utf8(std::string_view text) noexcept;
// Appends code point cp as UTF-8; a surrogate, zero or one past U+10FFFF as U+FFFD.
void append_utf8(std::string& out, std::uint32_t cp);
// At most max_bytes of text, cut before a UTF-8 sequence rather than inside one.
std::string_view utf8_prefix(std::string_view text, std::size_t max_bytes) noexcept;

// RFC 2047 encoded words (=?charset?B|Q?...?=) in a header value, decoded to UTF-8.
std::string decode_encoded_words(std::string_view value);

// A header field's value as the decoders read it: white space folded to single spaces, then
// encoded words decoded (decode_encoded_words).
std::string header_value(std::string_view raw);

}  // namespace bounced::parser
