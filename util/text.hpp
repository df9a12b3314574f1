// Small text helpers for hostile text, shared by every folder: ASCII case folding, case-insensitive
// search, trimming, white-space folding, line splitting. Everything is bounded by its input and
// never allocates more than a copy of it; no regular expressions, so nothing here can backtrack.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace bounced::util {

// Line ends of any kind (LF, CRLF, lone CR) become LF.
std::string normalize_newlines(std::string_view text);

char ascii_lower(char c) noexcept;
std::string to_lower(std::string_view text);
std::string to_upper(std::string_view text);
// The value of a hexadecimal digit (either case), -1 for any other character.
int hex_value(char c) noexcept;
bool iequals(std::string_view a, std::string_view b) noexcept;
bool istarts_with(std::string_view text, std::string_view prefix) noexcept;
bool iends_with(std::string_view text, std::string_view suffix) noexcept;
// Position of needle in text, ignoring ASCII case; npos when absent.
std::size_t ifind(std::string_view text, std::string_view needle, std::size_t from = 0) noexcept;
bool icontains(std::string_view text, std::string_view needle) noexcept;

// ASCII white space: ' ', '\t', '\n', '\v', '\f', '\r'.
bool is_space(char c) noexcept;
std::string_view trim(std::string_view text) noexcept;
// Runs of white space (including line ends) become one space; the ends are trimmed.
std::string fold_space(std::string_view text);
std::vector<std::string_view> split_lines(std::string_view text);

// An error in a file, as compilers write one: "source:line: message" ("source: message" for
// line 0, an error of the whole file).
std::string located(std::string_view source, std::size_t line, std::string_view message);

}  // namespace bounced::util
