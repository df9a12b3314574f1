// Mail's text helpers; see text.hpp. Byte-wise and ASCII-only on purpose: mail text arrives in any
// charset, and case folding beyond ASCII is not needed to recognise MTA phrases.
#include "parser/text.hpp"

#include <algorithm>
#include <array>

namespace bounced::parser {

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
