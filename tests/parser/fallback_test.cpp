// The plain-text fallback: where the quoted original starts, which phrases mark a failure.
// Messages written here.
#include <catch2/catch.hpp>

#include "parser/decode.hpp"

using namespace bounced::parser;

TEST_CASE("the quoted header block after 'Included is a copy of the message header' is no notice",
          "[fallback]") {
  const report r = decode(
      "From: \"Mail Delivery System\" <MAILER-DAEMON@mx.example.net>\n"
      "To: <sender@example.com>\n"
      "Subject: Mail delivery failed\n"
      "\n"
      "A message that you have sent could not be delivered to one or more\n"
      "recipients.  This is a permanent error.  The following address failed:\n"
      "\n"
      "<gone@example.net>: 550 unknown user\n"
      "\n"
      "Included is a copy of the message header:\n"
      "-----------------------------------------\n"
      "From: sender@example.com\n"
      "To: gone@example.net\n"
      "Sender: list-owner@example.org\n"
      "Errors-To: list-owner@example.org (rejected)\n"
      "\n");
  REQUIRE(r.recipients.size() == 1);
  CHECK(r.recipients[0].recipient == "gone@example.net");
}

TEST_CASE("'Did not reach the following recipient' names a failed recipient", "[fallback]") {
  const report r = decode(
      "From: postmaster@example.net\n"
      "To: sender@example.com\n"
      "Subject: Undeliverable: hello\n"
      "\n"
      "Your Message\n"
      "\n"
      "Subject: hello\n"
      "\n"
      "Did not reach the following recipient: gone@example.net\n");
  REQUIRE(r.recipients.size() == 1);
  CHECK(r.recipients[0].recipient == "gone@example.net");
}
