// See address.hpp. The steps of normalize_address, in order: the RFC 3464 address type or a proxy
// prefix goes ("rfc822;", "SMTP:", "mailto:"); an address inside <...> wins over the display
// name around it; comments in parentheses go; an X.400 O/R address gives its RFC-822 attribute
// (RFC 2156 4.2 escapes undone); an Exchange IMCEA-encapsulated address is decoded (+XX is the
// byte XX); a source route ("@relay,@relay:user@domain", RFC 5321 4.1.2) goes; the punctuation
// prose puts around an address goes; then the local part and the domain are checked and spelt
// one way. Each step works on a bounded view; recursion (an IMCEA payload holding an X.400
// address) is at most a few levels deep.
#include "parser/address.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>

#include "parser/charset.hpp"
#include "parser/text.hpp"

namespace bounced::parser {

namespace {

// RFC 5321 4.5.3.1: 64 for the local part and 255 for the domain; real bounces exceed the first
// (VERP and SRS addresses), so the local part gets room.
constexpr std::size_t max_local_bytes = 256;
constexpr std::size_t max_domain_bytes = 255;
constexpr std::size_t max_candidate_bytes = 1024;
constexpr int max_depth = 4;

bool is_space(char c) noexcept { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'; }
bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
bool is_alnum(char c) noexcept { return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_high(char c) noexcept { return static_cast<unsigned char>(c) >= 0x80; }

// RFC 5322 atext, plus UTF-8 (RFC 6531).
bool is_atext(char c) noexcept {
  if (is_high(c) || is_alnum(c)) return true;
  return c != '\0' && std::strchr("!#$%&'*+-/=?^_`{|}~", c) != nullptr;
}
bool is_local_char(char c) noexcept { return is_atext(c) || c == '.'; }
bool is_domain_char(char c) noexcept {
  return is_high(c) || is_alnum(c) || c == '-' || c == '.' || c == '_' || c == '[' || c == ']' || c == ':';
}

// RFC 6533 3: a utf-8 address type writes characters as \x{HEX}; undone here.
std::string undo_utf8_type_escapes(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 3 < text.size() && text[i + 1] == 'x' && text[i + 2] == '{') {
      const std::size_t close = text.find('}', i + 3);
      if (close != std::string_view::npos && close - (i + 3) >= 1 && close - (i + 3) <= 6) {
        std::uint32_t cp = 0;
        bool ok = true;
        for (std::size_t j = i + 3; j < close; ++j) {
          const int v = hex_value(text[j]);
          if (v < 0) ok = false;
          else cp = cp * 16 + static_cast<std::uint32_t>(v);
        }
        if (ok) {
          append_utf8(out, cp);
          i = close;
          continue;
        }
      }
    }
    out.push_back(text[i]);
  }
  return out;
}

// RFC 2156 4.2: an RFC 822 address written in an X.400 printable string: (a) is '@', (p) '%',
// (b) '!', (q) '"', (u) '_', (l) '(', (r) ')', and (ddd) the character of that decimal code.
std::string undo_rfc2156_escapes(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '(') {
      const std::size_t close = text.find(')', i + 1);
      if (close != std::string_view::npos && close - i <= 4) {
        const std::string_view inner = text.substr(i + 1, close - i - 1);
        char c = '\0';
        if (inner.size() == 1) {
          switch (ascii_lower(inner[0])) {
            case 'a': c = '@'; break;
            case 'p': c = '%'; break;
            case 'b': c = '!'; break;
            case 'q': c = '"'; break;
            case 'u': c = '_'; break;
            case 'l': c = '('; break;
            case 'r': c = ')'; break;
            default: break;
          }
        } else if (inner.size() == 3 && std::all_of(inner.begin(), inner.end(), is_digit)) {
          const int v = (inner[0] - '0') * 100 + (inner[1] - '0') * 10 + (inner[2] - '0');
          if (v > 0 && v < 128) c = static_cast<char>(v);
        }
        if (c != '\0') {
          out.push_back(c);
          i = close;
          continue;
        }
      }
    }
    out.push_back(text[i]);
  }
  return out;
}

