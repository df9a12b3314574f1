// Active!hunter (a Japanese mail filter appliance): a sendmail-like notice, Subject "FAILURE
// NOTICE : <original subject>", an X-AHMAILID header, "----- The following addresses had
// permanent fatal errors -----" with ">>> address <address>" lines, and "----- Transcript of
// session follows -----" with the remote's answer.
// Trusts: the X-AHMAILID header or the subject as fingerprint. Limits: the transcript is one
// paragraph, shared by the recipients listed.
#include "parser/mta/mta.hpp"
#include "parser/header.hpp"
#include "parser/mta/sections.hpp"
#include "parser/scan.hpp"
#include "parser/text.hpp"

namespace bounced::parser::mta {

// Decodes Active!hunter's failure notice.
bool decode_activehunter(const mail& m, report& out) {
  if (!find_header(m.headers(), "X-AHMAILID") && !istarts_with(trim(m.subject()), "FAILURE NOTICE :")) return false;
  const std::string_view notice = m.notice();
  const std::vector<std::string> addresses = addresses_after(notice, "----- The following addresses had");
  if (addresses.empty()) return false;
  const std::string transcript = paragraph_after(notice, "----- Transcript of session follows");
  for (const std::string& address : addresses) add_recipient(out, address).diagnostic = transcript;
  return true;
}

}  // namespace bounced::parser::mta
