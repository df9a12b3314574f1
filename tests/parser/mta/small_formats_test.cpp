// Small plain-text formats (Active!hunter, BIGLOBE, KDDI, MailMarshal, fml, Apache James, X6,
// X1, MailFoundry) and local delivery agents' lines, each written here after its layout.
#include <catch2/catch.hpp>

#include <string>

#include "parser/decode.hpp"
#include "parser/mta/mta.hpp"

using namespace bounced::parser;

namespace {

std::string mail_of(const std::string& headers, const std::string& body) {
  return headers + "To: sender@example.com\nDate: Mon, 2 Feb 2026 10:00:00 +0900\n\n" + body;
}

}  // namespace

TEST_CASE("Active!hunter: '>>> address' lines and the transcript") {
  const report r = decode(mail_of("From: \"MAILER-DAEMON\" <MAILER-DAEMON@example.org>\nSubject: FAILURE NOTICE : hi\n"
                                  "X-AHMAILID: 20260202-0000\n",
                                  "  ----- The following addresses had permanent fatal errors -----\n\n"
                                  ">>> someone@example.org <someone@example.org>\n\n"
                                  "  ----- Transcript of session follows -----\n"
                                  "550 sorry, no mailbox here by that name (#5.1.1)\n\n"));
  REQUIRE(r.recipients.size() == 1);
  CHECK(r.decoded_by == "Activehunter");
  CHECK(r.recipients[0].recipient == "someone@example.org");
  CHECK(r.recipients[0].reply_code == "550");
  CHECK(r.recipients[0].status == "5.1.1");
}

TEST_CASE("BIGLOBE: the address list and the non-delivered information") {
  const report r = decode(mail_of("From: postmaster@biglobe.ne.jp\nSubject: Returned mail: Service unavailable\n",
                                  "   ----- The following addresses had delivery problems -----\n"
                                  "someone@example.ne.jp\n\n"
                                  "   ----- Non-delivered information -----\n"
                                  "The number of messages in recipient's mailbox exceeded the local limit.\n\n"));
  REQUIRE(r.recipients.size() == 1);
  CHECK(r.decoded_by == "Biglobe");
  CHECK(r.recipients[0].reason_hint == "mailboxfull");
}

TEST_CASE("KDDI: 'Could not be delivered to:' and the reason after it") {
  const report r = decode(mail_of("From: no-reply@example.dion.ne.jp\nSubject: Mail\n",
                                  "Your mail sent on: Mon, 2 Feb 2026 10:00:00 +0900\n"
                                  "     Could not be delivered to: <someone@example.dion.ne.jp>\n"
                                  "     As their mailbox is full.\n\n"));
  REQUIRE(r.recipients.size() == 1);
  CHECK(r.decoded_by == "KDDI");
  CHECK(r.recipients[0].diagnostic == "As their mailbox is full.");
  CHECK(r.recipients[0].reason_hint == "mailboxfull");
}

TEST_CASE("MailMarshal: the answer and the affected recipients") {
  const report r = decode(mail_of("From: postmaster@example.com\nSubject: Undeliverable Mail: \"hi\"\n",
                                  "Your message:\n   From:    sender@example.com\n   Subject: hi\n\n"
                                  "Could not be delivered because of\n\n550 5.1.1 User unknown\n\n"
                                  "The following recipients were affected: \n    someone@example.net\n\n\n"
                                  "Additional Information\n======================\nRemote-MTA:\t\t<192.0.2.2>\n"));
  REQUIRE(r.recipients.size() == 1);
  CHECK(r.decoded_by == "MailMarshalSMTP");
  CHECK(r.recipients[0].recipient == "someone@example.net");
  CHECK(r.recipients[0].status == "5.1.1");
  CHECK(r.recipients[0].rhost == "192.0.2.2");
}

TEST_CASE("fml: a refusal names the list address") {
  const report r = decode(mail_of("From: list-admin@example.org\nSubject: You poster@example.com are not member (list ML)\n"
                                  "X-MLServer: fml [fml 4.0.3 release]\n",
                                  "You are not a member of this mailing list <list@example.org>.\n"));
  REQUIRE(r.recipients.size() == 1);
  CHECK(r.decoded_by == "FML");
  CHECK(r.recipients[0].recipient == "list@example.org");
  CHECK(r.recipients[0].reason_hint == "rejected");
}