// MS-OXCMAIL 2.1.3.1.3: IMCEA encapsulation writes each byte outside a small set as +XX.
std::string undo_imcea_escapes(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 && hex_value(text[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2])));
      i += 2;
      continue;
    }
    out.push_back(text[i]);
  }
  return out;
}

// The value of an X.400 "RFC-822=" (or "RFC822=") attribute in text, npos-free: "" when none.
std::string_view x400_rfc822_attribute(std::string_view text, std::size_t* where = nullptr) {
  for (std::string_view key : {std::string_view("RFC-822="), std::string_view("RFC822=")}) {
    const std::size_t at = ifind(text, key);
    if (at == std::string_view::npos) continue;
    if (at > 0 && (is_alnum(text[at - 1]) || text[at - 1] == '-')) continue;
    std::size_t end = at + key.size();
    while (end < text.size() && text[end] != '/' && text[end] != ';' && !is_space(text[end]) && text[end] != '>') ++end;
    if (where) *where = at;
    return text.substr(at + key.size(), end - at - key.size());
  }
  return {};
}

// Drops one layer of the punctuation prose and listings put around an address.
std::string_view strip_wrapping(std::string_view t) {
  for (bool changed = true; changed && !t.empty();) {
    changed = false;
    t = trim(t);
    if (t.empty()) break;
    const char f = t.front();
    if (f == '<' || f == '(' || f == '[' || f == '{' || f == '\'' || f == '`' || f == ',' || f == ';' || f == ':' ||
        static_cast<unsigned char>(f) == 0xE2) {
      // 0xE2: a typographic quote or bracket in UTF-8 (U+2018.. U+201F, U+2039/203A, U+3008...)
      if (static_cast<unsigned char>(f) == 0xE2) {
        if (t.size() >= 3 && static_cast<unsigned char>(t[1]) == 0x80) {
          t.remove_prefix(3);
          changed = true;
        }
      } else if (f == '[' && t.find(']') != std::string_view::npos && t.find('@') != std::string_view::npos &&
                 t.find(']') < t.find('@')) {
        // "[host] user@domain"? leave it; a domain literal starts after '@'
      } else {
        t.remove_prefix(1);
        changed = true;
      }
    }
    if (t.empty()) break;
    const char b = t.back();
    if (b == '>' || b == ')' || b == '}' || b == '\'' || b == '`' || b == '.' || b == ',' || b == ';' || b == ':' ||
        b == '!' || b == '?' || b == '*') {
      t.remove_suffix(1);
      changed = true;
    } else if (b == ']' && t.find('[') == std::string_view::npos) {
      t.remove_suffix(1);
      changed = true;
    } else if (t.size() >= 3 && static_cast<unsigned char>(t[t.size() - 3]) == 0xE2 &&
               static_cast<unsigned char>(t[t.size() - 2]) == 0x80) {
      t.remove_suffix(3);
      changed = true;
    }
    // A quote around the whole address ("user@example.com"), not a quoted local part.
    if (t.size() >= 2 && t.front() == '"' && t.back() == '"') {
      const std::size_t close = t.find('"', 1);
      if (close == t.size() - 1) {
        t = t.substr(1, t.size() - 2);
        changed = true;
      }
    }
  }
  return t;
}

// The text with every (comment) outside quotes removed; nesting bounded.
std::string without_comments(std::string_view t) {
  std::string out;
  int depth = 0;
  bool quoted = false;
  for (std::size_t i = 0; i < t.size(); ++i) {
    const char c = t[i];
    if (quoted) {
      out.push_back(c);
      if (c == '\\' && i + 1 < t.size()) out.push_back(t[++i]);
      else if (c == '"') quoted = false;
      continue;
    }
    if (c == '(' && depth < 8) {
      ++depth;
      continue;
    }
    if (c == ')' && depth > 0) {
      --depth;
      if (depth == 0) out.push_back(' ');
      continue;
    }
    if (depth > 0) continue;
    if (c == '"') quoted = true;
    out.push_back(c);
  }
  return out;
}

