// See sections.hpp.
#include "parser/mta/sections.hpp"

#include "parser/text.hpp"

namespace bounced::parser::mta {

namespace {

// The text after the line holding marker; empty when there is none.
std::string_view after_marker_line(std::string_view text, std::string_view marker) {
  const std::size_t at = ifind(text, marker);
  if (at == std::string_view::npos) return {};
  const std::size_t eol = text.find('\n', at);
  return eol == std::string_view::npos ? std::string_view() : text.substr(eol + 1);
}

bool is_marker_line(std::string_view t) { return istarts_with(t, "-----"); }

}  // namespace

std::vector<std::string> addresses_after(std::string_view text, std::string_view marker) {
  std::vector<std::string> out;
  for (std::string_view line : split_lines(after_marker_line(text, marker))) {
    const std::string_view t = trim(line);
    if (is_marker_line(t)) break;
    if (t.empty()) {
      if (!out.empty()) break;
      continue;
    }
    std::string address = find_address(t);
    if (!address.empty()) out.push_back(std::move(address));
  }
  return out;
}

std::string paragraph_after(std::string_view text, std::string_view marker) {
  std::string out;
  for (std::string_view line : split_lines(after_marker_line(text, marker))) {
    const std::string_view t = trim(line);
    if (is_marker_line(t)) break;
    if (t.empty()) {
      if (!out.empty()) break;
      continue;
    }
    if (!out.empty()) out += ' ';
    out += std::string(t);
  }
  return out;
}

}  // namespace bounced::parser::mta
