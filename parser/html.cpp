// See html.hpp. One pass over the input: outside a tag, text is copied with its character
// references decoded; a tag is read to its '>' (quotes respected) and, if it is a block element or
// a line break, ends the line. <script> and <style> bodies, and comments, are skipped to their end.
#include "parser/html.hpp"

#include <array>
#include <cstdint>

#include "parser/charset.hpp"
#include "parser/text.hpp"

namespace bounced::parser {

namespace {

// Decodes the character reference at text[i] ('&'); returns the bytes consumed, 0 if none.
std::size_t reference(std::string_view text, std::size_t i, std::string& out) {
  const std::size_t semi = text.find(';', i + 1);
  if (semi == std::string_view::npos || semi - i > 10) return 0;
  const std::string_view name = text.substr(i + 1, semi - i - 1);
  if (!name.empty() && name[0] == '#') {
    std::uint32_t cp = 0;
    const bool hex = name.size() > 1 && (name[1] == 'x' || name[1] == 'X');
    const std::string_view digits = name.substr(hex ? 2 : 1);
    if (digits.empty()) return 0;
    for (char c : digits) {
      int v = -1;
      if (c >= '0' && c <= '9') v = c - '0';
      else if (hex && c >= 'a' && c <= 'f') v = c - 'a' + 10;
      else if (hex && c >= 'A' && c <= 'F') v = c - 'A' + 10;
      if (v < 0) return 0;
      cp = cp * (hex ? 16U : 10U) + static_cast<std::uint32_t>(v);
      if (cp > 0x10FFFF) cp = 0xFFFD;
    }
    append_utf8(out, cp);
    return semi - i + 1;
  }
  struct entity {
    std::string_view name;
    std::uint32_t cp;
  };
  static constexpr std::array<entity, 12> entities = {{{"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"quot", '"'},
                                                       {"apos", '\''}, {"nbsp", ' '}, {"ndash", 0x2013},
                                                       {"mdash", 0x2014}, {"rsquo", 0x2019}, {"lsquo", 0x2018},
                                                       {"rdquo", 0x201D}, {"ldquo", 0x201C}}};
  for (const entity& e : entities) {
    if (iequals(name, e.name)) {
      append_utf8(out, e.cp);
      return semi - i + 1;
    }
  }
  return 0;
}

bool ends_line(std::string_view tag) {
  static constexpr std::array<std::string_view, 17> blocks = {"br", "p", "div", "tr", "li", "h1", "h2", "h3", "h4",
                                                              "h5", "h6", "table", "pre", "blockquote", "hr", "ul", "ol"};
  for (std::string_view b : blocks)
    if (iequals(tag, b)) return true;
  return false;
}

}  // namespace

bool looks_like_html(std::string_view text) noexcept {
  const std::string_view head = text.substr(0, std::min<std::size_t>(text.size(), 4096));
  return icontains(head, "<html") || icontains(head, "<body") || icontains(head, "<br") || icontains(head, "<p>") ||
         icontains(head, "<div") || icontains(head, "<table") || icontains(head, "<!doctype html");
}

std::string html_to_text(std::string_view html) {
  std::string out;
  out.reserve(html.size() / 2);
  std::size_t i = 0;
  while (i < html.size()) {
    const char c = html[i];
    if (c == '&') {
      if (const std::size_t used = reference(html, i, out)) {
        i += used;
        continue;
      }
      out.push_back(c);
      ++i;
      continue;
    }
    if (c != '<') {
      out.push_back(c == '\r' || c == '\n' || c == '\t' ? ' ' : c);
      ++i;
      continue;
    }
    if (html.substr(i, 4) == "<!--") {
      const std::size_t end = html.find("-->", i + 4);
      i = end == std::string_view::npos ? html.size() : end + 3;
      continue;
    }
    // A tag: its name, then on to the '>' that is not inside quotes.
    std::size_t j = i + 1;
    if (j < html.size() && html[j] == '/') ++j;
    const std::size_t name_start = j;
    while (j < html.size() && ((html[j] >= 'a' && html[j] <= 'z') || (html[j] >= 'A' && html[j] <= 'Z') || (html[j] >= '0' && html[j] <= '9'))) ++j;
    const std::string_view name = html.substr(name_start, j - name_start);
    if (name.empty()) {  // "a < b": no tag
      out.push_back(c);
      ++i;
      continue;
    }
    char quote = '\0';
    while (j < html.size() && (quote != '\0' || html[j] != '>')) {
      if (quote == '\0' && (html[j] == '"' || html[j] == '\'')) quote = html[j];
      else if (quote != '\0' && html[j] == quote) quote = '\0';
      ++j;
    }
    i = j < html.size() ? j + 1 : html.size();
    if (html[name_start - 1] != '/' && (iequals(name, "script") || iequals(name, "style") || iequals(name, "head"))) {
      const std::string close = "</" + to_lower(name);
      const std::size_t end = ifind(html, close, i);
      i = end == std::string_view::npos ? html.size() : end;
      continue;
    }
    if (ends_line(name)) out.push_back('\n');
    else if (iequals(name, "td") || iequals(name, "th")) out.push_back(' ');
  }
  return out;
}

}  // namespace bounced::parser