// The '@' that separates local part and domain: the last one outside quotes; npos when none.
std::size_t separator(std::string_view t) {
  bool quoted = false;
  std::size_t at = std::string_view::npos;
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (quoted && t[i] == '\\') {
      ++i;
      continue;
    }
    if (t[i] == '"') quoted = !quoted;
    else if (!quoted && t[i] == '@') at = i;
  }
  return at;
}

bool is_dot_atom(std::string_view s) noexcept {
  if (s.empty() || s.front() == '.' || s.back() == '.') return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '.' && i + 1 < s.size() && s[i + 1] == '.') return false;
    if (!is_local_char(s[i])) return false;
  }
  return true;
}

// The local part as bounced spells it; "" when it is none. RFC 5321 4.1.2: a quoted string whose
// content is a dot-atom is the same mailbox as the dot-atom, so the quotes go; otherwise they
// stay, as written.
std::string spell_local(std::string_view local) {
  if (local.empty() || local.size() > max_local_bytes) return {};
  if (local.front() == '"') {
    if (local.size() < 3 || local.back() != '"') return {};
    const std::string_view inner = local.substr(1, local.size() - 2);
    if (is_dot_atom(inner)) return std::string(inner);
    for (std::size_t i = 0; i < inner.size(); ++i) {
      const char c = inner[i];
      if (c == '\\') {
        ++i;
        continue;
      }
      if (c == '"' || c == '\n' || c == '\r' || c == '\0') return {};
    }
    return std::string(local);
  }
  // Real mail systems accept what RFC 5322 calls obsolete or wrong (two dots, a dot at either end:
  // Japanese carriers gave such addresses out), so only the characters are checked.
  for (char c : local)
    if (!is_local_char(c)) return {};
  return std::string(local);
}

// The domain as bounced spells it: ASCII letters in lower case, a trailing dot dropped, an IDN
// as written; "" when it is no domain.
std::string spell_domain(std::string_view domain) {
  while (!domain.empty() && domain.back() == '.') domain.remove_suffix(1);
  if (domain.empty() || domain.size() > max_domain_bytes) return {};
  if (domain.front() == '[') {
    if (domain.back() != ']' || domain.size() < 4) return {};
    for (char c : domain.substr(1, domain.size() - 2))
      if (!(is_alnum(c) || c == '.' || c == ':')) return {};
    return to_lower(domain);
  }
  std::size_t labels = 0;
  std::size_t start = 0;
  while (start <= domain.size()) {
    std::size_t dot = domain.find('.', start);
    if (dot == std::string_view::npos) dot = domain.size();
    const std::string_view label = domain.substr(start, dot - start);
    if (label.empty() || label.size() > 63) return {};
    for (char c : label)
      if (!(is_alnum(c) || is_high(c) || c == '-' || c == '_')) return {};
    ++labels;
    start = dot + 1;
    if (dot == domain.size()) break;
  }
  if (labels < 2) return {};
  return to_lower(domain);
}

std::string normalize(std::string_view text, int depth);

// IMCEA<type>-<payload>@<exchange domain>: SMTP payloads are addresses, X400 payloads may hold one.
std::string from_imcea(std::string_view local, int depth) {
  const std::size_t dash = local.find('-');
  if (dash == std::string_view::npos || dash < 6) return {};
  const std::string_view type = local.substr(5, dash - 5);
  const std::string payload = undo_imcea_escapes(local.substr(dash + 1));
  if (iequals(type, "SMTP") || iequals(type, "X400")) return normalize(payload, depth + 1);
  return {};  // IMCEAEX (an X.500 DN), IMCEAFAX...: no mail address in it
}

