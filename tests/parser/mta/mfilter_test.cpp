// m-FILTER's notice. Message written here (the prose is m-FILTER's kind of Japanese, reworded).
#include <catch2/catch.hpp>

#include "parser/decode.hpp"

using namespace bounced::parser;

TEST_CASE("m-FILTER names the address, the server's reply and the command", "[mta][mfilter]") {
  const report r = decode(
      "From: <>\n"
      "To: sender@example.com\n"
      "Subject: failure notice\n"
      "X-Mailer: m-FILTER\n"
      "Content-Type: text/plain; charset=\"UTF-8\"\n"
      "\n"
      "\xe9\x80\x81\xe4\xbf\xa1\xe3\x81\xa7\xe3\x81\x8d\xe3\x81\xbe\xe3\x81\x9b\xe3\x82\x93\xe3\x81\xa7\xe3\x81\x97\xe3\x81\x9f\n"
      "gone@example.net\n"
      "\n"
      "-------server message\n"
      "550 5.1.1 <gone@example.net>: User unknown\n"
      "\n"
      "-------SMTP command\n"
      "RCPT\n"
      "\n"
      "-------original mail info\n"
      "From: sender@example.com\n");
  CHECK(r.decoded_by == "mFILTER");
  REQUIRE(r.recipients.size() == 1);
  CHECK(r.recipients[0].recipient == "gone@example.net");
  CHECK(r.recipients[0].diagnostic == "550 5.1.1 <gone@example.net>: User unknown");
  CHECK(r.recipients[0].command == "RCPT");
}
