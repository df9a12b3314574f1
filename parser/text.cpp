// Text helpers; see text.hpp. Byte-wise and ASCII-only on purpose: mail text arrives in any
// charset, and case folding beyond ASCII is not needed to recognise MTA phrases.
#include "parser/text.hpp"

#include <algorithm>
#include <array>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace bounced::parser {

std::string normalize_newlines(std::string_view text) {
  // Most mail has no CR at all: one memchr decides, and the copy is a memcpy.
  const char* cr = static_cast<const char*>(std::memchr(text.data(), '\r', text.size()));
  if (cr == nullptr) return std::string(text);
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    const void* found = std::memchr(text.data() + i, '\r', text.size() - i);
    const std::size_t at = found ? static_cast<std::size_t>(static_cast<const char*>(found) - text.data()) : text.size();
    out.append(text.data() + i, at - i);
    if (at == text.size()) break;
    out.push_back('\n');
    i = at + 1;
    if (i < text.size() && text[i] == '\n') ++i;
  }
  return out;
}

char ascii_lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

std::string to_lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = ascii_lower(c);
  return out;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  return true;
}

bool istarts_with(std::string_view text, std::string_view prefix) noexcept {
  return text.size() >= prefix.size() && iequals(text.substr(0, prefix.size()), prefix);
}

bool iends_with(std::string_view text, std::string_view suffix) noexcept {
  return text.size() >= suffix.size() && iequals(text.substr(text.size() - suffix.size()), suffix);
}

std::size_t ifind(std::string_view text, std::string_view needle, std::size_t from) noexcept {
  if (needle.empty()) return from <= text.size() ? from : std::string_view::npos;
  if (text.size() < needle.size() || from > text.size() - needle.size()) return std::string_view::npos;
  const std::size_t n = needle.size();
  const std::size_t last = text.size() - n;  // the last position a match can start at
  const char* base = text.data();
  const char first = ascii_lower(needle[0]);
#if defined(__SSE2__)
  // Sixteen positions at a time: a candidate has the needle's first byte at its start and its
  // last byte n - 1 further on, in either case (OR 0x20 folds an ASCII letter to lower case and
  // is applied only where the needle's byte is a letter), and is then compared in full.
  const char final = ascii_lower(needle[n - 1]);
  const auto is_letter = [](char c) { return c >= 'a' && c <= 'z'; };
  const __m128i first_v = _mm_set1_epi8(first), final_v = _mm_set1_epi8(final);
  const __m128i first_fold = _mm_set1_epi8(is_letter(first) ? 0x20 : 0);
  const __m128i final_fold = _mm_set1_epi8(is_letter(final) ? 0x20 : 0);
  std::size_t i = from;
  for (; i <= last && last - i >= 15; i += 16) {
    const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(base + i));
    const __m128i z = _mm_loadu_si128(reinterpret_cast<const __m128i*>(base + i + n - 1));
    const __m128i hit = _mm_and_si128(_mm_cmpeq_epi8(_mm_or_si128(a, first_fold), first_v),
                                      _mm_cmpeq_epi8(_mm_or_si128(z, final_fold), final_v));
    for (auto mask = static_cast<unsigned>(_mm_movemask_epi8(hit)); mask != 0; mask &= mask - 1) {
      const std::size_t at = i + static_cast<std::size_t>(__builtin_ctz(mask));
      if (iequals(text.substr(at, n), needle)) return at;
    }
  }
  for (; i <= last; ++i)
    if (ascii_lower(base[i]) == first && iequals(text.substr(i, n), needle)) return i;
  return std::string_view::npos;
#else
  // Candidates for the first byte come from memchr (vectorised in glibc), one per case.
  const char upper = (first >= 'a' && first <= 'z') ? static_cast<char>(first - 32) : first;
  std::size_t next_lower = from, next_upper = from;
  auto advance = [&](std::size_t& next, char c, std::size_t start) {
    const void* p = std::memchr(base + start, c, last + 1 - start);
    next = p ? static_cast<std::size_t>(static_cast<const char*>(p) - base) : std::string_view::npos;
  };
  advance(next_lower, first, from);
  if (upper != first) advance(next_upper, upper, from);
  else next_upper = std::string_view::npos;
  while (next_lower != std::string_view::npos || next_upper != std::string_view::npos) {
    const bool take_lower = next_upper == std::string_view::npos || (next_lower != std::string_view::npos && next_lower < next_upper);
    const std::size_t i = take_lower ? next_lower : next_upper;
    if (iequals(text.substr(i + 1, n - 1), needle.substr(1))) return i;
    if (i + 1 > last) return std::string_view::npos;
    if (take_lower) advance(next_lower, first, i + 1);
    else advance(next_upper, upper, i + 1);
  }
  return std::string_view::npos;
