// The fallback decoder: the last resort for a bounce no format decoder claimed. It reads what
// people and mail systems write in a notice, in any of the languages of parser/rules/: a sentence
// that says delivery failed (or is late) and the addresses near it, the remote's words near each
// address, and what the notice says is no failure.
//
// How a line is read: one RE2 set match gives the kinds of phrase it holds (parser/rules.hpp), a
// paragraph's joined lines one more (sentences wrap), and find_addresses every address in it.
// Whose an address is: the bounce's own system (its From, Reply-To, Sender, message ids,
// MAILER-DAEMON and postmaster) never a recipient; the sender's (the bounce's To, the original's
// From, Sender, Return-Path) a recipient only where a list line or a line with the remote's reply
// leads with it (people mail themselves); an address inside a URL, in parentheses on a line led
// by another address (Postfix's "(expanded from <alias>)") or on a sender's line, none.
// Recipients come from the strongest evidence the notice holds:
//   1. an address on a line with a failure sentence, or listed right after one ("did not reach
//      the following recipient(s):", then a list; a bare local part there is completed from the
//      original's addressees);
//   2. an address on a line with a recipient label, an SMTP code or an error phrase, or leading
//      a paragraph whose next lines hold one (qmail's "<address>:" then its error);
//   3. for a notice that states a failure: an address after a to-label ("To:"), else the
//      original's sole addressee (the recipient named by a display name alone).
// Each recipient's diagnostic is the text after its address and the lines that continue it; the
// text a diagnostic label introduces, or the notice's line with an SMTP code, where that tells
// more; the failure sentence where nothing tells. Bounded: at most max_lines lines of at most
// max_text_bytes in all are read, each line matched once and each paragraph once.
#include <algorithm>
#include <array>

#include "parser/decoder.hpp"
#include "parser/header.hpp"
#include "parser/html.hpp"
#include "parser/mime.hpp"
#include "parser/rules.hpp"
#include "parser/scan.hpp"
#include "parser/text.hpp"

