// Facebook's bounce, written after its layout: recipient fields in the per-message block.
#include <catch2/catch.hpp>

#include "parser/decode.hpp"

using namespace bounced::parser;

TEST_CASE("Facebook: fields before Final-Recipient belong to it, the response code names the reason") {
  const report r = decode(
      "From: Facebook <mailer-daemon@mx.facebook.com>\nTo: sender@example.com\n"
      "Subject: Sorry, your message could not be delivered\nDate: Mon, 2 Feb 2026 10:00:00 +0000\n"
      "MIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"b1\"\n\n"
      "--b1\nContent-Type: text/plain\n\nThis message was created automatically by Facebook.\n\n"
      "--b1\nContent-Type: message/delivery-status\n\n"
      "Reporting-MTA: dns; 192.0.2.1\n"
      "Diagnostic-Code: smtp; 550 5.1.1 RCP-P1 http://postmaster.example.com/codes does not exist\n"
      "Status: 5.1.1\nFinal-Recipient: rfc822; someone@example.com\nAction: failed\n\n--b1--\n");
  REQUIRE(r.recipients.size() == 1);
  CHECK(r.decoded_by == "Facebook");
  CHECK(r.recipients[0].status == "5.1.1");
  CHECK(r.recipients[0].reply_code == "550");
  CHECK(r.recipients[0].reason_hint == "userunknown");
}
