// Google's headed delivery status notifications. Message written here, in Google's layout.
#include <catch2/catch.hpp>

#include "parser/decode.hpp"

using namespace bounced::parser;

TEST_CASE("Google: the sentence naming the recipient when the report has no diagnostic", "[mta][gsuite]") {
  const report r = decode(
      "From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>\n"
      "To: sender@example.com\n"
      "Subject: Delivery Status Notification (Failure)\n"
      "MIME-Version: 1.0\n"
      "Content-Type: multipart/report; report-type=delivery-status; boundary=\"b1\"\n"
      "\n"
      "--b1\n"
      "Content-Type: text/plain; charset=UTF-8\n"
      "\n"
      "\n"
      "** Address not found **\n"
      "\n"
      "Your message wasn't delivered to gone@example.net because the address couldn't be found. Check for "
      "typos or unnecessary spaces and try again.\n"
      "\n"
      "--b1\n"
      "Content-Type: message/delivery-status\n"
      "\n"
      "Reporting-MTA: dns; googlemail.com\n"
      "\n"
      "Final-Recipient: rfc822; gone@example.net\n"
      "Action: failed\n"
      "Status: 5.0.0\n"
      "\n"
      "--b1--\n");
  CHECK(r.decoded_by == "GSuite");
  REQUIRE(r.recipients.size() == 1);
  CHECK(r.recipients[0].reason_hint == "userunknown");
  CHECK(r.recipients[0].diagnostic ==
        "** Address not found ** Your message wasn't delivered to gone@example.net because the address couldn't be "
        "found. Check for typos or unnecessary spaces and try again.");
}