namespace bounced::parser {

namespace {

constexpr std::size_t max_text_bytes = 256 * 1024;
constexpr std::size_t max_lines = 4000;
constexpr std::size_t max_paragraph_bytes = 8 * 1024;
constexpr std::size_t max_diagnostic_bytes = 2048;
constexpr std::size_t max_recipients = 500;

struct candidate {
  found_address where;
  bool senders = false;  // the sender's own address: a recipient only where a line leads with it
};

struct line_info {
  std::string_view text;
  phrase_hits hits;       // this line's phrases
  phrase_hits paragraph;  // the phrases of the paragraph it belongs to (sentences wrap)
  std::vector<candidate> addresses;  // the candidates on it, in order
  bool code = false;      // an SMTP reply code or enhanced status code of class 4 or 5
  bool blank = false;
  bool senders_line = false;  // a sender's label names what is on this line
  bool led = false;       // the line leads with its first address (a list entry)
};

bool says_failure(phrase_hits h) { return h.has(phrase_kind::failure) || h.has(phrase_kind::delay); }

bool has_code(std::string_view line) {
  const std::string status = find_status_code(line);
  if (!status.empty() && status[0] != '2') return true;
  const std::string reply = find_defined_reply_code(line, "");
  return !reply.empty() && reply[0] != '2';
}

// Whether position at of line is inside parentheses.
bool in_parentheses(std::string_view line, std::size_t at) {
  int depth = 0;
  for (std::size_t i = 0; i < at && i < line.size(); ++i) {
    if (line[i] == '(') ++depth;
    else if (line[i] == ')' && depth > 0) --depth;
  }
  return depth > 0;
}

// A list line ("  user@example.com", "1. <a@b>", "Recipient: a@b", "a@b: 550 ...") leads with
// its address: at most four short words before it, and the address not in parentheses.
bool leads_with(std::string_view line, std::size_t at) {
  const std::string_view before = trim(line.substr(0, at));
  std::size_t words = 0;
  for (std::size_t i = 0; i < before.size();) {
    while (i < before.size() && (before[i] == ' ' || before[i] == '\t')) ++i;
    if (i < before.size()) ++words;
    while (i < before.size() && before[i] != ' ' && before[i] != '\t') ++i;
  }
  return words <= 4 && before.size() <= 60 && !in_parentheses(line, at);
}

bool indented(std::string_view line) { return !line.empty() && (line.front() == ' ' || line.front() == '\t'); }

// Whether the words just before position at name a sender ("MAIL FROM:<a@b>", "envelope-from
// <a@b>", "Domain of sender address a@b"): the address there is the sender's, whoever it is.
bool sender_context(std::string_view line, std::size_t at) {
  const std::size_t from = at > 24 ? at - 24 : 0;
  const std::string before = to_lower(line.substr(from, at - from));
  for (std::string_view w : {"mail from:", "mail from: <", "mail from:<", "envelope-from", "sender address", "sender <", "sender:",
                             "message from <", "message from:", "mail from <"})
    if (before.find(w) != std::string::npos) return true;
  return false;
}

// Whether the text before position at of line is punctuation and white space alone: the line
// starts with the address ("<a@b>: host ... said", "  a@b").
bool starts_with_address(std::string_view line, std::size_t at) {
  for (std::size_t i = 0; i < at && i < line.size(); ++i)
    if (line[i] != ' ' && line[i] != '\t' && line[i] != '<' && line[i] != '"' && line[i] != '\'' && line[i] != '*' && line[i] != '-' &&
        line[i] != '(' && line[i] != '[')
      return false;
  return true;
}

void add_addresses(std::string_view value, std::vector<std::string>& to) {
  for (const found_address& f : find_addresses(value)) to.push_back(to_lower(f.address));
}

// The text after an address on its line, less the punctuation that joins them.
std::string_view after_address(std::string_view line, const found_address& a) {
  std::string_view rest = line.substr(std::min(a.end, line.size()));
  while (!rest.empty() && (rest.front() == '>' || rest.front() == ':' || rest.front() == '/' || rest.front() == '.' ||
                           rest.front() == ',' || rest.front() == ';' || rest.front() == ' ' || rest.front() == '\t' ||
                           rest.front() == '-' || rest.front() == '\'' || rest.front() == '"' || rest.front() == ')'))
    rest.remove_prefix(1);
  return rest;
}

// A notice read once: its lines with their phrases, codes and candidate addresses.
struct notice {
  std::string own_text;  // the text read when it had to be made (HTML, undecoded quoted-printable)
  std::vector<line_info> lines;
  std::vector<std::string> system_own, sender_own;  // lower case
  std::vector<std::string> addressees;              // the original's To and Cc, as spelt
  std::string bounce_domain;        // the domain of the notice's From
  phrase_hits subject;
  bool failure = false, delay = false, not_failure = false, codes = false;
  std::vector<std::size_t> labels;  // lines with a diagnostic label
  std::size_t first_code = 0;       // the first line with a code (lines.size() when none)
  std::string failure_sentence;     // the failure paragraphs' text
};

// Quoted-printable that no Content-Transfer-Encoding announced (a part mimetic could not split,
// a notice pasted): soft line breaks and =3D, =20 or =E2-like escapes on many lines.
bool undecoded_quoted_printable(std::string_view text) {
  std::size_t soft = 0;
  for (std::size_t at = text.find("=\n"); at != std::string_view::npos && soft < 3; at = text.find("=\n", at + 2)) ++soft;
  return soft >= 3 && (text.find("=3D") != std::string_view::npos || text.find("=20") != std::string_view::npos ||
                       text.find("=E2") != std::string_view::npos);
}

void read_notice(const mail& m, const decoding_rules& rules, notice& n) {
  n.subject = rules.match(m.subject());
  const std::string_view whole = m.notice();
  std::string_view text = whole.substr(0, std::min(whole.size(), max_text_bytes));
  if (looks_like_html(text)) {
    n.own_text = html_to_text(text);
    text = n.own_text;
  } else if (undecoded_quoted_printable(text)) {
    n.own_text = decode_quoted_printable(text);
    text = n.own_text;
  }
  // Whose addresses are whose: the original's headers, read from the notice's quoted copy when
  // no part holds them.
  std::vector<header_field> quoted;
  const std::vector<header_field>* original = &m.original_headers;
  if (m.original_headers.empty() && m.notice_size < m.body_text.size()) {
    mail copy;
    const std::size_t eol = m.body_text.find('\n', m.notice_size);
    if (eol != std::string::npos) read_inline_original(std::string_view(m.body_text).substr(eol + 1), copy);
    quoted = std::move(copy.original_headers);
    original = &quoted;
  }
  if (const std::size_t at = m.from().rfind('@'); at != std::string::npos) n.bounce_domain = to_lower(m.from().substr(at + 1));
  for (std::string_view name : {"From", "Reply-To", "Sender", "Errors-To", "Message-ID", "In-Reply-To", "References"})
    add_addresses(m.header(name), n.system_own);
  add_addresses(header_or_empty(*original, "Message-ID"), n.system_own);
  for (std::string_view name : {"To", "Return-Path"}) add_addresses(m.header(name), n.sender_own);
  for (std::string_view name : {"From", "Sender", "Reply-To", "Return-Path", "Errors-To"})
    add_addresses(header_or_empty(*original, name), n.sender_own);
  for (std::string_view name : {"To", "Cc"})
    for (const found_address& f : find_addresses(header_or_empty(*original, name))) n.addressees.push_back(f.address);
  auto among = [](const std::vector<std::string>& set, const std::string& a) { return std::find(set.begin(), set.end(), a) != set.end(); };

  bool sender_carries = false;  // "A message sent by" and its address on the next line
  for (std::string_view l : split_lines(text)) {
    if (n.lines.size() >= max_lines) break;
    line_info info;
    info.text = l;
    info.blank = trim(l).empty();
    if (info.blank) {
      n.lines.push_back(std::move(info));
      continue;
    }
    info.hits = rules.match(l);
    // The quoted original starts here (a marker line in the notice's own language).
    if (info.hits.has(phrase_kind::original) && !n.lines.empty()) break;
    info.code = has_code(l);
    // A line that continues the one before it (indented, no empty line between) explains an
    // address above; the sender's own address is no recipient there.
    const bool continuation = indented(l) && !n.lines.empty() && !n.lines.back().blank;
    std::vector<found_address> found = find_addresses(l);
    const bool names_any = !found.empty();
    for (found_address& f : found) {
      const std::string lower = to_lower(f.address);
      if (f.in_url || among(n.system_own, lower) || sender_context(l, f.begin)) continue;
      // A mailer daemon is never a recipient; a postmaster is one only of another organisation
      // than the notice's own (mail sent to postmaster@ a domain, refused there).
      if (is_mailer_daemon(f.address) || (is_system_address(f.address) && (n.bounce_domain.empty() || same_organisation(f.address, n.bounce_domain))))
        continue;
      const bool senders = among(n.sender_own, lower);
      if (senders && (continuation || !starts_with_address(l, f.begin))) continue;
      info.addresses.push_back({std::move(f), senders});
    }
    info.led = !info.addresses.empty() && leads_with(l, info.addresses.front().where.begin);
    info.senders_line = (info.hits.has(phrase_kind::sender_label) && !info.hits.has(phrase_kind::recipient_label)) ||
                        (sender_carries && info.led);
    // "A message sent by" names its address on the next line with one (empty lines aside).
    sender_carries = info.hits.has(phrase_kind::sender_label) && !names_any;
    n.lines.push_back(std::move(info));
  }
  auto& lines = n.lines;
  // Each paragraph's phrases, read over its joined lines: "could not\nbe delivered" wraps.
  for (std::size_t start = 0; start < lines.size();) {
    while (start < lines.size() && lines[start].blank) ++start;
    std::size_t end = start;
    std::string joined;
    while (end < lines.size() && !lines[end].blank) {
      if (joined.size() < max_paragraph_bytes) {
        joined += ' ';
        joined += trim(lines[end].text);
      }
      ++end;
    }
    const phrase_hits hits = end - start > 1 ? rules.match(joined) : (start < lines.size() ? lines[start].hits : phrase_hits{});
    for (std::size_t i = start; i < end; ++i) lines[i].paragraph = hits;
    start = end;
  }
  n.failure = n.subject.has(phrase_kind::failure);
  n.delay = n.subject.has(phrase_kind::delay);
  n.first_code = lines.size();
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const line_info& l = lines[i];
    n.failure = n.failure || l.paragraph.has(phrase_kind::failure);
    n.delay = n.delay || l.paragraph.has(phrase_kind::delay);
    n.not_failure = n.not_failure || l.paragraph.has(phrase_kind::not_failure);
    n.codes = n.codes || l.code;
    if (l.hits.has(phrase_kind::diagnostic_label)) n.labels.push_back(i);
    if (l.code && n.first_code == lines.size()) n.first_code = i;
    if (says_failure(l.paragraph) && n.failure_sentence.size() < max_diagnostic_bytes / 2) {
      n.failure_sentence += trim(l.text);
      n.failure_sentence += ' ';
    }
  }
}

// How much a diagnostic tells: 2 with an SMTP code (the remote's own words), 1 with an error
// phrase, 0 with neither.
int telling(std::string_view diagnostic, const decoding_rules& rules) {
  if (has_code(diagnostic)) return 2;
  return rules.match(diagnostic).has(phrase_kind::error) ? 1 : 0;
}

// A diagnostic label's text: the rest of its line after the label's colon (or the whole line when
// the label is a sentence such as "Remote Server returned '550 ...'"), else the next lines.
std::string label_text(const std::vector<line_info>& lines, std::size_t i) {
  std::string_view line = trim(lines[i].text);
  const std::size_t colon = line.find(':');
  std::string_view rest = colon != std::string_view::npos && colon + 1 < line.size() ? trim(line.substr(colon + 1)) : std::string_view();
  if (colon == std::string_view::npos) rest = line;
  // The label's end is not known: where the text after the first colon lost the code the whole
  // line has ("Remote Server returned '550 5.4.1 Recipient address rejected: Access denied'"),
  // the line is the text.
  if (!has_code(rest) && has_code(line)) rest = line;
  std::string out(rest);
  if (has_code(out) || out.size() > 12) return out;
  // "The response from the remote server was:" then the reply on the next lines.
  for (std::size_t j = i + 1; j < lines.size() && j < i + 6; ++j) {
    if (lines[j].blank) {
      if (out.empty()) continue;
      break;
    }
    if (!out.empty()) out += ' ';
    out += trim(lines[j].text);
    if (out.size() > max_diagnostic_bytes) break;
  }
  return out;
}

// The diagnostic that follows an address: the rest of its line and the lines that continue it
// (to an empty line or another address's line).
std::string diagnostic_after(const std::vector<line_info>& lines, std::size_t i, const found_address& a) {
  // A line that leads with the address explains it after it; a sentence that names it midway
  // ("SMTP:RCPT host ...: 553 5.3.0 <a@b>... No such user") is the diagnostic whole.
  const line_info& l = lines[i];
  std::string out(l.led ? after_address(l.text, a) : trim(l.text));
  // "a@b<mailto:a@b>", "a@b (a@b)": the same address again, joined by punctuation alone.
  if (l.led)
    for (const candidate& other : l.addresses) {
      if (other.where.begin < a.end || other.where.address != a.address) continue;
      const std::string_view between = l.text.substr(a.end, other.where.begin - a.end);
      if (between.size() <= 9 && (between.find_first_not_of(" <>()[]:mailto") == std::string_view::npos))
        out = std::string(after_address(l.text, other.where));
    }
  for (std::size_t j = i + 1; j < lines.size() && j < i + 6; ++j) {
    const line_info& next = lines[j];
    if (next.blank || says_failure(next.hits)) break;
    if (next.led && next.addresses.front().where.address != a.address) break;
    if (next.senders_line || next.hits.has(phrase_kind::original)) break;
    if (!out.empty()) out += ' ';
    out += trim(next.text);
    if (out.size() > max_diagnostic_bytes) break;
  }
  return out;
}

// The diagnostic for the address a on line li: every line naming the address offers its text,
// then the diagnostic labels (after the address, else the only one), then the notice's first
// line with a code; the first that tells most wins (an SMTP code over an error phrase over
// words), and the failure sentence when nothing tells.
std::string diagnostic_for(const notice& n, const decoding_rules& rules, std::size_t li, const found_address& a) {
  const auto& lines = n.lines;
  std::string best = diagnostic_after(lines, li, a);
  int score = telling(best, rules);
  auto offer = [&](std::string said) {
    const int s = telling(said, rules);
    if (s > score) {
      best = std::move(said);
      score = s;
    }
  };
  for (std::size_t i = 0; i < lines.size() && score < 2; ++i)
    for (const candidate& other : lines[i].addresses)
      if (other.where.address == a.address && i != li) offer(diagnostic_after(lines, i, other.where));
  for (std::size_t i : n.labels)
    if (score < 2 && (i > li || n.labels.size() == 1)) offer(label_text(lines, i));
  // The notice's first line with a code, unless it speaks of another address.
  if (score < 2 && n.first_code < lines.size() &&
      std::all_of(lines[n.first_code].addresses.begin(), lines[n.first_code].addresses.end(),
                  [&](const candidate& c) { return c.where.address == a.address; }))
    offer(std::string(trim(lines[n.first_code].text)));
  if (score == 0 && !n.failure_sentence.empty() && (trim(best).size() < 8 || says_failure(lines[li].hits))) best = n.failure_sentence;
  return fold_space(std::string_view(best).substr(0, std::min(best.size(), max_diagnostic_bytes)));
}

// A session transcript in a diagnostic (">>> RCPT TO:<a@b>" then "<<< 550 5.1.1 ..."), as
// Sendmail, Courier and others quote it: the remote's reply is the diagnostic, the command sent
// before it the command, and the host named before the transcript ("[192.0.2.1] [192.0.2.1]:",
// "... while talking to mx.example.com.:") the remote host. Other text is kept as it is.
void set_diagnostic(recipient_report& r, std::string text) {
  const std::size_t reply = text.find("<<< ");
  if (reply == std::string::npos) {
    r.diagnostic = std::move(text);
    return;
  }
  std::string said, command;
  for (std::size_t at = text.find("<<< "); at != std::string::npos; at = text.find("<<< ", at + 4)) {
    std::size_t end = std::min(text.find("<<< ", at + 4), text.find(">>> ", at + 4));
    if (end == std::string::npos) end = text.size();
    const std::string_view part = trim(std::string_view(text).substr(at + 4, end - at - 4));
    const bool failure = !part.empty() && (part[0] == '4' || part[0] == '5');
    if (failure || !said.empty()) {
      if (!said.empty() && !failure) break;
      if (!said.empty()) said += ' ';
      said += part;
    }
  }
  if (said.empty()) {
    r.diagnostic = std::move(text);
    return;
  }
  if (r.command.empty()) r.command = find_command(std::string_view(text).substr(0, reply + 4 + said.size()));
  if (r.rhost.empty()) {
    std::string_view before = trim(std::string_view(text).substr(0, std::min(text.find(">>> "), reply)));
    const std::size_t talking = ifind(before, "while talking to ");
    if (talking != std::string_view::npos) before = before.substr(talking + 17);
    if (!before.empty() && before.size() < 300 && before.find(' ') == before.rfind(' ')) r.rhost = host_of(before);
  }
  r.diagnostic = std::move(said);
}

// A found recipient: the line it stands on and the address, or a bare local part completed.
struct pick {
  std::size_t line = 0;
  found_address where;
};

// The candidates of a list line: its leading address (and the same address again, "a@b
// <mailto:a@b>"), the sender's own included; or a bare local part ("  kijitora") completed from
// the original's addressees.
void take_list_line(const notice& n, std::size_t i, std::vector<pick>& into, std::vector<std::string_view>& bare) {
  const line_info& l = n.lines[i];
  if (l.senders_line) return;
  if (l.led) {
    const candidate& first = l.addresses.front();
    for (const candidate& c : l.addresses)
      if (c.where.address == first.where.address) into.push_back({i, c.where});
    return;
  }
  if (!l.addresses.empty()) return;
  // "  kijitora" or "<kijitora>:" alone: the local part of one of the original's addressees.
  std::string_view word = trim(l.text);
  while (!word.empty() && (word.front() == '<' || word.front() == '"')) word.remove_prefix(1);
  while (!word.empty() && (word.back() == '>' || word.back() == ':' || word.back() == '"' || word.back() == ',')) word.remove_suffix(1);
  if (word.empty() || word.size() > 64 || word.find_first_of(" \t@") != std::string_view::npos) return;
  for (const std::string& a : n.addressees) {
    const std::size_t at = a.rfind('@');
    if (at != std::string::npos && iequals(std::string_view(a).substr(0, at), word)) {
      found_address f;
      f.address = a;
      f.begin = static_cast<std::size_t>(word.data() - l.text.data());
      f.end = f.begin + word.size();
      into.push_back({i, f});
      return;
    }
  }
  // A pipe ("|/usr/bin/procmail") or a file ("/var/mail/bob") is a local delivery's target, no
  // local part.
  if (word.find_first_of("<>()[]:;,\"'*_=|/") == std::string_view::npos) bare.push_back(word);
}

}  // namespace

