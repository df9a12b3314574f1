// OpenSMTPD's error and delay notices. Messages written here, in the layout of smtpd's bounce.c.
#include <catch2/catch.hpp>

#include "parser/decode.hpp"

using namespace bounced::parser;

namespace {

std::string notice(std::string_view intro, std::string_view lines) {
  return "From: Mailer Daemon <MAILER-DAEMON@mx.example.com>\n"
         "To: sender@example.com\n"
         "Subject: Delivery status notification: error\n"
         "Received: from mx.example.com (mx.example.com [local])\n"
         "\tby mx.example.com (OpenSMTPD) with ESMTPA id 0a1b2c3d\n"
         "\n"
         "    Hi!\n"
         "\n"
         "    This is the MAILER-DAEMON, please DO NOT REPLY to this email.\n"
         "\n" +
         std::string(intro) + "\n\n" + std::string(lines) +
         "\n"
         "    Below is a copy of the original message:\n"
         "\n"
         "From: sender@example.com\n"
         "To: someone@example.net\n"
         "Subject: hello\n"
         "\n"
         "hello\n";
}

}  // namespace

TEST_CASE("OpenSMTPD: one line per recipient with the remote's reply", "[mta][opensmtpd]") {
  const report r = decode(notice(
      "    An error has occurred while attempting to deliver a message for\n"
      "    the following list of recipients:",
      "full@example.net: 552 5.2.2 <full@example.net>: Recipient address rejected: Mailbox full\n"
      "gone@example.net: 550 5.1.1 <gone@example.net>: Recipient address rejected: User unknown\n"));
  CHECK(r.decoded_by == "OpenSMTPD");
  REQUIRE(r.recipients.size() == 2);
  CHECK(r.recipients[0].recipient == "full@example.net");
  CHECK(r.recipients[0].status == "5.2.2");
  CHECK(r.recipients[0].reply_code == "552");
  CHECK(r.recipients[0].action == "failed");
  CHECK(r.recipients[1].recipient == "gone@example.net");
  CHECK(r.recipients[1].diagnostic == "550 5.1.1 <gone@example.net>: Recipient address rejected: User unknown");
}

TEST_CASE("OpenSMTPD: smtpd's own errors name their cause", "[mta][opensmtpd]") {
  const report r = decode(notice(
      "    A message is delayed for more than 4 hours for the following\n"
      "    list of recipients:",
      "a@nowhere.example.net: Domain does not exist\n"
      "b@example.org: Network error on destination MXs\n"
      "c@example.com: Envelope expired\n"));
  CHECK(r.decoded_by == "OpenSMTPD");
  REQUIRE(r.recipients.size() == 3);
  CHECK(r.recipients[0].reason_hint == "hostunknown");
  CHECK(r.recipients[1].reason_hint == "networkerror");
  CHECK(r.recipients[2].reason_hint == "expired");
  CHECK(r.recipients[2].diagnostic == "Envelope expired");
}
