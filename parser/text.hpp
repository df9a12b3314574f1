// Small text helpers for hostile mail text: ASCII case folding, trimming, line splitting and the
// extraction of addresses and SMTP codes. Everything is bounded by its input and never allocates
// more than a copy of it; no regular expressions, so nothing here can backtrack.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "parser/address.hpp"  // find_address, clean_address, looks_like_address

namespace bounced::parser {

// Line ends of any kind (LF, CRLF, lone CR) become LF.
std::string normalize_newlines(std::string_view text);

char ascii_lower(char c) noexcept;
std::string to_lower(std::string_view text);
bool iequals(std::string_view a, std::string_view b) noexcept;
bool istarts_with(std::string_view text, std::string_view prefix) noexcept;
bool iends_with(std::string_view text, std::string_view suffix) noexcept;
// Position of needle in text, ignoring ASCII case; npos when absent.
std::size_t ifind(std::string_view text, std::string_view needle, std::size_t from = 0) noexcept;
bool icontains(std::string_view text, std::string_view needle) noexcept;

std::string_view trim(std::string_view text) noexcept;
// Runs of white space (including line ends) become one space; the ends are trimmed.
std::string fold_space(std::string_view text);
std::vector<std::string_view> split_lines(std::string_view text);

// The first RFC 3463 enhanced status code (class 2, 4 or 5) in text, e.g. "5.1.1"; "" if none.
std::string find_status_code(std::string_view text);
// The first three-digit SMTP reply code (2xx, 4xx, 5xx) standing as a word in text; "" if none.
std::string find_reply_code(std::string_view text);
// The first reply code in text that RFC 5321 (and its extensions: RFC 4954, 5248, 7504)
// defines, of the same class as status when status has one ("4.4.7" takes only a 4xx code);
// "" if none. Codes no RFC assigns (426, 522, 541) are a remote's own numbering, not a reply.
std::string find_defined_reply_code(std::string_view text, std::string_view status);
// A reply code that a notice labels as one where punctuation touches it ("ERROR_CODE :550,",
// "ResponseCode 421,"), which find_reply_code does not take; "" when there is none.
std::string find_labelled_reply_code(std::string_view text);
// The SMTP command a diagnostic names ("after RCPT TO", "in reply to DATA command", "SMTP:RCPT",
// the last ">>> " line of a transcript before a "<<< 5xx" answer); "" if none.
std::string find_command(std::string_view text);

// A host name or address in "dns; mx.example.com" or "mx.example.com [192.0.2.1]" forms.
std::string host_of(std::string_view text);

}  // namespace bounced::parser
