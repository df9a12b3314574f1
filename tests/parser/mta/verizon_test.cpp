// Verizon's SMS and MMS gateway bounces. Messages written here; the gateway domains are
// Verizon's own, as the fingerprint requires.
#include <catch2/catch.hpp>

#include "parser/decode.hpp"

using namespace bounced::parser;

TEST_CASE("Verizon's MMS gateway names the recipient in the original's To", "[mta][verizon]") {
  const report r = decode(
      "From: NDR Administrator <sysadmin@mms.vzwpix.com>\n"
      "To: sender@example.com\n"
      "Subject: Undeliverable Message\n"
      "\n"
      "Message could not be delivered to mobile.\n"
      "Error: No valid recipients for this MM\n"
      "\n"
      "Original Message:\n"
      "From: sender@example.com\n"
      "To: 5550100@vzwpix.com\n"
      "Subject: hi\n");
  CHECK(r.decoded_by == "Verizon");
  REQUIRE(r.recipients.size() == 1);
  CHECK(r.recipients[0].recipient == "5550100@vzwpix.com");
  CHECK(r.recipients[0].diagnostic == "No valid recipients for this MM");
}

TEST_CASE("Verizon's SMS gateway names the recipient in RCPT TO", "[mta][verizon]") {
  const report r = decode(
      "From: post_master@vtext.com\n"
      "To: sender@example.com\n"
      "Subject: Re: hi\n"
      "\n"
      "Error: Invalid user address\n"
      "\n"
      "Error message below:\n"
      "550 - Requested action not taken: no such user here\n"
      "\n"
      "Message details:\n"
      "  MAIL FROM: sender@example.com\n"
      "  RCPT TO: nobody@vtext.com\n");
  CHECK(r.decoded_by == "Verizon");
  REQUIRE(r.recipients.size() == 1);
  CHECK(r.recipients[0].recipient == "nobody@vtext.com");
  CHECK(r.recipients[0].reply_code == "550");
}

TEST_CASE("Verizon's own error line states an unknown recipient", "[mta][verizon]") {
  const report r = decode(
      "From: post_master@vtext.com\n"
      "To: sender@example.com\n"
      "Subject: Re: hi\n"
      "\n"
      "Error: Invalid user address\n"
      "\n"
      "Error message below:\n"
      "550 - Requested action not taken: no such user here\n"
      "\n"
      "Message details:\n"
      "  RCPT TO: nobody@vtext.com\n");
  REQUIRE(r.recipients.size() == 1);
  CHECK(r.recipients[0].reason_hint == "userunknown");
}
