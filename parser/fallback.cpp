// The fallback decoder: the last resort for a bounce no format decoder claimed. It reads what
// people and mail systems write in a notice, in any of the languages of parser/rules/: a sentence
// that says delivery failed (or is late) and the addresses near it, the remote's words near each
// address, and what the notice says is no failure.
//
// How a line is read: one RE2 set match gives the kinds of phrase it holds (parser/rules.hpp), a
// paragraph's joined lines one more (sentences wrap), and find_addresses every address in it.
// The bounce's own addresses (its From, To, Reply-To, the original's sender, MAILER-DAEMON and
// postmaster, message ids, addresses inside URLs, on a sender's line) are never recipients.
// Recipients come from the strongest evidence the notice holds:
//   1. an address in a failure sentence, or listed right after one ("did not reach the following
//      recipient(s):", then a list);
//   2. an address on a line with a recipient label, an SMTP code or an error phrase, or leading
//      a paragraph whose next lines hold one (qmail's "<address>:" then its error);
//   3. an address after a to-label ("To:") in the notice, the original's sole addressee, or a
//      bare local part completed with its domain: only for a notice that states a failure.
// Each recipient's diagnostic is the text after its address and the lines that continue it;
// failing that, the text a diagnostic label introduces; failing that, the notice's one line with
// an SMTP code; failing that, the failure sentence itself. Bounded: at most max_lines lines of at
// most max_text_bytes in all are read, each line matched once.
#include <algorithm>
#include <array>

#include "parser/decoder.hpp"
#include "parser/header.hpp"
#include "parser/html.hpp"
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

struct line_info {
  std::string_view text;
  phrase_hits hits;        // this line's phrases
  phrase_hits paragraph;   // the phrases of the paragraph it belongs to (sentences wrap)
  std::vector<found_address> addresses;  // the candidates on it (own addresses dropped)
  bool code = false;       // an SMTP reply code or enhanced status code of class 4 or 5
  bool blank = false;
};

bool says_failure(phrase_hits h) { return h.has(phrase_kind::failure) || h.has(phrase_kind::delay); }

bool has_code(std::string_view line) {
  const std::string status = find_status_code(line);
  if (!status.empty() && status[0] != '2') return true;
  const std::string reply = find_defined_reply_code(line, "");
  return !reply.empty() && reply[0] != '2';
}

// The words before the first address: a list line ("  user@example.com", "1. <a@b>",
// "Recipient: a@b") leads with it; a sentence that mentions an address further on does not.
bool address_led(const line_info& l) {
  if (l.addresses.empty()) return false;
  const std::string_view before = trim(l.text.substr(0, l.addresses.front().begin));
  std::size_t words = 0;
  for (std::size_t i = 0; i < before.size();) {
    while (i < before.size() && (before[i] == ' ' || before[i] == '\t')) ++i;
    if (i < before.size()) ++words;
    while (i < before.size() && before[i] != ' ' && before[i] != '\t') ++i;
  }
  return words <= 4 && before.size() <= 60;
}

bool indented(std::string_view line) { return !line.empty() && (line.front() == ' ' || line.front() == '\t'); }

// The addresses that are the bounce's own, lower-cased: never recipients.
std::vector<std::string> own_addresses(const mail& m) {
  std::vector<std::string> own;
  auto add = [&](std::string_view value) {
    for (const found_address& f : find_addresses(value)) own.push_back(to_lower(f.address));
  };
  for (std::string_view name : {"From", "To", "Reply-To", "Sender", "Return-Path", "Errors-To", "Message-ID", "In-Reply-To", "References"})
    add(m.header(name));
  for (std::string_view name : {"From", "Sender", "Reply-To", "Return-Path", "Message-ID", "Errors-To"})
    add(header_or_empty(m.original_headers, name));
  return own;
}

