// UTF-8 validation, repair and encoding: every string bounced hands out (JSON, SQLite text, logs)
// is valid UTF-8. Linear, never throws.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace bounced::util {

bool is_valid_utf8(std::string_view text) noexcept;
// At most max_bytes of text, cut before a UTF-8 sequence rather than inside one.
std::string_view utf8_prefix(std::string_view text, std::size_t max_bytes) noexcept;
// Replaces every byte that is not part of a valid UTF-8 sequence by U+FFFD.
std::string repair_utf8(std::string_view text);
// Appends code point cp as UTF-8; a surrogate, zero or one past U+10FFFF as U+FFFD.
void append_utf8(std::string& out, std::uint32_t cp);

}  // namespace bounced::util
