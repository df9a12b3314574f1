// DragonFly Mail Agent (dma): "This is the DragonFly Mail Agent vX at host.", then "There was an
// error delivering your mail to <address>.", the error (the remote's answer after "host [ip] did
// not like our COMMAND:", or dma's own text such as a DNS failure), and "Message headers follow."
// before the original's header. dma reports one recipient per notice.
// Trusts: the greeting as fingerprint. Limits: the error is the text between the recipient line
// and "Message headers follow."; a multi-line SMTP reply is joined, its continuation codes cut.
#include "parser/mta/mta.hpp"
#include "parser/text.hpp"

namespace bounced::parser::mta {

namespace {

// dma's own errors, when no remote answered (facts from Sisimai's notes on dma's net.c/dma.c).
std::string_view reason_of_own_error(std::string_view diagnostic) {
  if (icontains(diagnostic, "DNS lookup failure: host ")) return "hostunknown";
  if (icontains(diagnostic, "Could not deliver for the last ")) return "expired";
  return {};
}

// "550-5.7.26 text" / "550 5.7.26 text" -> text; a line that starts no SMTP reply is kept.
std::string_view without_reply_code(std::string_view line) {
  if (line.size() < 4 || find_reply_code(line.substr(0, 3)).empty() || (line[3] != '-' && line[3] != ' ')) return line;
  std::string_view rest = line.substr(4);
  const std::string status = find_status_code(rest.substr(0, std::min<std::size_t>(rest.size(), 12)));
  if (!status.empty() && istarts_with(rest, status)) rest.remove_prefix(status.size());
  return trim(rest);
}

}  // namespace

// Decodes dma's failure notice.
bool decode_dragonfly(const mail& m, report& out) {
  const std::string_view body = m.body_text;
  if (!icontains(body, "This is the DragonFly Mail Agent")) return false;
  const std::size_t lead = ifind(body, "There was an error delivering your mail to");
  if (lead == std::string_view::npos) return false;
  const std::size_t eol = body.find('\n', lead);
  const std::string address = find_address(body.substr(lead, eol == std::string_view::npos ? std::string_view::npos : eol - lead));
  if (address.empty() || eol == std::string_view::npos) return false;
  std::string_view rest = body.substr(eol + 1);
  const std::size_t end = ifind(rest, "Message headers follow");
  if (end != std::string_view::npos) rest = rest.substr(0, end);

  recipient_report& r = add_recipient(out, address);
  std::string diagnostic;
  bool reply_seen = false;
  for (std::string_view line : split_lines(rest)) {
    const std::string_view t = trim(line);
    if (t.empty()) continue;
    const bool reply = !find_reply_code(t.substr(0, std::min<std::size_t>(t.size(), 4))).empty() && t.size() > 3 &&
                       (t[3] == '-' || t[3] == ' ');
    // dma writes "did not like our RCPT TO:" and the answer on the next line; they read as one.
    if (!diagnostic.empty() && diagnostic.size() >= 2 && diagnostic[diagnostic.size() - 2] == ':') diagnostic.pop_back();
    if (reply && !reply_seen) {
      reply_seen = true;
      r.reply_code = std::string(t.substr(0, 3));
      r.status = find_status_code(t.substr(4, std::min<std::size_t>(t.size() - 4, 12)));
      // A one-line answer stays whole; a multi-line one loses its repeated codes.
      if (t[3] == ' ') {
        diagnostic += std::string(t) + ' ';
        continue;
      }
    }
    diagnostic += std::string(reply ? without_reply_code(t) : t);
    diagnostic += ' ';
  }
  r.diagnostic = fold_space(diagnostic);
  r.reason_hint = std::string(reason_of_own_error(r.diagnostic));
  // "mx.example.net [192.0.2.1] did not like our RCPT TO:" names the host and the command.
  const std::size_t like = ifind(r.diagnostic, " did not like our ");
  if (like != std::string::npos) {
    r.rhost = host_of(std::string_view(r.diagnostic).substr(0, like));
    const std::string_view what = std::string_view(r.diagnostic).substr(like + 18);
    if (istarts_with(what, "final DATA") || istarts_with(what, "DATA")) r.command = "DATA";
    else if (istarts_with(what, "RCPT")) r.command = "RCPT";
    else if (istarts_with(what, "MAIL")) r.command = "MAIL";
  }
  return true;
}

}  // namespace bounced::parser::mta
