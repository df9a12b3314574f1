// Exchange 5.5-2003 non-delivery notices. Messages written here, in the layout of Internet Mail
// Service's notices.
#include <catch2/catch.hpp>

#include "parser/decode.hpp"

using namespace bounced::parser;

TEST_CASE("Exchange 2003: recipients, words and the MSEXCH code's verdict", "[mta][exchange2003]") {
  const report r = decode(
      "From: System Administrator <postmaster@example.net>\n"
      "To: sender@example.com\n"
      "Subject: Undeliverable: hello\n"
      "X-Mailer: Internet Mail Service (5.5.2657.72)\n"
      "X-MS-Embedded-Report:\n"
      "\n"
      "Your message\n"
      "\n"
      "  To:      sender@example.com\n"
      "  Subject: hello\n"
      "  Sent:    Thu, 29 Apr 2010 00:00:00 -0000\n"
      "\n"
      "did not reach the following recipient(s):\n"
      "\n"
      "gone@example.net on Thu, 29 Apr 2010 00:00:00 -0000\n"
      "    The recipient name is not recognized\n"
      "    MSEXCH:IMS:EXAMPLE:NET:MAIL 0 (000C05A6) Unknown\n"
      "Recipient\n"
      "other@example.net on Thu, 29 Apr 2010 00:00:00 -0000\n"
      "    Host unknown\n"
      "    MSEXCH:IMS:EXAMPLE:NET:MAIL 0 (000B099C) Host Unknown\n");
  CHECK(r.decoded_by == "Exchange2003");
  REQUIRE(r.recipients.size() == 2);
  CHECK(r.recipients[0].recipient == "gone@example.net");
  CHECK(r.recipients[0].diagnostic == "Unknown Recipient");
  CHECK(r.recipients[0].reason_hint == "userunknown");
  CHECK(r.recipients[1].recipient == "other@example.net");
  CHECK(r.recipients[1].reason_hint.empty());
  CHECK(r.recipients[1].diagnostic == "Host unknown Host Unknown");
}