std::string normalize(std::string_view text, int depth) {
  if (depth > max_depth) return {};
  std::string_view t = trim(text);
  if (t.empty() || t.size() > max_candidate_bytes) return {};
  // RFC 3464 2.1.2 address types, Exchange's proxy prefixes and URLs' scheme, in any order.
  bool utf8_type = false;
  for (bool again = true; again;) {
    again = false;
    t = trim(t);
    static constexpr std::array<std::string_view, 7> prefixes = {"rfc822;", "rfc822:", "smtp;", "smtp:", "mailto:", "utf-8;", "x400;"};
    for (std::string_view p : prefixes) {
      if (istarts_with(t, p)) {
        utf8_type = utf8_type || p == "utf-8;";
        t = trim(t.substr(p.size()));
        again = true;
      }
    }
  }
  if (utf8_type) return normalize(undo_utf8_type_escapes(t), depth + 1);
  // An X.400 O/R address names the RFC 822 address it stands for as an attribute.
  if (const std::string_view attr = x400_rfc822_attribute(t); !attr.empty() && t.find('=') != std::string_view::npos &&
                                                               (t.find('/') != std::string_view::npos || t.find(';') != std::string_view::npos))
    return normalize(undo_rfc2156_escapes(attr), depth + 1);
  // An address in angle brackets wins over the display name around it.
  for (std::size_t lt = t.find('<'); lt != std::string_view::npos; lt = t.find('<', lt + 1)) {
    const std::size_t gt = t.find('>', lt + 1);
    if (gt == std::string_view::npos) break;
    const std::string_view inner = t.substr(lt + 1, gt - lt - 1);
    if (inner.find('@') == std::string_view::npos && ifind(inner, "RFC-822=") == std::string_view::npos) continue;
    std::string found = normalize(inner, depth + 1);
    if (!found.empty()) return found;
  }
  std::string plain;
  if (t.find('(') != std::string_view::npos) {
    plain = without_comments(t);
    t = trim(plain);
  }
  // A display name before a bare address ("John Smith john@example.com"): the word with the '@'.
  if (std::find_if(t.begin(), t.end(), is_space) != t.end() && t.front() != '"') {
    std::string_view word;
    std::size_t words_with_at = 0;
    for (std::size_t i = 0; i < t.size();) {
      while (i < t.size() && is_space(t[i])) ++i;
      std::size_t j = i;
      while (j < t.size() && !is_space(t[j])) ++j;
      const std::string_view w = t.substr(i, j - i);
      if (w.find('@') != std::string_view::npos) {
        word = w;
        ++words_with_at;
      }
      i = j;
    }
    if (words_with_at != 1) return {};
    return normalize(word, depth + 1);
  }
  t = strip_wrapping(t);
  // RFC 5321 4.1.2: "@relay1,@relay2:user@domain", a source route, names user@domain.
  if (!t.empty() && t.front() == '@') {
    const std::size_t colon = t.find(':');
    if (colon == std::string_view::npos) return {};
    t = t.substr(colon + 1);
  }
  const std::size_t at = separator(t);
  if (at == std::string_view::npos || at == 0 || at + 1 >= t.size()) return {};
  const std::string_view local = t.substr(0, at);
  if (istarts_with(local, "IMCEA")) {
    std::string inner = from_imcea(local, depth);
    if (!inner.empty() || local.find('-') != std::string_view::npos) return inner;
  }
  std::string l = spell_local(local);
  if (l.empty()) return {};
  std::string d = spell_domain(t.substr(at + 1));
  if (d.empty()) return {};
  l.push_back('@');
  l.append(d);
  return l;
}

