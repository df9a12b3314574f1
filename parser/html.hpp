// HTML to plain text, for notices sent as HTML alone (Microsoft 365's, many providers'): the
// fallback decoder reads lines, and a table row or a <br> is a line. Not a renderer: tags go, block
// elements end lines, script and style are dropped, character references are decoded. Linear in the
// input and bounded by it; malformed HTML gives text, never an error.
#pragma once

#include <string>
#include <string_view>

namespace bounced::parser {

// True when text looks like HTML markup rather than plain text.
bool looks_like_html(std::string_view text) noexcept;
// The text of html, one line per block element or <br>.
std::string html_to_text(std::string_view html);

}  // namespace bounced::parser
