// 1&1 and GMX notices, written here after their shared layout.
#include <catch2/catch.hpp>

#include <string>

#include "parser/decode.hpp"

using namespace bounced::parser;

namespace {

std::string notice(const std::string& from, const std::string& list) {
  return "From: \"Mail Delivery System\" <" + from + ">\n"
         "To: sender@example.com\n"
         "Subject: Mail delivery failed: returning message to sender\n"
         "Date: Mon, 2 Feb 2026 10:00:00 +0000\n"
         "Content-Type: text/plain; charset=utf-8\n"
         "\n"
         "This message was created automatically by mail delivery software.\n"
         "\n"
         "A message that you sent could not be delivered to one or more of\n"
         "its recipients. This is a permanent error. The following address(es)\n"
         "failed:\n"
         "\n" + list +
         "\n"
         "--- The header of the original message is following. ---\n"
         "\n"
         "From: sender@example.com\n"
         "To: someone@example.net\n"
         "Subject: hi\n";
}

}  // namespace

TEST_CASE("1&1: one recipient with its reason on the following lines") {
  const report r = decode(notice("mailer-daemon@kundenserver.example.de",
                                 "big@example.org\n\nFor the following reason:\n\nMail size limit exceeded.\n"));
  REQUIRE(r.recipients.size() == 1);
  CHECK(r.decoded_by == "EinsUndEins");
  CHECK(r.recipients[0].recipient == "big@example.org");
  CHECK(r.recipients[0].diagnostic == "Mail size limit exceeded.");
}

TEST_CASE("GMX: quoted recipients, each with the remote's answer") {
  const report r = decode(notice("MAILER-DAEMON@mail.gmx.example",
                                 "\"one@example.net\":\nSMTP error from remote server after RCPT command:\n"
                                 "host: mx.example.net\n5.2.1 <one@example.net>... User Unknown\n"
                                 "\"two@example.net\":\nSMTP error from remote server after RCPT command:\n"
                                 "host: mx.example.net\n5.2.2 <two@example.net>... Mailbox Full\n"));
  REQUIRE(r.recipients.size() == 2);
  CHECK(r.decoded_by == "GMX");
  CHECK(r.recipients[0].status == "5.2.1");
  CHECK(r.recipients[1].status == "5.2.2");
  CHECK(r.recipients[1].rhost == "mx.example.net");
  CHECK(r.recipients[1].command == "RCPT");
}

// The layout alone, from a sender of no known domain (cases from the 1&1 decoder merged in).
namespace {

std::string layout_only(const std::string& middle) {
  return "From: \"Mail Delivery System\" <mailer-daemon@mx.example.de>\n"
         "To: sender@example.com\n"
         "Subject: Mail delivery failed: returning message to sender\n"
         "\n"
         "This message was created automatically by mail delivery software.\n"
         "\n"
         "A message that you sent could not be delivered to one or more of\n"
         "its recipients. This is a permanent error.\n" +
         middle +
         "\n--- The header of the original message is following. ---\n"
         "\n"
         "From: sender@example.com\n"
         "To: other@example.org\n"
         "\n";
}

}  // namespace

TEST_CASE("1&1: the reason follows 'For the following reason:'", "[mta][einsundeins]") {
  const report r = decode(layout_only("\nThe following address failed:\n\nbig@example.net\n\nFor the following reason:\n\n"
                                 "Mail size limit exceeded.\n"));
  CHECK(r.decoded_by == "EinsUndEins");
  REQUIRE(r.recipients.size() == 1);
  CHECK(r.recipients[0].recipient == "big@example.net");
  CHECK(r.recipients[0].diagnostic == "Mail size limit exceeded.");
}

TEST_CASE("1&1: the reason follows the address and its colon", "[mta][einsundeins]") {
  const report r = decode(layout_only("The following address(es)\nfailed:\n\ngone@example.net:\n"
                                 "SMTP error from remote server for TEXT command, host: mx.example.net (192.0.2.1) "
                                 "reason: 550 5.2.0 Mail rejected\n\n"));
  REQUIRE(r.recipients.size() == 1);
  CHECK(r.recipients[0].recipient == "gone@example.net");
  CHECK(r.recipients[0].status == "5.2.0");
  CHECK(r.recipients[0].reply_code == "550");
}
