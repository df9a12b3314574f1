// 1&1's bounces, both layouts. Messages written here.
#include <catch2/catch.hpp>

#include <string>

#include "parser/decode.hpp"

using namespace bounced::parser;

namespace {

std::string bounce(const std::string& middle) {
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
  const report r = decode(bounce("\nThe following address failed:\n\nbig@example.net\n\nFor the following reason:\n\n"
                                 "Mail size limit exceeded.\n"));
  CHECK(r.decoded_by == "EinsUndEins");
  REQUIRE(r.recipients.size() == 1);
  CHECK(r.recipients[0].recipient == "big@example.net");
  CHECK(r.recipients[0].diagnostic == "Mail size limit exceeded.");
}

TEST_CASE("1&1: the reason follows the address and its colon", "[mta][einsundeins]") {
  const report r = decode(bounce("The following address(es)\nfailed:\n\ngone@example.net:\n"
                                 "SMTP error from remote server for TEXT command, host: mx.example.net (192.0.2.1) "
                                 "reason: 550 5.2.0 Mail rejected\n\n"));
  REQUIRE(r.recipients.size() == 1);
  CHECK(r.recipients[0].recipient == "gone@example.net");
  CHECK(r.recipients[0].status == "5.2.0");
  CHECK(r.recipients[0].reply_code == "550");
}
