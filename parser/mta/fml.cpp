// fml, a Japanese mailing-list manager (X-MLServer: fml ...): its notices to a poster are no
// delivery failures in the SMTP sense but refusals by the list ("You ... are not member",
// "Loop Alert: Duplicated Message-ID"). The address the notice is about is the first one in
// angle brackets in its text (the list, or the address the loop was seen for).
// Trusts: the X-MLServer header naming fml plus the administrator sender. Limits: one record.
#include "parser/mta/mta.hpp"
#include "parser/scan.hpp"
#include "parser/text.hpp"

namespace bounced::parser::mta {

namespace {

// What the subject says happened (facts from Sisimai's FML notes).
std::string_view reason_of_subject(std::string_view subject) {
  if (icontains(subject, " are not member") || icontains(subject, "NOT MEMBER article from ") ||
      icontains(subject, "reject mail ") || icontains(subject, "Spam mail from a spammer is rejected"))
    return "rejected";
  if (icontains(subject, "fml system error message") || icontains(subject, "Loop Alert:") ||
      icontains(subject, "Loop Back Warning:") || icontains(subject, "WARNING: UNIX FROM Loop"))
    return "systemerror";
  if (icontains(subject, "Security Alert")) return "securityerror";
  return {};
}

}  // namespace

// Decodes fml's refusal and loop notices.
bool decode_fml(const mail& m, report& out) {
  if (!icontains(m.header("X-MLServer"), "fml")) return false;
  const std::string reason(reason_of_subject(m.subject()));
  if (reason.empty()) return false;
  // fml quotes the original after "Original mail as follows:".
  std::string_view notice = m.notice();
  const std::size_t quoted = ifind(notice, "Original mail as follows:");
  if (quoted != std::string_view::npos) notice = notice.substr(0, quoted);
  std::string address;
  for (std::size_t lt = notice.find('<'); lt != std::string_view::npos && address.empty(); lt = notice.find('<', lt + 1)) {
    const std::size_t gt = notice.find('>', lt);
    if (gt == std::string_view::npos) break;
    address = find_address(notice.substr(lt, gt - lt + 1));
  }
  if (address.empty()) return false;
  recipient_report& r = add_recipient(out, address);
  r.diagnostic = fold_space(notice.substr(0, 1000));
  r.reason_hint = reason;
  return true;
}

}  // namespace bounced::parser::mta
