// RFC 3834 auto-replies and vacation notices. The Auto-Submitted header alone does not make a
// message a vacation reply (Exim and Postfix put "auto-replied" on their bounces), so a message
// counts only when it also carries no delivery report and reads like an out-of-office notice.
#include "parser/charset.hpp"
#include "parser/decoder.hpp"
#include "parser/header.hpp"
#include "parser/text.hpp"

#include <array>

namespace bounced::parser {

namespace {

bool subject_says_auto_reply(std::string_view subject) {
  static constexpr std::array<std::string_view, 14> marks = {
      "auto:",        "auto reply",  "auto-reply",       "autoreply",        "automatic reply", "autorespons",
      "out of office", "out of the office", "vacation",   "away from",        "abwesenheit",     "absence",
      "réponse automatique", "自動"};
  for (std::string_view mark : marks)
    if (icontains(subject, mark)) return true;
  return false;
}

}  // namespace

bool decode_autoreply(const mail& m, report& out) {
  if (m.delivery_status || m.feedback_report) return false;
  const std::string auto_submitted = to_lower(m.header("Auto-Submitted"));
  const bool auto_replied = auto_submitted.find("auto-replied") != std::string::npos;
  const bool ms_autoreply = find_header(m.headers(), "X-Auto-Response-Suppress") != nullptr &&
                            subject_says_auto_reply(m.subject());
  const bool vacation_header = find_header(m.headers(), "X-Autoreply") != nullptr ||
                               find_header(m.headers(), "X-Autorespond") != nullptr ||
                               iequals(trim(m.header("Precedence")), "auto_reply");
  if (!auto_replied && !ms_autoreply && !vacation_header && !subject_says_auto_reply(m.subject())) return false;
  // A delivery failure notice is no vacation reply, whatever its headers say.
  const std::string from = to_lower(m.header("From"));
  if (from.find("mailer-daemon") != std::string::npos || (from.find("postmaster") != std::string::npos && !auto_replied))
    return false;
  const std::string subject = to_lower(m.subject());
  static constexpr std::array<std::string_view, 9> failure_marks = {
      "undeliver", "delivery status", "failure notice", "returned mail", "delivery fail", "not delivered",
      "mail delivery", "returning message", "rejected"};
  for (std::string_view mark : failure_marks)
    if (subject.find(mark) != std::string::npos) return false;
  if (!auto_replied && !ms_autoreply && !vacation_header) {
    // Subject only: need a personal-looking sender.
    if (from.empty()) return false;
  }
  const std::string address = m.from();
  if (address.empty()) return false;
  recipient_report& r = add_recipient(out, address);
  r.reason_hint = "vacation";
  std::string_view body = trim(m.body_text);
  r.diagnostic = fold_space(utf8_prefix(body, 1000));
  out.kind = message_kind::auto_reply;
  return true;
}

}  // namespace bounced::parser
