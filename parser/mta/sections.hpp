// Shared reading steps of the plain-text notices that label their parts with marker lines
// ("----- The following addresses had permanent fatal errors -----", "because:", ...): the
// addresses listed under one marker, the text under another. Bounded by the text given.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace bounced::parser::mta {

// The addresses on the lines after the first line containing marker (case-insensitive), up to
// the first empty line that follows an address or the next "-----" marker line.
std::vector<std::string> addresses_after(std::string_view text, std::string_view marker);
// The lines after the first line containing marker, from the first non-empty one up to the next
// empty line or "-----" marker line, joined by spaces. Empty when marker does not occur.
std::string paragraph_after(std::string_view text, std::string_view marker);

}  // namespace bounced::parser::mta