// Whether the bytes [b, e) of text sit in a URL: the word holding them has a scheme ("://") or
// the local part has a path or a query's '=' before it.
bool inside_url(std::string_view text, std::size_t b, std::size_t at) {
  std::size_t w = b;
  while (w > 0 && !is_space(text[w - 1]) && text[w - 1] != '<' && text[w - 1] != '"' && text[w - 1] != '(' && b - w < 2048) --w;
  const std::string_view before = text.substr(w, b - w);
  if (before.find("://") != std::string_view::npos || iends_with(before, "http:") || iends_with(before, "https:")) return true;
  const std::string_view local = text.substr(b, at - b);
  return local.find("//") != std::string_view::npos ||
         (local.find('/') != std::string_view::npos && (local.find('?') != std::string_view::npos || local.find('=') != std::string_view::npos));
}

}  // namespace

std::string normalize_address(std::string_view text) { return normalize(text, 0); }

std::vector<found_address> find_addresses(std::string_view text) {
  std::vector<found_address> out;
  std::size_t consumed = 0;
  for (std::size_t at = text.find('@'); at != std::string_view::npos; at = text.find('@', at + 1)) {
    if (at < consumed) continue;
    std::size_t b = at;
    if (b >= 2 && text[b - 1] == '"') {  // "quoted local"@domain
      const std::size_t q = text.rfind('"', b - 2);
      if (q != std::string_view::npos && b - q <= max_local_bytes + 2 && q >= consumed) b = q;
    }
    if (b == at)
      while (b > consumed && is_local_char(text[b - 1]) && at - b < max_local_bytes) --b;
    std::size_t e = at + 1;
    while (e < text.size() && is_domain_char(text[e]) && e - at <= max_domain_bytes) ++e;
    if (b == at || e == at + 1) continue;
    std::string address = normalize(text.substr(b, e - b), 0);
    if (address.empty()) continue;
    out.push_back({std::move(address), b, e, inside_url(text, b, at)});
    consumed = e;
  }
  // X.400 O/R addresses (no '@' of their own): "/C=DE/ADMD=.../RFC-822=user(a)example.com/".
  for (std::size_t from = 0; from < text.size();) {
    std::size_t where = 0;
    const std::string_view rest = text.substr(from);
    const std::string_view attr = x400_rfc822_attribute(rest, &where);
    if (attr.empty()) break;
    std::string address = normalize(undo_rfc2156_escapes(attr), 1);
    const std::size_t b = from + where;
    const std::size_t e = static_cast<std::size_t>(attr.data() + attr.size() - text.data());
    if (!address.empty() && std::none_of(out.begin(), out.end(), [&](const found_address& f) { return f.begin <= b && b < f.end; }))
      out.push_back({std::move(address), b, e, false});
    from = e > from ? e : from + 1;
  }
  std::sort(out.begin(), out.end(), [](const found_address& a, const found_address& b) { return a.begin < b.begin; });
  return out;
}

std::string find_address(std::string_view text) {
  // An address in angle brackets first (a display name may hold a word with '@').
  for (std::size_t lt = text.find('<'); lt != std::string_view::npos; lt = text.find('<', lt + 1)) {
    // An address fits in 320 bytes (RFC 5321 4.5.3.1): looking no further keeps this linear
    // on text full of '<'.
    const std::size_t gt = text.substr(0, std::min(text.size(), lt + 1 + 512)).find('>', lt + 1);
    if (gt == std::string_view::npos) continue;
    const std::string_view inner = text.substr(lt + 1, gt - lt - 1);
    if (inner.find('@') == std::string_view::npos) continue;
    std::string cleaned = normalize(inner, 0);
    if (!cleaned.empty()) return cleaned;
  }
  for (std::size_t at = text.find('@'); at != std::string_view::npos; at = text.find('@', at + 1)) {
    std::size_t b = at;
    if (b >= 2 && text[b - 1] == '"') {
      const std::size_t q = text.rfind('"', b - 2);
      if (q != std::string_view::npos && b - q <= max_local_bytes + 2) b = q;
    }
    if (b == at)
      while (b > 0 && is_local_char(text[b - 1]) && at - b < max_local_bytes) --b;
    std::size_t e = at + 1;
    while (e < text.size() && is_domain_char(text[e]) && e - at <= max_domain_bytes) ++e;
    std::string cleaned = normalize(text.substr(b, e - b), 0);
    if (!cleaned.empty()) return cleaned;
  }
  return {};
}

