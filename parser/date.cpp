// See date.hpp. Token-based: finds day, month name, year, hh:mm[:ss] and a zone in any order
// the common MTAs use, so "24 Apr 2013 00:00:00 +0900" (qmail) parses like RFC 5322 dates.
#include "parser/date.hpp"

#include <array>
#include <vector>

#include "parser/text.hpp"

namespace bounced::parser {

namespace {

std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

int to_int(std::string_view s) {
  int v = 0;
  for (char c : s) {
    if (v > 100000) break;
    v = v * 10 + (c - '0');
  }
  return v;
}

}  // namespace

std::optional<parsed_date> parse_date(std::string_view text) {
  static constexpr std::array<std::string_view, 12> months = {"jan", "feb", "mar", "apr", "may", "jun",
                                                              "jul", "aug", "sep", "oct", "nov", "dec"};
  std::vector<std::string_view> tokens;
  std::size_t i = 0;
  text = text.substr(0, 200);
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == ',' || text[i] == '\t' || (text[i] == '-' && i + 1 < text.size() && text[i + 1] >= 'A'))) ++i;
    std::size_t j = i;
    if (j < text.size() && (text[j] == '+' || text[j] == '-')) ++j;
    while (j < text.size() && text[j] != ' ' && text[j] != ',' && text[j] != '\t' && text[j] != '-' && text[j] != '(') ++j;
    if (j < text.size() && text[j] == '(') {
      if (j > i) tokens.push_back(text.substr(i, j - i));
      break;  // a comment such as "(JST)" ends the date
    }
    if (j > i) tokens.push_back(text.substr(i, j - i));
    if (j == i) ++j;
    i = j;
  }
  int day = -1, month = -1, year = -1, hh = -1, mm = -1, ss = 0;
  int offset_minutes = 0;
  bool have_offset = false;
  for (std::string_view t : tokens) {
    if (month < 0 && t.size() >= 3) {
      const std::string lower = to_lower(t.substr(0, 3));
      bool found = false;
      for (std::size_t k = 0; k < months.size(); ++k)
        if (lower == months[k] && (t.size() == 3 || (t[3] >= 'a' && t[3] <= 'z') || t[3] == '.')) {
          month = static_cast<int>(k) + 1;
          found = true;
        }
      if (found) continue;
    }
    if (hh < 0 && t.find(':') != std::string_view::npos) {
      const std::size_t c1 = t.find(':');
      const std::size_t c2 = t.find(':', c1 + 1);
      std::string_view h = t.substr(0, c1);
      std::string_view mi = t.substr(c1 + 1, c2 == std::string_view::npos ? std::string_view::npos : c2 - c1 - 1);
      std::string_view s = c2 == std::string_view::npos ? std::string_view() : t.substr(c2 + 1, 2);
      if (all_digits(h) && all_digits(mi)) {
        hh = to_int(h);
        mm = to_int(mi);
        if (all_digits(s)) ss = to_int(s);
      }
      continue;
    }
    if ((t.front() == '+' || t.front() == '-') && t.size() == 5 && all_digits(t.substr(1))) {
      const int v = to_int(t.substr(1));
      offset_minutes = (v / 100) * 60 + v % 100;
      if (t.front() == '-') offset_minutes = -offset_minutes;
      have_offset = true;
      continue;
    }
    if (all_digits(t)) {
      const int v = to_int(t);
      if (t.size() == 4 && year < 0) year = v;
      else if (t.size() <= 2 && day < 0) day = v;
      else if (t.size() <= 2 && year < 0) year = v < 50 ? 2000 + v : 1900 + v;
      continue;
    }
    if (!have_offset) {
      const std::string z = to_lower(t);
      static constexpr std::array<std::pair<std::string_view, int>, 11> zones = {{{"gmt", 0}, {"ut", 0}, {"utc", 0}, {"z", 0}, {"est", -300}, {"edt", -240}, {"cst", -360}, {"cdt", -300}, {"pst", -480}, {"pdt", -420}, {"jst", 540}}};
      for (const auto& [name, off] : zones)
        if (z == name) {
          offset_minutes = off;
          have_offset = true;
        }
    }
  }
  if (day < 1 || day > 31 || month < 1 || year < 1970 || year > 9999 || hh < 0 || hh > 23 || mm < 0 || mm > 59 || ss > 60)
    return std::nullopt;
  parsed_date out;
  out.epoch = days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) * 86400 + hh * 3600 + mm * 60 + ss -
              static_cast<std::int64_t>(offset_minutes) * 60;
  const int a = offset_minutes < 0 ? -offset_minutes : offset_minutes;
  out.offset = std::string(1, offset_minutes < 0 ? '-' : '+');
  out.offset += static_cast<char>('0' + (a / 60) / 10);
  out.offset += static_cast<char>('0' + (a / 60) % 10);
  out.offset += static_cast<char>('0' + (a % 60) / 10);
  out.offset += static_cast<char>('0' + (a % 60) % 10);
  return out;
}

}  // namespace bounced::parser