// The text after an address on its line, less the punctuation that joins them.
std::string_view after_address(std::string_view line, const found_address& a) {
  std::string_view rest = line.substr(std::min(a.end, line.size()));
  while (!rest.empty() && (rest.front() == '>' || rest.front() == ':' || rest.front() == '.' || rest.front() == ',' ||
                           rest.front() == ';' || rest.front() == ' ' || rest.front() == '\t' || rest.front() == '-' ||
                           rest.front() == '\'' || rest.front() == '"' || rest.front() == ')'))
    rest.remove_prefix(1);
  return rest;
}

// A diagnostic label's text: the rest of its line after the label's colon (or the whole line when
// the label is a sentence such as "Remote Server returned '550 ...'"), else the next lines.
std::string label_text(const std::vector<line_info>& lines, std::size_t i) {
  std::string_view line = trim(lines[i].text);
  const std::size_t colon = line.find(':');
  std::string_view rest = colon != std::string_view::npos && colon + 1 < line.size() ? trim(line.substr(colon + 1)) : std::string_view();
  if (colon == std::string_view::npos) rest = line;
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
  std::string out(address_led(lines[i]) ? after_address(lines[i].text, a) : trim(lines[i].text));
  // Another address on the same line ("a@b <mailto:a@b>") starts no diagnostic of its own.
  if (address_led(lines[i]))
    for (const found_address& other : lines[i].addresses)
      if (other.begin >= a.end && other.address == a.address) out = std::string(after_address(lines[i].text, other));
  for (std::size_t j = i + 1; j < lines.size() && j < i + 6; ++j) {
    if (lines[j].blank || says_failure(lines[j].hits)) break;
    if (!lines[j].addresses.empty() && address_led(lines[j]) && lines[j].addresses.front().address != a.address) break;
    if (lines[j].hits.has(phrase_kind::sender_label) || lines[j].hits.has(phrase_kind::original)) break;
    if (!out.empty()) out += ' ';
    out += trim(lines[j].text);
    if (out.size() > max_diagnostic_bytes) break;
  }
  return out;
}

// How much a diagnostic tells: 2 with an SMTP code (the remote's own words), 1 with an error
// phrase, 0 with neither.
int telling(std::string_view diagnostic, const decoding_rules& rules) {
  if (has_code(diagnostic)) return 2;
  return rules.match(diagnostic).has(phrase_kind::error) ? 1 : 0;
}

// A notice read once: its lines with their phrases, codes and candidate addresses.
struct notice {
  std::string html_text;  // the text of an HTML-only notice
  std::vector<line_info> lines;
  std::vector<std::string> own;
  phrase_hits subject;
  bool failure = false, delay = false, not_failure = false, codes = false;
  std::vector<std::size_t> labels;  // lines with a diagnostic label
  std::size_t first_code = 0;       // the first line with a code (lines.size() when none)
  std::string failure_sentence;     // the failure paragraphs' text
};

void read_notice(const mail& m, const decoding_rules& rules, notice& n) {
  n.subject = rules.match(m.subject());
  const std::string_view whole = m.notice();
  std::string_view text = whole.substr(0, std::min(whole.size(), max_text_bytes));
  if (looks_like_html(text)) {
    n.html_text = html_to_text(text);
    text = n.html_text;
  }
  n.own = own_addresses(m);
  for (std::string_view l : split_lines(text)) {
    if (n.lines.size() >= max_lines) break;
    line_info info;
    info.text = l;
    info.blank = trim(l).empty();
    if (!info.blank) {
      info.hits = rules.match(l);
      // The quoted original starts here (a marker line in the notice's own language).
      if (info.hits.has(phrase_kind::original) && !n.lines.empty()) break;
      info.code = has_code(l);
      for (found_address& f : find_addresses(l)) {
        if (f.in_url || is_system_address(f.address)) continue;
        if (std::find(n.own.begin(), n.own.end(), to_lower(f.address)) != n.own.end()) continue;
        info.addresses.push_back(std::move(f));
      }
    }
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
    for (const found_address& other : lines[i].addresses)
      if (other.address == a.address && i != li) offer(diagnostic_after(lines, i, other));
  for (std::size_t i : n.labels)
    if (score < 2 && (i > li || n.labels.size() == 1)) offer(label_text(lines, i));
  if (score < 2 && n.first_code < lines.size()) offer(std::string(trim(lines[n.first_code].text)));
  if (score == 0 && !n.failure_sentence.empty() && (trim(best).size() < 8 || says_failure(lines[li].hits))) best = n.failure_sentence;
  return fold_space(std::string_view(best).substr(0, std::min(best.size(), max_diagnostic_bytes)));
}

}  // namespace

