// Postfix's SMTP server transcript sent to the postmaster. Message written here.
#include <catch2/catch.hpp>

#include "parser/decode.hpp"

using namespace bounced::parser;

TEST_CASE("Postfix smtpd transcript: accepted recipients failed at DATA", "[mta][postfix]") {
  const report r = decode(
      "From: MAILER-DAEMON@mx.example.net (Mail Delivery System)\n"
      "To: postmaster@mx.example.net (Postmaster)\n"
      "Subject: Postfix SMTP server: errors from client.example.com[192.0.2.1]\n"
      "\n"
      "Transcript of session follows.\n"
      "\n"
      " Out: 220 mx.example.net ESMTP\n"
      " In:  EHLO client.example.com\n"
      " Out: 250 mx.example.net\n"
      " In:  MAIL\n"
      "     FROM:<sender@example.com>\n"
      " Out: 250 2.1.0 Ok\n"
      " In:  RCPT TO:<gone@example.org>\n"
      " Out: 550 5.1.1 <gone@example.org>: Recipient address rejected\n"
      " In:  RCPT TO:<rcpt@example.org>\n"
      " Out: 250 2.1.5 Ok\n"
      " In:  DATA\n"
      " Out: 354 End data with <CR><LF>.<CR><LF>\n"
      " Out: 451 4.3.0 Error: queue file write error\n"
      " In:  QUIT\n"
      " Out: 221 2.0.0 Bye\n"
      "\n"
      "For other details, see the local mail logfile\n");
  CHECK(r.decoded_by == "Postfix");
  REQUIRE(r.recipients.size() == 2);
  CHECK(r.recipients[0].recipient == "gone@example.org");
  CHECK(r.recipients[0].command == "RCPT");
  CHECK(r.recipients[0].reply_code == "550");
  CHECK(r.recipients[1].recipient == "rcpt@example.org");
  CHECK(r.recipients[1].command == "DATA");
  CHECK(r.recipients[1].reply_code == "451");
  CHECK(r.recipients[1].status == "4.3.0");
}
