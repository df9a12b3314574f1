// Lotus Domino notices, written here after Domino's layout.
#include <catch2/catch.hpp>

#include "parser/decode.hpp"

using namespace bounced::parser;

TEST_CASE("Domino: the text names the recipient, the DSN part adds the status") {
  const report r = decode(
      "From: Postmaster@example.org\n"
      "To: sender@example.com\n"
      "Subject: DELIVERY FAILURE: User someone not listed in Domino Directory\n"
      "Date: Mon, 2 Feb 2026 10:00:00 +0000\n"
      "MIME-Version: 1.0\n"
      "Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\n"
      "\n"
      "--b\n"
      "Content-Type: text/plain\n"
      "\n"
      "Your message\n\n  Subject: hi\n\nwas not delivered to:\n\n  someone@example.org\n\n"
      "because:\n\n  User someone (someone@example.org) not listed in Domino Directory\n\n"
      "--b\n"
      "Content-Type: message/delivery-status\n"
      "\n"
      "Reporting-MTA: dns;mx.example.org\n"
      "\n"
      "Final-Recipient: rfc822;someone@mail.example.org\n"
      "Action: failed\n"
      "Status: 5.0.0\n"
      "\n"
      "--b--\n");
  REQUIRE(r.recipients.size() == 1);
  CHECK(r.decoded_by == "Domino");
  CHECK(r.recipients[0].recipient == "someone@example.org");
  CHECK(r.recipients[0].status == "5.0.0");
  CHECK(r.recipients[0].reason_hint == "userunknown");
  CHECK(r.recipients[0].diagnostic == "User someone (someone@example.org) not listed in Domino Directory");
}
