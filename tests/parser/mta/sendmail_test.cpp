// Sendmail's multipart/report bounces, written after Sendmail's layout: the transcript fills
// what the delivery-status part leaves out.
#include <catch2/catch.hpp>

#include <string>

#include "parser/decode.hpp"

using namespace bounced::parser;

namespace {

std::string sendmail_mail(const std::string& text, const std::string& dsn) {
  return "From: Mail Delivery Subsystem <MAILER-DAEMON@mx.example.com>\n"
         "To: sender@example.com\nSubject: Returned mail: see transcript for details\n"
         "Date: Mon, 2 Feb 2026 10:00:00 +0900\nMIME-Version: 1.0\n"
         "Content-Type: multipart/report; report-type=delivery-status; boundary=\"b1\"\n\n"
         "--b1\n\nThe original message was received at Mon, 2 Feb 2026 09:00:00 +0900\n\n" +
         text + "\n--b1\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.com\n\n" + dsn +
         "\n--b1--\n";
}

}  // namespace

TEST_CASE("Sendmail: an empty Diagnostic-Code takes the recipient's verdict lines") {
  const report r = decode(sendmail_mail(
      "   ----- The following addresses had permanent fatal errors -----\n<someone@example.net>\n\n"
      "   ----- Transcript of session follows -----\n"
      "<someone@example.net>... Deferred: Connection refused by mx.example.net.\n"
      "Message could not be delivered for 8 hours\n",
      "Final-Recipient: RFC822; someone@example.net\nAction: failed\nStatus: 4.4.7\n"));
  CHECK(r.decoded_by == "Sendmail");
  REQUIRE(r.recipients.size() == 1);
  CHECK(r.recipients[0].diagnostic ==
        "Deferred: Connection refused by mx.example.net. Message could not be delivered for 8 hours");
}

TEST_CASE("Sendmail: an exit code gives way to the transcript's reply, a greeting's answer") {
  const report r = decode(sendmail_mail(
      "   ----- The following addresses had permanent fatal errors -----\n\"|/usr/local/bin/prog\"\n"
      "    (reason: 75)\n\n   ----- Transcript of session follows -----\n"
      "prog: cannot open the database\n554 5.3.0 unknown mailer error 75\n",
      "Final-Recipient: RFC822; someone@example.net\nAction: failed\nStatus: 5.0.0\nDiagnostic-Code: X-Unix; 75\n"));
  REQUIRE(r.recipients.size() == 1);
  CHECK(r.recipients[0].diagnostic == "554 5.3.0 unknown mailer error 75");
  CHECK(r.recipients[0].reply_code == "554");

  const report g = decode(sendmail_mail(
      "   ----- Transcript of session follows -----\n... while talking to mx.example.org.:\n<<< 421\n"
      "<someone@example.org>... Deferred: 421\n",
      "Final-Recipient: RFC822; someone@example.org\nAction: delayed\nStatus: 4.5.0\nDiagnostic-Code: SMTP; \n"));
  REQUIRE(g.recipients.size() == 1);
  CHECK(g.recipients[0].reply_code == "421");
  CHECK(g.recipients[0].command == "EHLO");
}

TEST_CASE("Sendmail: a Final-Recipient that is no address, the text's list names the recipient") {
  const report r = decode(sendmail_mail(
      "   ----- The following addresses had permanent fatal errors -----\n<someone@example.org>\n"
      "    (reason: 550 Host unknown)\n\n   ----- Transcript of session follows -----\n"
      "550 5.1.2 <someone@example.org>... Host unknown (Name server: mx.example.org: no data known)\n",
      "Final-Recipient: RFC822; @mx.example.org\nAction: failed\nStatus: 5.1.2\n"));
  REQUIRE(r.recipients.size() == 1);
  CHECK(r.recipients[0].recipient == "someone@example.org");
  CHECK(r.recipients[0].status == "5.1.2");
  CHECK(r.recipients[0].reply_code == "550");
}
