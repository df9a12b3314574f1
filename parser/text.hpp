// Mail's text helpers: the extraction of SMTP codes, commands and hosts, on top of util/text.hpp's
// case folding, search and trimming (re-exported here). Everything is bounded by its input and never
// allocates more than a copy of it; no regular expressions, so nothing here can backtrack.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "parser/address.hpp"  // find_address, clean_address, looks_like_address
#include "util/text.hpp"

namespace bounced::parser {

// The text helpers every folder shares (util/text.hpp), in this namespace too.
using util::ascii_lower;
using util::fold_space;
using util::icontains;
using util::iends_with;
using util::iequals;
using util::is_space;
using util::ifind;
using util::istarts_with;
using util::normalize_newlines;
using util::split_lines;
using util::to_lower;
using util::to_upper;
using util::hex_value;
using util::trim;

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
