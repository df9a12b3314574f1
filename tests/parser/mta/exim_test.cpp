// Exim notices written here after Exim's layouts.
#include <catch2/catch.hpp>

#include "parser/decode.hpp"

using namespace bounced::parser;

TEST_CASE("Exim: a malformed recipient address in a message submitted with -t") {
  const report r = decode(
      "From: Mail Delivery System <mailer-daemon@mx.example.com>\n"
      "To: sender@example.com\n"
      "Subject: Mail failure - malformed recipient address\n"
      "Date: Mon, 2 Feb 2026 10:00:00 +0000\n"
      "\n"
      "A message that you sent contained one or more recipient addresses that were\n"
      "incorrectly constructed:\n"
      "\n"
      "  first@example.org <second@example.net>: malformed address: <second@example.net> may not follow first@example.org\n"
      "\n"
      "This address has been ignored.\n"
      "\n"
      "------ This is a copy of your message, including all the headers. ------\n"
      "\n"
      "To: first@example.org <second@example.net>\n"
      "Subject: hi\n");
  REQUIRE(r.recipients.size() == 1);
  CHECK(r.decoded_by == "Exim");
  CHECK(r.recipients[0].recipient == "second@example.net");
  CHECK(r.recipients[0].reason_hint == "syntaxerror");
}

TEST_CASE("Exim: giving up after the retry time is a transient failure, and expiry when no host answered") {
  const report r = decode(
      "From: Mail Delivery System <Mailer-Daemon@mx.example.com>\n"
      "To: sender@example.com\n"
      "Subject: Mail delivery failed: returning message to sender\n"
      "Date: Mon, 2 Feb 2026 10:00:00 +0000\n"
      "\n"
      "This message was created automatically by mail delivery software.\n"
      "\n"
      "A message that you sent could not be delivered to one or more of its\n"
      "recipients. This is a permanent error. The following address(es) failed:\n"
      "\n"
      "  someone@example.org\n"
      "    all hosts have been failing for a long time and were last tried after this message arrived\n"
      "\n"
      "------ This is a copy of the message, including all the headers. ------\n"
      "\n"
      "To: someone@example.org\n"
      "Subject: hi\n");
  REQUIRE(r.recipients.size() == 1);
  CHECK(r.recipients[0].action == "delayed");
  CHECK(r.recipients[0].reason_hint == "expired");
}