TEST_CASE("Apache James: the RCPT TO of the message details") {
  const report r = decode(mail_of("From: postmaster@example.net\nSubject: Re:hi\n"
                                  "Message-ID: <1.2.3.JavaMail.james@example.net>\n",
                                  "Error: Invalid user address\n\nError message below:\n550 - no such user here\n\n"
                                  "Message details:\n  Subject: hi\n  MAIL FROM: sender@example.com\n"
                                  "  RCPT TO: someone@example.net\n"));
  REQUIRE(r.recipients.size() == 1);
  CHECK(r.decoded_by == "ApacheJames");
  CHECK(r.recipients[0].recipient == "someone@example.net");
  CHECK(r.recipients[0].reply_code == "550");
}

TEST_CASE("X6: recipients and command from the error line", "[mta][x6]") {
  const report r = decode(
      "From: mailer-daemon\n"
      "To: sender@example.com\n"
      "Subject: There was an error sending your mail\n"
      "\n"
      "We had trouble delivering your message. Full details follow:\n"
      "\n"
      "1 error(s):\n"
      "\n"
      "The following recipients returned permanent errors: a@example.net, b@example.net. Reason: SMTP Server "
      "<192.0.2.1> refused to accept your message (RCPT), with the following error message: [550 5.1.1 No such "
      "user]\n");
  CHECK(r.decoded_by == "X6");
  REQUIRE(r.recipients.size() == 2);
  CHECK(r.recipients[1].recipient == "b@example.net");
  CHECK(r.recipients[0].command == "RCPT");
  CHECK(r.recipients[0].status == "5.1.1");
  CHECK(r.recipients[0].action == "failed");
}

TEST_CASE("X1: one line per recipient, the error in brackets", "[mta][x1]") {
  const report r = decode(
      "From: \"Mail Deliver System\" <MAILER-DAEMON@mx.example.net>\n"
      "To: sender@example.com\n"
      "Subject: Returned Mail: User unknown\n"
      "\n"
      "The original message was received at Thu, 29 Apr 2010 23:34:45 +0900 (JST)\n"
      "from sender@example.com\n"
      "\n"
      "---The following addresses had delivery errors---\n"
      "\n"
      "gone@example.net [User unknown]\n");
  CHECK(r.decoded_by == "X1");
  REQUIRE(r.recipients.size() == 1);
  CHECK(r.recipients[0].recipient == "gone@example.net");
  CHECK(r.recipients[0].diagnostic == "User unknown");
}

TEST_CASE("MailFoundry: the reason paragraph with the remote's answer", "[mta][mailfoundry]") {
  const report r = decode(
      "From: MAILER-DAEMON@example.net\n"
      "To: sender@example.com\n"
      "Subject: Message delivery has failed\n"
      "\n"
      "Unable to deliver message to: <full@example.net>\n"
      "Delivery failed for the following reason:\n"
      "mx.example.net[192.0.2.1] responded with failure: 552 mailbox full@example.net is over quota\n"
      "\n"
      "This has been a permanent failure.  No further delivery attempts will be made.\n");
  CHECK(r.decoded_by == "MailFoundry");
  REQUIRE(r.recipients.size() == 1);
  CHECK(r.recipients[0].recipient == "full@example.net");
  CHECK(r.recipients[0].reply_code == "552");
  CHECK(r.recipients[0].rhost == "mx.example.net");
  CHECK(r.recipients[0].action == "failed");
}

TEST_CASE("local delivery agents' own lines name their cause", "[mta][local_agent]") {
  using bounced::parser::mta::local_agent_reason;
  CHECK(local_agent_reason("mail.local: unknown user: bob") == "userunknown");
  CHECK(local_agent_reason("maildrop: maildir over quota.") == "mailboxfull");
  CHECK(local_agent_reason("vdelivermail: account is locked email bounced bob@example.net") == "suspend");
  CHECK(local_agent_reason("procmail: Couldn't create \"/var/mail/bob\"").empty());
  // Quoted inside a remote's reply, the words are not the agent's own line.
  CHECK(local_agent_reason("550 5.1.1 mail.local: unknown user: bob").empty());
}
