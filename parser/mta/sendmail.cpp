// Sendmail's multipart/report bounce: the text part lists the addresses ("----- The following
// addresses had permanent fatal errors -----") and a transcript ("----- Transcript of session
// follows -----": the remote's answers as "<<< 550 ...", Sendmail's commands as ">>> RCPT ...",
// and its own verdict lines "<address>... Deferred: ..."). The delivery-status part is read as
// RFC 3464; the transcript fills what that part leaves out: a Diagnostic-Code that is empty or
// only a local program's exit code, the reply code, the command, and the recipient when the
// Final-Recipient is no address.
// Trusts: Sendmail's two section markers as fingerprint. Limits: the transcript is matched to a
// recipient by the lines that name it; with one recipient, by the whole transcript.
#include "parser/header.hpp"
#include "parser/mta/mta.hpp"
#include "parser/scan.hpp"
#include "parser/text.hpp"

namespace bounced::parser::mta {

namespace {

constexpr std::string_view transcript_marker = "----- Transcript of session follows -----";

// True when text is only digits: a local program's exit status ("X-Unix; 77").
bool exit_code_only(std::string_view text) {
  text = trim(text);
  if (text.empty()) return false;
  for (char c : text)
    if (c < '0' || c > '9') return false;
  return true;
}

// True when a line opens with a 4xx or 5xx reply code.
bool opens_with_reply(std::string_view line) {
  return line.size() >= 3 && (line[0] == '4' || line[0] == '5') && line[1] >= '0' && line[1] <= '9' &&
         line[2] >= '0' && line[2] <= '9' && (line.size() == 3 || line[3] == ' ' || line[3] == '-');
}

// A line that starts a new item of the transcript rather than continuing the one before.
bool starts_item(std::string_view line) {
  return line.empty() || line.front() == '<' || istarts_with(line, ">>>") || istarts_with(line, "<<<") ||
         istarts_with(line, "...") || istarts_with(line, "-----");
}

// The first word of text, upper-cased: the verb of a ">>> " command line.
std::string to_upper_verb(std::string_view text) {
  std::string verb;
  for (char c : text) {
    if (c == ' ' || c == ':' || verb.size() >= 8) break;
    verb += (c >= 'a' && c <= 'z') ? static_cast<char>(c - 32) : c;
  }
  return verb;
}

struct transcript_facts {
  std::string diagnostic;
  std::string reply;    // the remote's answer's code, "<<< 421"
  std::string command;  // the command that answer replied to
};

// What the transcript says about one recipient (or about the only one, when single).
transcript_facts read_transcript(const std::vector<std::string_view>& lines, std::string_view address, bool single) {
  transcript_facts facts;
  std::size_t named = lines.size();
  const std::string bracketed = "<" + std::string(address) + ">";
  for (std::size_t i = 0; i < lines.size() && named == lines.size(); ++i)
    if (icontains(lines[i], bracketed)) named = i;
  if (named == lines.size() && !single) return facts;
  // The remote's last answer before the recipient's verdict line, and the command it answered;
  // an answer with no command before it since "... while talking to" is the greeting's, which
  // Sisimai counts as EHLO.
  // An answer to a RCPT TO that names another recipient is that recipient's, not this one's.
  std::string command, target;
  std::string answer;
  const std::size_t end = named == lines.size() ? lines.size() : named;
  for (std::size_t i = 0; i < end; ++i) {
    const std::string_view line = trim(lines[i]);
    if (istarts_with(line, "... while talking to")) {
      command.clear();
      target.clear();
    } else if (istarts_with(line, ">>> ")) {
      command = to_upper_verb(line.substr(4));
      target = command == "RCPT" ? find_address(line) : std::string();
    } else if (istarts_with(line, "<<< ")) {
      if (!single && !target.empty() && !iequals(target, address)) continue;
      answer = std::string(trim(line.substr(4)));
      facts.command = command.empty() ? "EHLO" : command;
    }
  }
  facts.reply = find_reply_code(answer);
  if (!answer.empty()) {
    facts.diagnostic = answer;
    return facts;
  }
  // Otherwise the recipient's own line, or else the first reply line, with the lines that
  // continue it ("Message could not be delivered for 8 hours").
  std::size_t first = named;
  if (first == lines.size())
    for (std::size_t i = 0; i < lines.size() && first == lines.size(); ++i)
      if (opens_with_reply(trim(lines[i]))) first = i;
  if (first == lines.size()) return facts;
  std::string_view head = trim(lines[first]);
  if (istarts_with(head, bracketed)) {
    head = head.substr(bracketed.size());
    if (head.substr(0, 3) == "...") head = head.substr(3);
  }
  facts.diagnostic = std::string(trim(head));
  for (std::size_t i = first + 1; i < lines.size(); ++i) {
    const std::string_view line = trim(lines[i]);
    if (starts_item(line)) break;
    facts.diagnostic += ' ';
    facts.diagnostic += std::string(line);
  }
  return facts;
}

}  // namespace

// Decodes Sendmail's bounce: its DSN, completed from the transcript.
bool decode_sendmail(const mail& m, report& out) {
  const std::string_view notice = m.notice();
  if (m.delivery_status == nullptr || ifind(notice, transcript_marker) == std::string_view::npos) return false;
  if (!icontains(notice, "----- The following addresses had") && !icontains(notice, "The original message was received at"))
    return false;
  const bool from_dsn = decode_rfc3464(m, out) && !out.recipients.empty();
  if (!from_dsn) {
    // A Final-Recipient that is no address ("@mx.example.org"): the text's list names it.
    out.recipients.clear();
    std::string status, action;
    std::size_t groups = 0;
    for (const auto& f : parse_headers(m.delivery_status->body)) {
      if (iequals(f.name, "Final-Recipient")) ++groups;
      else if (iequals(f.name, "Status")) status = find_status_code(f.value);
      else if (iequals(f.name, "Action")) action = to_lower(trim(f.value));
    }
    const std::string_view list = section_after(notice, "----- The following addresses had");
    for (std::string_view raw : split_lines(list)) {
      const std::string_view line = trim(raw);
      if (istarts_with(line, "-----")) break;
      if (line.empty() || line.front() != '<') continue;
      const std::string address = find_address(line);
      if (address.empty()) continue;
      recipient_report& r = add_recipient(out, address);
      if (groups == 1) r.status = status;
      r.action = action.empty() ? "failed" : action;
    }
    if (out.recipients.empty()) return false;
  }
  const std::vector<std::string_view> lines = split_lines(section_after(notice, transcript_marker));
  const bool single = out.recipients.size() == 1;
  for (recipient_report& r : out.recipients) {
    const bool weak = trim(r.diagnostic).empty() || exit_code_only(r.diagnostic);
    if (!weak && !r.command.empty()) continue;
    const transcript_facts facts = read_transcript(lines, r.recipient, single);
    if (r.command.empty()) r.command = facts.command;
    if (!weak || facts.diagnostic.empty()) continue;
    r.diagnostic = facts.diagnostic;
    if (r.reply_code.empty()) r.reply_code = !facts.reply.empty() ? facts.reply : find_reply_code(facts.diagnostic);
    if (r.diagnostic_type.empty()) r.diagnostic_type = "SMTP";
  }
  return true;
}

}  // namespace bounced::parser::mta