bool looks_like_address(std::string_view text) noexcept {
  const std::size_t at = separator(text);
  if (at == std::string_view::npos || at == 0 || at + 1 >= text.size()) return false;
  const std::string_view local = text.substr(0, at), domain = text.substr(at + 1);
  if (local.front() == '"') {
    if (local.size() < 2 || local.back() != '"') return false;
  } else {
    for (char c : local)
      if (!is_local_char(c)) return false;
  }
  for (char c : domain)
    if (!is_domain_char(c)) return false;
  if (domain.front() == '[') return domain.back() == ']';
  return domain.find('.') != std::string_view::npos && domain.front() != '.' && domain.back() != '.';
}

std::string clean_address(std::string_view text) {
  std::string normal = normalize(text, 0);
  if (!normal.empty()) return normal;
  // Not an address bounced can spell: kept as written, less the punctuation around it.
  text = trim(text);
  if (istarts_with(text, "rfc822;")) text = trim(text.substr(7));
  while (!text.empty() && (text.front() == '<' || text.front() == '\'' || text.front() == '(')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == '>' || text.back() == '.' || text.back() == '\'' || text.back() == ')' ||
                           text.back() == ',' || text.back() == ';' || text.back() == ':'))
    text.remove_suffix(1);
  if (text.size() >= 2 && text.front() == '"' && text.back() == '"' && text.find('@') == std::string_view::npos)
    text = text.substr(1, text.size() - 2);
  std::string out(text);
  const std::size_t at = out.rfind('@');
  if (at != std::string::npos)
    for (std::size_t i = at + 1; i < out.size(); ++i) out[i] = ascii_lower(out[i]);
  return out;
}

std::string complete_local_part(std::string_view local, std::string_view domain) {
  local = trim(local);
  if (local.empty() || local.size() > 64 || !is_dot_atom(local)) return {};
  std::string d = spell_domain(trim(domain));
  if (d.empty()) return {};
  return std::string(local) + "@" + d;
}

bool is_mailer_daemon(std::string_view address) noexcept {
  return is_system_address(address) && !istarts_with(address, "postmaster");
}

namespace {

// The labels that name an organisation: the last two, or three where the second-to-last is a
// short second-level domain under a country code (example.co.jp, example.com.br).
std::string_view organisation_of(std::string_view domain) {
  while (!domain.empty() && domain.back() == '.') domain.remove_suffix(1);
  const std::size_t last = domain.rfind('.');
  if (last == std::string_view::npos) return domain;
  const std::size_t second = domain.rfind('.', last - 1);
  if (second == std::string_view::npos) return domain;
  const bool country = domain.size() - last - 1 == 2 && last - second - 1 <= 3;
  if (!country) return domain.substr(second + 1);
  const std::size_t third = domain.rfind('.', second - 1);
  return third == std::string_view::npos ? domain : domain.substr(third + 1);
}

}  // namespace

bool same_organisation(std::string_view a, std::string_view b) noexcept {
  if (const std::size_t at = a.rfind('@'); at != std::string_view::npos) a = a.substr(at + 1);
  if (const std::size_t at = b.rfind('@'); at != std::string_view::npos) b = b.substr(at + 1);
  if (a.empty() || b.empty()) return false;
  return iequals(organisation_of(a), organisation_of(b));
}

bool is_system_address(std::string_view address) noexcept {
  const std::size_t at = address.rfind('@');
  std::string_view local = at == std::string_view::npos ? address : address.substr(0, at);
  static constexpr std::array<std::string_view, 7> names = {"mailer-daemon", "mailer_daemon", "mailerdaemon", "mail-daemon",
                                                            "maildaemon", "postmaster", "mail.daemon"};
  for (std::string_view n : names)
    if (iequals(local, n)) return true;
  return false;
}

}  // namespace bounced::parser