bool decode_fallback(const mail& m, const decoding_rules& rules, report& out) {
  notice n;
  read_notice(m, rules, n);
  const auto& lines = n.lines;
  const bool failure = n.failure, delay = n.delay;
  const bool headerless = m.header("From").empty() && m.header("Received").empty() && m.header("Date").empty();
  const bool early_failure = std::any_of(lines.begin(), lines.begin() + static_cast<std::ptrdiff_t>(std::min<std::size_t>(lines.size(), 30)),
                                         [](const line_info& l) { return says_failure(l.paragraph); });
  // A bounce at all: its envelope, sender or subject say so, it is a report or returns the
  // original, it is a notice's text alone (no header), or it opens with a failure sentence.
  if (!looks_like_bounce(m) && !says_failure(n.subject) && m.delivery_status == nullptr && m.original == nullptr && !headerless &&
      !early_failure)
    return false;
  // A notice that says it is no failure and names none is none.
  if (!failure && !delay && n.not_failure) return false;
  // Tier 1: addresses in a failure sentence or in the list that follows one.
  std::vector<std::pair<std::size_t, std::size_t>> tier1, tier2, tier3;  // (line, address index)
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const line_info& l = lines[i];
    if (l.hits.has(phrase_kind::sender_label) && !l.hits.has(phrase_kind::recipient_label)) continue;
    if (says_failure(l.hits) || (says_failure(l.paragraph) && !address_led(l) && !l.addresses.empty() && !l.hits.has(phrase_kind::to_label)))
      for (std::size_t a = 0; a < l.addresses.size(); ++a) tier1.emplace_back(i, a);
    // The list after a failure sentence (its paragraph's last line).
    const bool ends_failure_paragraph = says_failure(l.paragraph) && (i + 1 == lines.size() || lines[i + 1].blank);
    if (!says_failure(l.hits) && !ends_failure_paragraph) continue;
    const bool announces = !trim(l.text).empty() && (trim(l.text).back() == ':' || ends_failure_paragraph);
    std::size_t collected = 0, loose = 0, blanks = 0;
    for (std::size_t j = i + 1; j < lines.size() && j < i + 60; ++j) {
      const line_info& next = lines[j];
      if (next.blank) {
        if (++blanks > 3) break;
        continue;
      }
      blanks = 0;
      if (says_failure(next.hits) || next.hits.has(phrase_kind::original)) break;
      if (next.hits.has(phrase_kind::sender_label) && !next.hits.has(phrase_kind::recipient_label)) {
        if (collected > 0) break;
        continue;
      }
      if (address_led(next) && !next.hits.has(phrase_kind::to_label)) {
        for (std::size_t a = 0; a < next.addresses.size(); ++a)
          if (a == 0 || next.addresses[a].address == next.addresses[0].address) tier1.emplace_back(j, a);
        ++collected;
        continue;
      }
      if (collected > 0) {
        if (indented(next.text) || next.addresses.empty()) continue;  // a listed address's reason
        break;
      }
      if (++loose > (announces ? 3U : 1U)) break;
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
    for (std::size_t j = start; j <= end && list; ++j) list = address_led(lines[j]) && trim(after_address(lines[j].text, lines[j].addresses.back())).empty();
    if (list)
      for (std::size_t j = start; j <= end; ++j) tier1.emplace_back(j, 0);
  }
  // Tier 2 and 3: addresses with a label, a code or an error phrase near them.
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const line_info& l = lines[i];
    if (l.addresses.empty()) continue;
    if (l.hits.has(phrase_kind::sender_label) && !l.hits.has(phrase_kind::recipient_label)) continue;
    bool near = l.hits.has(phrase_kind::recipient_label) || l.code || l.hits.has(phrase_kind::error) ||
                l.hits.has(phrase_kind::diagnostic_label);
    if (!near && address_led(l)) {
      for (std::size_t j = i + 1; j < lines.size() && j < i + 4 && !lines[j].blank; ++j) {
        if (!lines[j].addresses.empty() && address_led(lines[j])) break;
        if (lines[j].code || lines[j].hits.has(phrase_kind::error)) near = true;
      }
    }
    auto& tier = near ? tier2 : tier3;
    if (!near && !l.hits.has(phrase_kind::to_label)) continue;
    for (std::size_t a = 0; a < l.addresses.size(); ++a) tier.emplace_back(i, a);
  }
  const bool stated = failure || delay;
  const auto* chosen = !tier1.empty() ? &tier1 : !tier2.empty() ? &tier2 : stated ? &tier3 : nullptr;
  if (chosen == nullptr || chosen->empty()) {
    if (!stated) return false;
    // The original's sole addressee, when the notice names the recipient in no address form
    // (a display name alone, an X.500 name): the address the sender used is the one that failed.
    std::vector<std::string> addressees;
    for (std::string_view name : {"To", "Cc"})
      for (const found_address& f : find_addresses(header_or_empty(m.original_headers, name)))
        if (!is_system_address(f.address) && std::find(n.own.begin(), n.own.end(), to_lower(f.address)) == n.own.end() &&
            std::find(addressees.begin(), addressees.end(), f.address) == addressees.end())
          addressees.push_back(f.address);
    if (addressees.size() != 1) return false;
    recipient_report& r = add_recipient(out, addressees.front());
    std::string said = n.first_code < lines.size() ? std::string(trim(lines[n.first_code].text)) : n.failure_sentence;
    r.diagnostic = fold_space(std::string_view(said).substr(0, std::min(said.size(), max_diagnostic_bytes)));
    r.action = !failure && delay ? "delayed" : "failed";
    return true;
  }
  for (const auto& [li, ai] : *chosen) {
    if (out.recipients.size() >= max_recipients) break;
    const found_address& a = lines[li].addresses[ai];
    const bool fresh = std::none_of(out.recipients.begin(), out.recipients.end(),
                                    [&](const recipient_report& r) { return iequals(r.recipient, a.address); });
    recipient_report& r = add_recipient(out, a.address);
    if (!fresh && telling(r.diagnostic, rules) > 0) continue;
    r.diagnostic = diagnostic_for(n, rules, li, a);
    r.action = delay && !failure ? "delayed" : "failed";
  }
  return !out.recipients.empty();
}

void complete_from_notice(const mail& m, const decoding_rules& rules, report& out) {
  const bool gaps = std::any_of(out.recipients.begin(), out.recipients.end(),
                                [](const recipient_report& r) { return r.status.empty() && r.diagnostic.empty(); });
  if (!gaps) return;
  notice n;
  read_notice(m, rules, n);
  for (recipient_report& r : out.recipients) {
    if (!r.status.empty() || !r.diagnostic.empty()) continue;
    for (std::size_t i = 0; i < n.lines.size() && r.diagnostic.empty(); ++i)
      for (const found_address& a : n.lines[i].addresses)
        if (iequals(a.address, r.recipient)) {
          // Only the remote's words or an error's: the failure sentence tells nothing new.
          std::string said = diagnostic_for(n, rules, i, a);
          const int score = telling(said, rules);
          if (score == 2 || (score == 1 && !says_failure(rules.match(said)))) r.diagnostic = std::move(said);
          break;
        }
  }
}

}  // namespace bounced::parser
