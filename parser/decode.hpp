// The parser's entry point: raw message bytes in, one report out.
#pragma once

#include <string_view>

#include "parser/report.hpp"

namespace bounced::parser {

// Decodes one message. Never throws on any input and takes time linear in its size; a message
// that is no bounce, complaint or auto-reply comes back with kind none and why_not set.
report decode(std::string_view raw);

}  // namespace bounced::parser
