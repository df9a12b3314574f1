// The parser's entry point: raw message bytes in, one report out.
#pragma once

#include <string_view>

#include "parser/report.hpp"
#include "parser/rules.hpp"

namespace bounced::parser {

// Decodes one message. Never throws on any input and takes time linear in its size; a message
// that is no bounce, complaint or auto-reply comes back with kind none and why_not set.
// Decodes with the shipped rules only.
report decode(std::string_view raw);
// Decodes with rules: the user's decoders first, the phrases of the fallback decoder (rules.hpp).
report decode(std::string_view raw, const decoding_rules& rules);

struct decode_options {
  // The fallback decoder alone, every format decoder left out: to measure how it reads formats
  // it was not written for (tests/bench/fallback_only).
  bool fallback_only = false;
};
report decode(std::string_view raw, const decoding_rules& rules, const decode_options& options);

}  // namespace bounced::parser