bool decode_fallback(const mail& m, const decoding_rules& rules, report& out) {
  // A bounce at all: its envelope, sender or subject say so, it is a report or returns the
  // original, it is a notice's text alone (no header), or it opens with a failure sentence (its
  // first lines, joined: one match decides for most mail that is no bounce).
  const bool headerless = m.header("From").empty() && m.header("Received").empty() && m.header("Date").empty();
  if (!looks_like_bounce(m) && m.delivery_status == nullptr && m.original == nullptr && !headerless) {
    const std::string_view notice_text = m.notice();
    std::string opening(m.subject());
    std::size_t at = 0;
    for (int line = 0; line < 30 && at < notice_text.size() && opening.size() < 4096; ++line) {
      std::size_t eol = notice_text.find('\n', at);
      if (eol == std::string_view::npos) eol = notice_text.size();
      opening += ' ';
      opening += notice_text.substr(at, eol - at);
      at = eol + 1;
    }
    if (!says_failure(rules.match(looks_like_html(opening) ? html_to_text(opening) : opening))) return false;
  }
  notice n;
  read_notice(m, rules, n);
  const auto& lines = n.lines;
  const bool failure = n.failure, delay = n.delay;
  // A notice that says it is no failure and names none is none.
  if (!failure && !delay && n.not_failure) return false;

  std::vector<pick> tier1, tier2, tier3;
  std::vector<std::string_view> bare;  // single words listed after a failure, matching no addressee
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const line_info& l = lines[i];
    if (l.blank) continue;
    // Tier 1: the failure sentence names the address ("Your message to a@b couldn't be delivered").
    if (says_failure(l.hits) && !l.senders_line)
      for (const candidate& c : l.addresses)
        if (!c.senders && !(l.led && c.where.address != l.addresses.front().where.address && in_parentheses(l.text, c.where.begin)))
          tier1.push_back({i, c.where});
    // The list after a failure sentence: it ends its paragraph, or its line says it.
    const bool ends_failure_paragraph = says_failure(l.paragraph) && (i + 1 == lines.size() || lines[i + 1].blank);
    if (says_failure(l.hits) || ends_failure_paragraph) {
      // A sentence that ends with a colon announces its list, which may follow a line or two on;
      // otherwise the list follows at once (blank lines aside).
      const std::string_view said = trim(l.text);
      const bool announces = !said.empty() && (said.back() == ':' || said.back() == '-');
      std::size_t collected = 0, loose = 0, blanks = 0;
      for (std::size_t j = i + 1; j < lines.size() && j < i + 60; ++j) {
        const line_info& next = lines[j];
        if (next.blank) {
          if (++blanks > 3) break;
          continue;
        }
        blanks = 0;
        if (says_failure(next.hits) && !next.led) break;
        if (next.senders_line) {
          if (collected > 0) break;
          continue;
        }
        const std::size_t before = tier1.size();
        if (!next.hits.has(phrase_kind::to_label) && (next.led || next.addresses.empty()) &&
            (collected == 0 || !indented(next.text) || next.led))
          take_list_line(n, j, tier1, bare);
        if (tier1.size() > before) {
          ++collected;
          continue;
        }
        if (collected > 0) {
          if (indented(next.text) || next.addresses.empty()) continue;  // a listed address's reason
          break;
        }
        if (++loose > (announces ? 2U : 0U)) break;
      }
    }
    if (l.addresses.empty() || l.senders_line) continue;
    // Tier 2 and 3: a label, a code or an error phrase near the address.
    bool near = l.hits.has(phrase_kind::recipient_label) || l.code || l.hits.has(phrase_kind::error) ||
                l.hits.has(phrase_kind::diagnostic_label);
    if (!near && l.led) {
      for (std::size_t j = i + 1; j < lines.size() && j < i + 4 && !lines[j].blank; ++j) {
        if (lines[j].led) break;
        if (lines[j].code || lines[j].hits.has(phrase_kind::error)) near = true;
      }
    }
    if (!near && !l.hits.has(phrase_kind::to_label)) continue;
    auto& tier = near ? tier2 : tier3;
    for (std::size_t a = 0; a < l.addresses.size(); ++a) {
      const candidate& c = l.addresses[a];
      // A line led by an address speaks of it; others on it in parentheses are comments, and
      // the sender's own address counts only where it leads the line.
      if (l.led && a > 0 && (c.where.address == l.addresses.front().where.address || in_parentheses(l.text, c.where.begin))) continue;
      if (c.senders && !(l.led && a == 0 && near)) continue;
      tier.push_back({i, c.where});
    }
  }
  // An address alone in the paragraph before a failure paragraph ("Delivery of email to this
  // address\n\n\"a@b\"\n\nhas failed due to a full mailbox.") is in the sentence too.
  for (std::size_t i = 1; i < lines.size(); ++i) {
    if (lines[i].blank || !lines[i - 1].blank || !says_failure(lines[i].paragraph) || says_failure(lines[i - 1].paragraph)) continue;
    std::size_t end = i - 1;
    while (end > 0 && lines[end].blank) --end;
    std::size_t start = end;
    while (start > 0 && !lines[start - 1].blank) --start;
    if (end - start > 4) continue;
    bool list = true;
    for (std::size_t j = start; j <= end && list; ++j)
      list = lines[j].led && !lines[j].senders_line && trim(after_address(lines[j].text, lines[j].addresses.back().where)).empty();
    if (list)
      for (std::size_t j = start; j <= end; ++j) tier1.push_back({j, lines[j].addresses.front().where});
  }

  const bool stated = failure || delay;
  const std::vector<pick>* chosen = !tier1.empty() ? &tier1 : !tier2.empty() ? &tier2 : stated && !tier3.empty() ? &tier3 : nullptr;
  if (chosen == nullptr) {
    if (!stated) return false;
    // The original's sole addressee, when the notice names the recipient in no address form
    // (a display name alone, an X.500 name): the address the sender used is the one that failed.
    std::vector<std::string> addressees;
    for (const std::string& a : n.addressees) {
      const std::string lower = to_lower(a);
      if (!is_system_address(a) && std::find(n.system_own.begin(), n.system_own.end(), lower) == n.system_own.end() &&
          std::find(n.sender_own.begin(), n.sender_own.end(), lower) == n.sender_own.end() &&
          std::none_of(addressees.begin(), addressees.end(), [&](const std::string& x) { return iequals(x, a); }))
        addressees.push_back(a);
    }
    // One bare local part listed after the failure, and the original's addressees all of one
    // domain: the domain that bounced completes it ("jsmith" for mail to example.com).
    std::string domain;
    for (const std::string& a : addressees) {
      const std::string d = to_lower(std::string_view(a).substr(a.rfind('@') + 1));
      if (!domain.empty() && domain != d) {
        domain.clear();
        break;
      }
      domain = d;
    }
    const std::string completed = bare.size() == 1 && !domain.empty() ? complete_local_part(bare.front(), domain) : std::string();
    if (addressees.size() != 1 && completed.empty()) return false;
    const std::string spelt = completed.empty() ? addressees.front() : completed;
    recipient_report& r = add_recipient(out, spelt);
    // The notice's line with a code, else the first with an error phrase after a failure sentence.
    std::string said = n.first_code < lines.size() ? std::string(trim(lines[n.first_code].text)) : std::string();
    for (std::size_t i = 0, seen = 0; said.empty() && i < lines.size(); ++i) {
      seen = seen || says_failure(lines[i].paragraph);
      if (seen && !says_failure(lines[i].paragraph) && lines[i].hits.has(phrase_kind::error)) said = trim(lines[i].text);
    }
    if (said.empty()) said = n.failure_sentence;
    r.diagnostic = fold_space(std::string_view(said).substr(0, std::min(said.size(), max_diagnostic_bytes)));
    r.action = !failure && delay ? "delayed" : "failed";
    return true;
  }
  for (const pick& p : *chosen) {
    if (out.recipients.size() >= max_recipients) break;
    const bool fresh = std::none_of(out.recipients.begin(), out.recipients.end(),
                                    [&](const recipient_report& r) { return iequals(r.recipient, p.where.address); });
    recipient_report& r = add_recipient(out, p.where.address);
    if (!fresh && telling(r.diagnostic, rules) > 0) continue;
    set_diagnostic(r, diagnostic_for(n, rules, p.line, p.where));
    r.action = delay && !failure ? "delayed" : "failed";
  }
  return !out.recipients.empty();
}

