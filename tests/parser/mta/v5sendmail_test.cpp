// Sendmail V5's transcript-only bounce. Message written here.
#include <catch2/catch.hpp>

#include "parser/decode.hpp"

using namespace bounced::parser;

TEST_CASE("Sendmail V5: verdict lines, with the remote's answer when there is one", "[mta][v5sendmail]") {
  const report r = decode(
      "From: Mail Delivery Subsystem <MAILER-DAEMON@mx.example.com>\n"
      "To: sender@example.com\n"
      "Subject: Returned mail: User unknown\n"
      "\n"
      "   ----- Transcript of session follows -----\n"
      "550 example.org (smtp)... 550 Host unknown\n"
      "554 <one@example.org>... 550 Host unknown (Authoritative answer from name server)\n"
      "While talking to mx.example.net:\n"
      ">>> RCPT To:<two@example.net>\n"
      "<<< 550 Requested mailbox not found\n"
      "550 <two@example.net>... User unknown\n"
      "\n"
      "   ----- Unsent message follows -----\n"
      "From: sender@example.com\n"
      "To: one@example.org\n"
      "\n"
      "hi\n");
  CHECK(r.decoded_by == "V5sendmail");
  REQUIRE(r.recipients.size() == 2);
  CHECK(r.recipients[0].recipient == "one@example.org");
  CHECK(r.recipients[0].reply_code == "550");
  CHECK(r.recipients[0].diagnostic == "550 Host unknown (Authoritative answer from name server)");
  CHECK(r.recipients[1].recipient == "two@example.net");
  CHECK(r.recipients[1].diagnostic == "User unknown: 550 Requested mailbox not found");
  CHECK(r.recipients[1].command == "RCPT");
}
