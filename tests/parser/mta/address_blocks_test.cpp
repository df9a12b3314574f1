// Formats built on qmail's "<address>:" blocks: Yahoo and X2. Messages written here.
#include <catch2/catch.hpp>

#include <string>

#include "parser/decode.hpp"

using namespace bounced::parser;

TEST_CASE("Yahoo's failure notice", "[mta][yahoo]") {
  const report r = decode(
      "From: MAILER-DAEMON@yahoo.com\n"
      "To: sender@example.com\n"
      "Subject: Failure Notice\n"
      "\n"
      "Sorry, we were unable to deliver your message to the following address.\n"
      "\n"
      "<full@example.net>:\n"
      "550: 5.2.2 <full@example.net>... Mailbox Full\n"
      "\n"
      "--- Below this line is a copy of the message.\n"
      "\n"
      "From: sender@example.com\n"
      "To: full@example.net\n"
      "Subject: hi\n"
      "\n"
      "hi\n");
  CHECK(r.decoded_by == "Yahoo");
  REQUIRE(r.recipients.size() == 1);
  CHECK(r.recipients[0].recipient == "full@example.net");
  CHECK(r.recipients[0].reply_code == "550");
  CHECK(r.recipients[0].status == "5.2.2");
}

TEST_CASE("X2's delivery failure with several recipients", "[mta][x2]") {
  const report r = decode(
      "From: MAILER-DAEMON@example.net\n"
      "To: sender@example.com\n"
      "Subject: Delivery failure\n"
      "\n"
      "Message from example.net.\n"
      "Unable to deliver message to the following address(es).\n"
      "\n"
      "<one@example.net>:\n"
      "This user doesn't have a example.net account (one@example.net) [0]\n"
      "\n"
      "<two@example.net>:\n"
      "Sorry your message to two@example.net cannot be delivered. This account has been disabled.\n"
      "\n"
      "--- Original message follows.\n"
      "\n"
      "From: sender@example.com\n"
      "To: one@example.net\n"
      "\n"
      "hi\n");
  CHECK(r.decoded_by == "X2");
  REQUIRE(r.recipients.size() == 2);
  CHECK(r.recipients[0].recipient == "one@example.net");
  CHECK(r.recipients[1].recipient == "two@example.net");
  CHECK(r.recipients[1].diagnostic.find("disabled") != std::string::npos);
}