namespace {

// A recipient the decoder could say little of: no diagnostic (Courier's delay notice: Status
// 4.0.0, the remote's reply only in the text; Exchange 2007: Status 5.1.1 and the reply only in
// the text).
bool needs_words(const recipient_report& r) { return r.diagnostic.empty(); }

bool generic_status(std::string_view status) { return status.empty() || (status.size() == 5 && status.substr(1) == ".0.0"); }

// Whether the notice's words for a recipient agree with the status the report gave it: a
// generic or missing status takes any; a specific one only words that state it, or no status
// and a reply code of its class.
bool agrees(const recipient_report& r, std::string_view said) {
  if (generic_status(r.status)) return true;
  const std::string stated = find_status_code(said);
  if (!stated.empty()) return stated == r.status;
  const std::string reply = find_reply_code(said);
  return reply.empty() || reply[0] == r.status[0];
}

}  // namespace

void complete_from_notice(const mail& m, const decoding_rules& rules, report& out) {
  if (std::none_of(out.recipients.begin(), out.recipients.end(), needs_words)) return;
  notice n;
  read_notice(m, rules, n);
  for (recipient_report& r : out.recipients) {
    if (!needs_words(r)) continue;
    for (std::size_t i = 0; i < n.lines.size() && r.diagnostic.empty(); ++i)
      for (const candidate& a : n.lines[i].addresses)
        if (iequals(a.where.address, r.recipient)) {
          // Only the remote's words or an error's: the failure sentence tells nothing new.
          std::string said = diagnostic_for(n, rules, i, a.where);
          // The remote's code, or an error phrase in words that are no failure sentence (the
          // phrases read once: telling()'s test, without its second match).
          bool tells = has_code(said);
          if (!tells) {
            const phrase_hits hits = rules.match(said);
            tells = hits.has(phrase_kind::error) && !says_failure(hits);
          }
          if (tells && agrees(r, said)) set_diagnostic(r, std::move(said));
          break;
        }
  }
}

}  // namespace bounced::parser
