// MessageLabs' bounce, written after its layout: one-block delivery-status part.
#include <catch2/catch.hpp>

#include "parser/decode.hpp"

using namespace bounced::parser;

TEST_CASE("MessageLabs: one-block delivery status, its own words name the reason") {
  const report r = decode(
      "From: Mail Delivery System <MAILER-DAEMON@messagelabs.com>\nTo: sender@example.com\n"
      "Subject: Mail Delivery Failure\nDate: Mon, 2 Feb 2026 10:00:00 +0000\n"
      "MIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"b1\"\n\n"
      "--b1\nContent-Type: text/plain\n\nI was unable to deliver your message to the following addresses:\n\n"
      "someone@example.org\n\nReason: 550 someone@example.org... No such user\n\n"
      "--b1\nContent-Type: message/delivery-status\n\n"
      "Reporting-MTA: dns; mx.example.net\nAction: failed\nStatus: 5.0.0\n"
      "Diagnostic-Code: smtp; 550 someone@example.org... No such user\n"
      "Final-Recipient: rfc822; someone@example.org\n\n--b1--\n");
  REQUIRE(r.recipients.size() == 1);
  CHECK(r.decoded_by == "MessageLabs");
  CHECK(r.recipients[0].status == "5.0.0");
  CHECK(r.recipients[0].reply_code == "550");
  CHECK(r.recipients[0].reason_hint == "userunknown");
}