#endif
}

bool icontains(std::string_view text, std::string_view needle) noexcept {
  return ifind(text, needle) != std::string_view::npos;
}

// ' ', '\t', '\n', '\v', '\f', '\r' are 9-13 and 32: one range check and one compare.
static bool is_space(char c) noexcept {
  const auto u = static_cast<unsigned char>(c);
  return u == ' ' || static_cast<unsigned char>(u - '\t') <= '\r' - '\t';
}

std::string_view trim(std::string_view text) noexcept {
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  return text;
}

std::string fold_space(std::string_view text) {
  // Text between the places folding changes (a control byte, or a space followed by a byte at or
  // below ' ') is copied whole: most header values are one copy.
  std::string out;
  out.reserve(text.size());
  const auto* data = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t size = text.size();
  std::size_t i = 0;
  while (i < size && is_space(text[i])) ++i;
  while (i < size) {
    std::size_t j = i;
#if defined(__SSE2__)
    const __m128i control = _mm_set1_epi8(0x1F), space = _mm_set1_epi8(' ');
    while (size - j >= 17) {
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(data + j));
      const __m128i w = _mm_loadu_si128(reinterpret_cast<const __m128i*>(data + j + 1));
      const __m128i is_control = _mm_cmpeq_epi8(_mm_max_epu8(v, control), control);
      const __m128i space_then_low = _mm_and_si128(_mm_cmpeq_epi8(v, space), _mm_cmpeq_epi8(_mm_max_epu8(w, space), space));
      const auto mask = static_cast<unsigned>(_mm_movemask_epi8(_mm_or_si128(is_control, space_then_low)));
      if (mask != 0) {
        j += static_cast<std::size_t>(__builtin_ctz(mask));
        goto found;
      }
      j += 16;
    }
#endif
    while (j < size && data[j] >= 0x20 && !(data[j] == ' ' && (j + 1 == size || data[j + 1] <= 0x20))) ++j;
#if defined(__SSE2__)
  found:
#endif
    out.append(text.data() + i, j - i);
    if (j == size) break;
    if (!is_space(text[j])) {  // a control byte that is no space stays
      out.push_back(text[j]);
      i = j + 1;
      continue;
    }
    std::size_t k = j;
    while (k < size && is_space(text[k])) ++k;
    if (k == size) break;  // trailing space goes
    out.push_back(' ');
    i = k;
  }
  return out;
}

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) {
      if (start < text.size()) lines.push_back(text.substr(start));
      break;
    }
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

static bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
static bool is_word_char(char c) noexcept { return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

std::string find_status_code(std::string_view text) {
  // class "." subject(1-3 digits) "." detail(1-3 digits), not part of a longer dotted number
  // such as an IP address or version.
  for (std::size_t i = 0; i + 5 <= text.size(); ++i) {
    const char c = text[i];
    if (c != '2' && c != '4' && c != '5') continue;
    if (i > 0 && (is_digit(text[i - 1]) || text[i - 1] == '.' || is_word_char(text[i - 1]))) continue;
    if (text[i + 1] != '.') continue;
    std::size_t j = i + 2, n = 0;
    while (j < text.size() && is_digit(text[j]) && n < 4) ++j, ++n;
    if (n == 0 || n > 3 || j >= text.size() || text[j] != '.') continue;
    std::size_t k = j + 1, m = 0;
    while (k < text.size() && is_digit(text[k]) && m < 4) ++k, ++m;
    if (m == 0 || m > 3) continue;
    if (k < text.size() && (text[k] == '.' && k + 1 < text.size() && is_digit(text[k + 1]))) continue;
    if (k < text.size() && is_word_char(text[k])) continue;
    return std::string(text.substr(i, k - i));
  }
  return {};
}

// A reply code a notice labels as such, in the forms where a colon or comma touches it
// ("ERROR_CODE :550,", "ResponseCode 421,"): Zoho writes them so.
std::string find_labelled_reply_code(std::string_view text) {
  constexpr std::string_view label = "code";
  for (std::size_t at = ifind(text, label); at != std::string_view::npos; at = ifind(text, label, at + 1)) {
    std::size_t i = at + label.size();
    while (i < text.size() && (text[i] == ' ' || text[i] == ':')) ++i;
    if (i == at + label.size() || i + 3 > text.size()) continue;
    if (text[i] != '4' && text[i] != '5') continue;
    if (!is_digit(text[i + 1]) || !is_digit(text[i + 2]) || text[i + 1] > '5') continue;
    if (i + 3 < text.size() && (is_word_char(text[i + 3]) || text[i + 3] == '.')) continue;
    return std::string(text.substr(i, 3));
  }
  return {};
}

std::string find_reply_code(std::string_view text) {
  for (std::size_t i = 0; i + 3 <= text.size(); ++i) {
    const char c = text[i];
    if (c != '2' && c != '4' && c != '5') continue;
    // "#550 5.1.1" (Exchange's diagnostic) is a reply code: '#' before one is, when an enhanced
    // code of its class follows ("(#5.1.1)" alone is qmail's status).
    const bool hashed = i > 0 && text[i - 1] == '#' && i + 5 < text.size() && text[i + 3] == ' ' && text[i + 4] == c &&
                        text[i + 5] == '.';
    if (i > 0 && !hashed &&
        (is_word_char(text[i - 1]) || text[i - 1] == '.' || text[i - 1] == '#' || text[i - 1] == '-' || text[i - 1] == ':' ||
         text[i - 1] == '/'))
      continue;
    if (!is_digit(text[i + 1]) || !is_digit(text[i + 2])) continue;
    if (text[i + 1] > '5') continue;
    if (i + 3 < text.size()) {
      const char n = text[i + 3];
      if (n != ' ' && n != '-' && n != '\t' && n != '\n') continue;
    }
    return std::string(text.substr(i, 3));
  }
  return {};
}

// The reply codes the SMTP RFCs define: RFC 5321 4.2.3, RFC 4954 (AUTH: 235, 334, 432, 454,
// 530, 534, 535, 538), RFC 5248 (422, 430, 523, 524, 525, 533), RFC 1985/2645 (253, 453, 458,
// 459), RFC 7504 (521, 556).
static bool defined_reply_code(std::string_view code) noexcept {
  static constexpr std::array<std::string_view, 44> defined = {
      "211", "214", "220", "221", "235", "250", "251", "252", "253", "334", "354", "421", "422",
      "430", "432", "450", "451", "452", "453", "454", "455", "458", "459", "500", "501", "502",
      "503", "504", "521", "523", "524", "525", "530", "533", "534", "535", "538", "550", "551",
      "552", "553", "554", "555", "556"};
  return std::find(defined.begin(), defined.end(), code) != defined.end();
}

std::string find_defined_reply_code(std::string_view text, std::string_view status) {
  const char want = !status.empty() && (status[0] == '2' || status[0] == '4' || status[0] == '5') ? status[0] : '\0';
  // Each step moves past the code found, so the loop ends within the text.
  std::size_t from = 0;
  while (from < text.size()) {
    const std::string_view rest = text.substr(from);
    std::string code = find_reply_code(rest);
    if (code.empty()) return {};
    // find_reply_code returned the first code standing as a word: locate it to go on after it.
    std::size_t at = rest.find(code);
    while (at != std::string_view::npos && at > 0 && is_word_char(rest[at - 1])) at = rest.find(code, at + 1);
    if (at == std::string_view::npos) return {};
    if (defined_reply_code(code) && (want == '\0' || code[0] == want)) return code;
    from += at + 3;
  }
  return {};
}

// qmail states the failed step in a sentence of its own rather than naming the command:
// "<host> does not like recipient.", "Connected to <host> but sender was rejected.",
// "<host> failed after I sent the message.", "... but my name was rejected."; Postfix says a
// server that refused the session at its greeting "refused to talk to me" (the HELO stage).
// Where phrase occurs in text with any run of white space (line breaks too: the sentences wrap)
// where phrase has one space, or npos.
static std::size_t ifind_spaced(std::string_view text, std::string_view phrase) noexcept {
  const std::size_t space = phrase.find(' ');
  const std::string_view first = phrase.substr(0, space);
  for (std::size_t at = ifind(text, first); at != std::string_view::npos; at = ifind(text, first, at + 1)) {
    std::size_t t = at + first.size(), p = first.size();
    while (p < phrase.size() && t < text.size()) {
      if (phrase[p] == ' ') {
        if (!is_space(text[t])) break;
        while (t < text.size() && is_space(text[t])) ++t;
        ++p;
      } else if (ascii_lower(text[t]) == ascii_lower(phrase[p])) {
        ++t;
        ++p;
      } else {
        break;
      }
    }
    if (p == phrase.size()) return at;
  }
  return std::string_view::npos;
}

static std::string stated_stage(std::string_view text) {
  struct stage {
    std::string_view words;
    std::string_view command;
  };
  static constexpr std::array<stage, 5> stages = {{
      {"does not like recipient", "RCPT"},
      {"but sender was rejected", "MAIL"},
      {"failed after i sent the message", "DATA"},
      {"but my name was rejected", "EHLO"},
      {"refused to talk to me", "HELO"},
  }};
  std::size_t best = std::string_view::npos;
  std::string_view found;
  for (const stage& s : stages) {
    const std::size_t at = ifind_spaced(text, s.words);
    if (at < best) {
      best = at;
      found = s.command;
    }
  }
  return std::string(found);
}

std::string find_command(std::string_view text) {
  // The sentences wrap in a notice's text ("refused to\n    talk to me").
  if (std::string stated = stated_stage(text); !stated.empty()) return stated;
  static constexpr std::array<std::string_view, 8> commands = {"RCPT", "MAIL", "DATA", "HELO", "EHLO", "STARTTLS", "AUTH", "CONN"};
  static constexpr std::array<std::string_view, 6> leads = {"after ", "in reply to ", "response to ", "reply to ", "during ", "for "};
  std::size_t best = std::string_view::npos;
  std::string found;
  for (std::string_view lead : leads) {
    for (std::size_t p = ifind(text, lead); p != std::string_view::npos; p = ifind(text, lead, p + 1)) {
      std::string_view rest = text.substr(p + lead.size());
      if (istarts_with(rest, "end of ")) rest.remove_prefix(7);
      if (istarts_with(rest, "the ")) rest.remove_prefix(4);
      for (std::string_view cmd : commands) {
        if (!istarts_with(rest, cmd)) continue;
        if (rest.size() > cmd.size() && is_word_char(rest[cmd.size()]) && !(cmd == "RCPT" || cmd == "MAIL")) continue;
        if (cmd == "CONN") continue;
        if (p < best) {
          best = p;
          found = std::string(cmd == "EHLO" ? "EHLO" : cmd);
        }
      }
    }
  }
  if (!found.empty()) return found;
  // X3's and similar notices name the command as "SMTP:RCPT host ...".
  for (std::string_view cmd : commands) {
    const std::string tagged = "SMTP:" + std::string(cmd);
    if (cmd != "CONN" && ifind(text, tagged) != std::string_view::npos) return std::string(cmd);
  }
  // A session transcript (">>> RCPT TO:<...>" then "<<< 550 ..."): the command sent last
  // before the first 4xx or 5xx answer is the one refused.
  std::string last_sent;
  for (std::size_t line = 0; line < text.size();) {
    std::size_t eol = text.find('\n', line);
    if (eol == std::string_view::npos) eol = text.size();
    const std::string_view l = trim(text.substr(line, eol - line));
    if (l.size() > 4 && l.substr(0, 4) == ">>> ") {
      last_sent.clear();
      for (std::string_view cmd : commands)
        if (istarts_with(l.substr(4), cmd)) last_sent = std::string(cmd);
    } else if (l.size() > 5 && l.substr(0, 4) == "<<< " && (l[4] == '4' || l[4] == '5') && !last_sent.empty()) {
      return last_sent;
    }
    line = eol + 1;
  }
  if (ifind(text, "RCPT TO") != std::string_view::npos) return "RCPT";
  if (ifind(text, "MAIL FROM") != std::string_view::npos) return "MAIL";
  return {};
}

std::string host_of(std::string_view text) {
  text = trim(text);
  // "dns; host": a type prefix is one word before the semicolon.
  const std::size_t semi = text.find(';');
  if (semi != std::string_view::npos && semi < 16 && text.substr(0, semi).find(' ') == std::string_view::npos)
    text = trim(text.substr(semi + 1));
  std::size_t end = 0;
  while (end < text.size() && !is_space(text[end]) && text[end] != '[' && text[end] != '(' && text[end] != ',') ++end;
  std::string_view host = text.substr(0, end);
  while (!host.empty() && (host.back() == '.' || host.back() == ':')) host.remove_suffix(1);
  if (host.empty() && !text.empty() && text.front() == '[') {
    const std::size_t close = text.find(']');
    if (close != std::string_view::npos) host = text.substr(1, close - 1);
  }
  return to_lower(host);
}

}  // namespace bounced::parser
