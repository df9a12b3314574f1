// See header.hpp.
#include "parser/header.hpp"

#include "parser/charset.hpp"
#include "parser/text.hpp"

namespace bounced::parser {

bool looks_like_field(std::string_view line) noexcept {
  const std::size_t colon = line.find(':');
  if (colon == 0 || colon == std::string_view::npos || colon > 100) return false;
  for (std::size_t i = 0; i < colon; ++i) {
    const auto c = static_cast<unsigned char>(line[i]);
    if (c <= 32 || c >= 127) return false;
  }
  return true;
}

void split_header_body(std::string_view text, std::string_view& header, std::string_view& body) {
  const std::size_t first_eol = text.find('\n');
  const std::string_view first = text.substr(0, first_eol);
  if (!looks_like_field(first) && !istarts_with(first, "From ")) {
    header = {};
    body = text;
    return;
  }
  if (istarts_with(text, "\n")) {
    header = {};
    body = text.substr(1);
    return;
  }
  const std::size_t blank = text.find("\n\n");
  if (blank == std::string_view::npos) {
    header = text;
    body = {};
    return;
  }
  header = text.substr(0, blank + 1);
  body = text.substr(blank + 2);
}

std::vector<header_field> parse_headers(std::string_view block) {
  std::vector<header_field> fields;
  std::string raw_value;
  std::string name;
  auto flush = [&] {
    if (!name.empty() && fields.size() < max_header_fields) {
      fields.push_back({name, header_value(raw_value)});
    }
    name.clear();
    raw_value.clear();
  };
  for (std::string_view line : split_lines(block)) {
    if (line.empty()) {
      flush();
      continue;
    }
    if ((line.front() == ' ' || line.front() == '\t') && !name.empty()) {
      if (raw_value.size() < max_header_value_bytes) {
        raw_value.push_back(' ');
        raw_value.append(line.substr(0, max_header_value_bytes - raw_value.size() + 1));
      }
      continue;
    }
    if (!looks_like_field(line)) {
      flush();
      continue;
    }
    flush();
    const std::size_t colon = line.find(':');
    name = std::string(line.substr(0, colon));
    raw_value = std::string(line.substr(colon + 1, max_header_value_bytes));
  }
  flush();
  return fields;
}

const std::string* find_header(const std::vector<header_field>& fields, std::string_view name) noexcept {
  for (const auto& f : fields)
    if (iequals(f.name, name)) return &f.value;
  return nullptr;
}

std::string header_or_empty(const std::vector<header_field>& fields, std::string_view name) {
  const std::string* v = find_header(fields, name);
  return v ? *v : std::string();
}

}  // namespace bounced::parser
