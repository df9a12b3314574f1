// Google's HTML-era notice, written after its layout: the heading and sentence are the diagnostic.
#include <catch2/catch.hpp>

#include "parser/decode.hpp"

using namespace bounced::parser;

TEST_CASE("G Suite: a DSN without Diagnostic-Code takes the notice's sentences") {
  const report r = decode(
      "From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>\nTo: sender@example.com\n"
      "Subject: Delivery Status Notification (Failure)\nDate: Mon, 2 Feb 2026 10:00:00 +0000\nMIME-Version: 1.0\n"
      "Content-Type: multipart/report; report-type=delivery-status; boundary=\"b1\"\n\n"
      "--b1\nContent-Type: text/plain; charset=UTF-8\n\n\n** Address not found **\n\n"
      "Your message wasn't delivered to someone@example.net because the address couldn't be found.\n\n"
      "--b1\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; googlemail.com\n\n"
      "Final-Recipient: rfc822; someone@example.net\nAction: failed\nStatus: 5.0.0\n\n--b1--\n");
  CHECK(r.decoded_by == "GSuite");
  REQUIRE(r.recipients.size() == 1);
  CHECK(r.recipients[0].diagnostic.rfind("** Address not found **", 0) == 0);
  CHECK(r.recipients[0].reason_hint == "userunknown");
}
