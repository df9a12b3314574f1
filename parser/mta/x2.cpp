// The bounce Sisimai calls "X2" (an unnamed MTA, seen at some Japanese providers): From
// MAILER-DAEMON, Subject "Delivery failure", "Message from example.com." and "Unable to deliver
// message to the following address(es).", then qmail's "<address>:" blocks, then
// "--- Original message follows.". Trusts nothing but that layout.
#include "parser/mta/mta.hpp"
#include "parser/scan.hpp"
#include "parser/text.hpp"

namespace bounced::parser::mta {

bool decode_x2(const mail& m, report& out) {
  const std::string_view body = m.body_text;
  if (!icontains(body, "Unable to deliver message to the following address(es)")) return false;
  if (!looks_like_bounce(m)) return false;
  return read_address_blocks(m.notice(), out) > 0;
}

}  // namespace bounced::parser::mta
