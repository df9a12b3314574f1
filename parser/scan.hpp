// Shared steps of the plain-text decoders: is this a bounce at all, where does the quoted
// original start, which lines carry an error. Phrase lists here are about message layout, not
// about classification (that is the classifier's job).
#pragma once

#include <string>
#include <span>
#include <string_view>

#include "parser/mail.hpp"

namespace bounced::parser {

// True when the sender, subject or envelope say this is a delivery notice.
bool looks_like_bounce(const mail& m);
// The text before the first line that starts a quoted original ("--- Below this line is a
// copy of the message.", "----- Original message -----", ...). The whole text when none.
std::string_view cut_original(std::string_view text);
// Where the quoted original starts in text (npos when none).
std::size_t original_start(std::string_view text);
// The marker lines original_start looks for (for tests and documentation).
std::span<const std::string_view> original_markers();
// True when text holds an error phrase ("user unknown", "mailbox full", ...).
bool has_error_phrase(std::string_view text);
// A header of the returned original ("" when absent).
std::string header_or_empty_original(const mail& m, std::string_view name);
// The text between the first line containing begin (case-insensitive) and the quoted original.
// Empty when begin does not occur.
std::string_view section_after(std::string_view text, std::string_view begin);

}  // namespace bounced::parser
