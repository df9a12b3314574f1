// The notice Postfix's SMTP server sends the postmaster when a session fails ("Postfix SMTP
// server: errors from host[addr]"): "Transcript of session follows." and the session as
// " In:  COMMAND" / " Out: reply" lines, long commands folded onto indented lines. Each
// recipient the client named in RCPT TO is the bounced address: the one refused at RCPT, or every
// accepted one when the session failed later (at DATA or end of data). Trusts only the
// transcript's layout; an error at HELO or MAIL names no recipient and yields nothing.
#include "parser/mta/mta.hpp"
#include "parser/scan.hpp"
#include "parser/text.hpp"

namespace bounced::parser::mta {

namespace {

struct turn {
  bool client = false;  // In: (client command) or Out: (server reply)
  std::string text;
};

// The transcript as turns; continuation lines join the turn before them.
std::vector<turn> read_turns(std::string_view text) {
  std::vector<turn> turns;
  for (std::string_view raw : split_lines(text)) {
    const std::string_view line = trim(raw);
    if (line.empty()) continue;
    if (istarts_with(line, "In:") || istarts_with(line, "Out:")) {
      const bool client = istarts_with(line, "In:");
      turns.push_back({client, std::string(trim(line.substr(client ? 3 : 4)))});
    } else if (!turns.empty() && !raw.empty() && (raw.front() == ' ' || raw.front() == '\t') &&
               turns.back().text.size() < 4096) {
      turns.back().text += ' ';
      turns.back().text += std::string(line);
    }
  }
  return turns;
}

// "RCPT TO:<a@b> ORCPT=..." -> "RCPT"; the verb in upper case.
std::string verb_of(std::string_view command) {
  return to_upper(command.substr(0, command.find(' ')));
}

void add_failed(report& out, std::string_view address, const std::string& diagnostic, const std::string& verb,
                std::string_view reply) {
  recipient_report& r = add_recipient(out, address);
  if (!r.diagnostic.empty()) return;
  r.diagnostic = diagnostic;
  r.command = verb;
  r.reply_code = std::string(reply.substr(0, 3));
  r.status = find_status_code(reply);
  r.action = "failed";
}

}  // namespace

bool decode_postfix_smtpd(const mail& m, report& out) {
  if (!istarts_with(m.subject(), "Postfix SMTP server: errors from")) return false;
  const std::string_view transcript = section_after(m.body_text, "Transcript of session follows");
  if (transcript.empty()) return false;
  std::string command, verb, replies, rcpt;
  std::vector<std::string> accepted;
  for (const turn& t : read_turns(transcript)) {
    if (t.client) {
      command = t.text;
      verb = verb_of(command);
      rcpt = verb == "RCPT" ? find_address(command) : std::string();
      replies.clear();
      continue;
    }
    if (!replies.empty()) replies += ' ';
    replies += t.text;
    const std::string code = find_reply_code(t.text);
    if (code.empty() || t.text.compare(0, 3, code) != 0) continue;
    if (code[0] == '2' && !rcpt.empty()) accepted.push_back(rcpt);
    if (code[0] != '4' && code[0] != '5') continue;
    if (verb == "RCPT" && !rcpt.empty()) add_failed(out, rcpt, replies, verb, t.text);
    else if (verb == "DATA" || verb == "BDAT" || verb == ".")
      for (const std::string& a : accepted) add_failed(out, a, replies, verb, t.text);
  }
  return !out.recipients.empty();
}

}  // namespace bounced::parser::mta
