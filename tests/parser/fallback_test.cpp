// The plain-text fallback: where the quoted original starts, which phrases mark a failure.
// Messages written here.
#include <catch2/catch.hpp>

#include <string>

#include "parser/decode.hpp"

using namespace bounced::parser;

TEST_CASE("the quoted header block after 'Included is a copy of the message header' is no notice",
          "[fallback]") {
  const report r = decode(
      "From: \"Mail Delivery System\" <MAILER-DAEMON@mx.example.net>\n"
      "To: <sender@example.com>\n"
      "Subject: Mail delivery failed\n"
      "\n"
      "A message that you have sent could not be delivered to one or more\n"
      "recipients.  This is a permanent error.  The following address failed:\n"
      "\n"
      "<gone@example.net>: 550 unknown user\n"
      "\n"
      "Included is a copy of the message header:\n"
      "-----------------------------------------\n"
      "From: sender@example.com\n"
      "To: gone@example.net\n"
      "Sender: list-owner@example.org\n"
      "Errors-To: list-owner@example.org (rejected)\n"
      "\n");
  REQUIRE(r.recipients.size() == 1);
  CHECK(r.recipients[0].recipient == "gone@example.net");
}

TEST_CASE("'Did not reach the following recipient' names a failed recipient", "[fallback]") {
  const report r = decode(
      "From: postmaster@example.net\n"
      "To: sender@example.com\n"
      "Subject: Undeliverable: hello\n"
      "\n"
      "Your Message\n"
      "\n"
      "Subject: hello\n"
      "\n"
      "Did not reach the following recipient: gone@example.net\n");
  REQUIRE(r.recipients.size() == 1);
  CHECK(r.recipients[0].recipient == "gone@example.net");
}

namespace {

// A notice from a mailer daemon with the given body (LF line ends).
std::string notice(std::string_view body, std::string_view subject = "Delivery failure") {
  return "From: Mail System <MAILER-DAEMON@mx.example.net>\nTo: news@sender.example\nSubject: " + std::string(subject) +
         "\nMessage-ID: <n1@mx.example.net>\n\n" + std::string(body);
}

}  // namespace

TEST_CASE("the addresses listed after a failure sentence are the recipients, not those elsewhere", "[fallback]") {
  const report r = decode(notice(
      "Delivery has failed to these recipients or groups:\n\n"
      "mam@example.org<mailto:mam@example.org>\n"
      "Your message couldn't be delivered.\n\n"
      "Diagnostic information for administrators:\n\n"
      "mama@example.org Remote Server returned '550 5.4.1 Recipient address rejected: Access denied'\n"));
  REQUIRE(r.recipients.size() == 1);
  CHECK(r.decoded_by == "Fallback");
  CHECK(r.recipients[0].recipient == "mam@example.org");
  CHECK(r.recipients[0].action == "failed");
}

TEST_CASE("a failure sentence that wraps onto the next line is read as one", "[fallback]") {
  const report r = decode(notice(
      "I'm sorry to have to inform you that your message could not\n"
      "be delivered to one or more recipients.\n\n"
      "    gone@example.org\n"));
  REQUIRE(r.recipients.size() == 1);
  CHECK(r.recipients[0].recipient == "gone@example.org");
}

TEST_CASE("the diagnostic with the remote's SMTP code wins over the failure sentence", "[fallback]") {
  const report r = decode(notice(
      "Your message wasn't delivered to gone@example.org because the address couldn't be found.\n\n"
      "The response from the remote server was:\n"
      "550 5.1.1 The email account that you tried to reach does not exist.\n"));
  REQUIRE(r.recipients.size() == 1);
  CHECK(r.recipients[0].status == "5.1.1");
  CHECK(r.recipients[0].reply_code == "550");
  CHECK(r.recipients[0].diagnostic == "550 5.1.1 The email account that you tried to reach does not exist.");
}

TEST_CASE("the bounce's own addresses, system addresses, message ids and URLs are never recipients", "[fallback]") {
  const report s = decode(
      "From: Mail System <MAILER-DAEMON@mx.example.net>\n"
      "To: news@sender.example\n"
      "Reply-To: help@mx.example.net\n"
      "Subject: Undeliverable\n"
      "Message-ID: <n2@mx.example.net>\n"
      "Content-Type: multipart/mixed; boundary=b\n\n"
      "--b\n\n"
      "Your message could not be delivered to gone@example.org.\n"
      "Reason: 550 5.1.1 user unknown\n"
      "Please contact postmaster@mx.example.net or help@mx.example.net, see https://help.example/?u=x@example.org\n"
      "Your message <orig-77@sender.example> failed: 550 5.1.1 user unknown\n"
      "Sender: news@sender.example\n"
      "--b\nContent-Type: message/rfc822\n\n"
      "From: news@sender.example\nTo: gone@example.org\nMessage-ID: <orig-77@sender.example>\n\nhi\n--b--\n");
  REQUIRE(s.recipients.size() == 1);
  CHECK(s.recipients[0].recipient == "gone@example.org");
  CHECK(s.recipients[0].status == "5.1.1");
}

TEST_CASE("a notice that says delivery succeeded is no bounce", "[fallback]") {
  const report r = decode(notice("Your message was delivered successfully to the following recipient:\n\n  dave@example.org\n",
                                 "Delivery report"));
  CHECK(r.recipients.empty());
  CHECK(r.kind == message_kind::none);
}

TEST_CASE("a delay notice gives delayed records", "[fallback]") {
  const report r = decode(notice(
      "Your message has not yet been delivered to the following recipient:\n\n"
      "  slow@example.org\n\n"
      "We will keep trying. Last answer: 451 4.7.1 Greylisted, try again later\n",
      "Delayed mail"));
  REQUIRE(r.recipients.size() == 1);
  CHECK(r.recipients[0].action == "delayed");
  CHECK(r.recipients[0].status == "4.7.1");
}

TEST_CASE("a notice's text alone, with no header, is read", "[fallback]") {
  const report r = decode(
      "\n** Address not found **\n\n"
      "Your message wasn't delivered to lost@example.org because the address couldn't be found.\n\n"
      "The response from the remote server was:\n550 5.1.1 The email account does not exist.\n");
  REQUIRE(r.recipients.size() == 1);
  CHECK(r.recipients[0].recipient == "lost@example.org");
  CHECK(r.recipients[0].status == "5.1.1");
}

TEST_CASE("a recipient named only by a display name is the original's sole addressee", "[fallback]") {
  const report r = decode(
      "From: postmaster@exchange.example.com\nTo: news@sender.example\nSubject: Undeliverable: News\n"
      "Content-Type: multipart/mixed; boundary=b\n\n--b\n\n"
      "did not reach the following recipient(s):\n\nSmith, Carol on Mon, 07 Dec 2026 09:00:00 +0100\n"
      "    The recipient name is not recognized\n"
      "--b\nContent-Type: message/rfc822\n\nFrom: news@sender.example\nTo: \"Smith, Carol\" <carol@example.com>\n\nhi\n--b--\n");
  REQUIRE(r.recipients.size() == 1);
  CHECK(r.recipients[0].recipient == "carol@example.com");
  CHECK(r.recipients[0].diagnostic == "The recipient name is not recognized");
}

TEST_CASE("an ordinary message that mentions an address is no bounce", "[fallback]") {
  const report r = decode(
      "From: Alice <alice@example.com>\nTo: bob@example.org\nSubject: lunch\n\n"
      "Hi Bob, write to carol@example.net, her old address failed last week.\n");
  CHECK(r.recipients.empty());
}

TEST_CASE("an HTML-only notice is read as text", "[fallback]") {
  const report r = decode(
      "From: postmaster@mx.example.org\nTo: news@sender.example\nSubject: Delivery failure\n"
      "Content-Type: text/html; charset=utf-8\n\n"
      "<html><body><p>Your message to <b>carol@example.org</b> couldn&#39;t be delivered.</p>"
      "<table><tr><td>Remote Server returned</td><td>'550 5.1.10 Recipient not found'</td></tr></table></body></html>\n");
  REQUIRE(r.recipients.size() == 1);
  CHECK(r.recipients[0].recipient == "carol@example.org");
  CHECK(r.recipients[0].status == "5.1.10");
}

TEST_CASE("a delivery-status part with no recipient leaves the report to the human text", "[fallback]") {
  const report r = decode(
      "From: Mail Administrator <Postmaster@example.com>\nTo: news@sender.example\nSubject: Mail System Error - Returned Mail\n"
      "Content-Type: multipart/report; report-type=delivery-status; boundary=b\n\n"
      "--b\nContent-Type: message/delivery-status\n\n"
      "This Message was undeliverable due to the following reason:\n\n<u@example.com> has restricted SMS e-mail\n\n"
      "--b\nContent-Type: message/delivery-status\n\n"
      "Reporting-MTA: dns; mta.example.com\n\nFinal-Recipient: RFC822; <u@example.com>\nAction: failed\nStatus: 5.3.0\n\n--b--\n");
  REQUIRE(r.recipients.size() == 1);
  CHECK(r.recipients[0].recipient == "u@example.com");
  CHECK(r.recipients[0].status == "5.3.0");
}

TEST_CASE("a UTF-8 byte order mark or blank lines before the header hide nothing", "[fallback]") {
  const std::string body =
      "From: Mail System <MAILER-DAEMON@mx.example.net>\nTo: news@sender.example\nSubject: Undelivered\n\n"
      "Delivery to the following recipient failed permanently:\n\n     gone@example.org\n";
  for (const std::string& raw : {"\xEF\xBB\xBF" + body, "   \n" + body}) {
    const report r = decode(raw);
    REQUIRE(r.recipients.size() == 1);
    CHECK(r.recipients[0].recipient == "gone@example.org");
    CHECK(r.envelope_from == "MAILER-DAEMON@mx.example.net");
  }
}

TEST_CASE("each listed recipient keeps the reply on its own line, never another's", "[fallback]") {
  const report r = decode(notice(
      "An error has occurred while attempting to deliver a message for\n"
      "the following list of recipients:\n\n"
      "full@example.jp: 550 5.2.2 <full@example.jp>... Mailbox Full\n"
      "gone@example.jp: 550 5.1.1 <gone@example.jp>... User Unknown\n"));
  REQUIRE(r.recipients.size() == 2);
  CHECK(r.recipients[0].status == "5.2.2");
  CHECK(r.recipients[1].recipient == "gone@example.jp");
  CHECK(r.recipients[1].status == "5.1.1");
  CHECK(r.recipients[1].diagnostic == "550 5.1.1 <gone@example.jp>... User Unknown");
}

TEST_CASE("a diagnostic label whose reply holds a colon gives the whole reply", "[fallback]") {
  const report r = decode(notice(
      "relay.example.net rejected your message to the following email addresses:\n\n"
      "ann@example.org A communication failure occurred.\n\n"
      "Diagnostic information for administrators:\n\n"
      "relay.example.net Remote Server returned '550 5.4.1 Recipient address rejected: Access denied'\n"));
  REQUIRE(r.recipients.size() == 1);
  CHECK(r.recipients[0].recipient == "ann@example.org");
  CHECK(r.recipients[0].status == "5.4.1");
  CHECK(r.recipients[0].reply_code == "550");
}

TEST_CASE("the sender named before or inside the failure is no recipient", "[fallback]") {
  const report r = decode(
      "From: Mail Delivery System <Mailer-Daemon@mx.example.net>\nTo: alice@sender.example\nSubject: Mail delivery failed\n\n"
      "A message sent by\n\n  <alice@sender.example>\n\n"
      "could not be delivered to one or more of its recipients. The following\naddress(es) failed:\n\n"
      "  bob@example.org\n    SMTP error from remote mail server after MAIL FROM:<alice@sender.example>:\n"
      "    550 5.7.1 Bad SPF records for [sender.example]\n");
  REQUIRE(r.recipients.size() == 1);
  CHECK(r.recipients[0].recipient == "bob@example.org");
  CHECK(r.recipients[0].status == "5.7.1");
}

TEST_CASE("a sender who mailed themself is the recipient where a line leads with the address and its reply", "[fallback]") {
  const report r = decode(
      "From: MAILER-DAEMON@mx.example.net\nTo: self@example.org\nSubject: Undelivered Mail Returned to Sender\n\n"
      "I'm sorry to have to inform you that your message could not\nbe delivered to one or more recipients.\n\n"
      "<self@example.org>: host mx.example.org[192.0.2.1] said: 452 4.2.2 Mailbox full\n"
      "    (in reply to RCPT TO command)\n");
  REQUIRE(r.recipients.size() == 1);
  CHECK(r.recipients[0].recipient == "self@example.org");
  CHECK(r.recipients[0].status == "4.2.2");
}

TEST_CASE("a postmaster of another organisation can be the recipient, the notice's own never", "[fallback]") {
  const report r = decode(
      "From: MAILER-DAEMON@r1.example.co.jp\nTo: sender@example.jp\nSubject: Undelivered Mail Returned to Sender\n\n"
      "Your message could not be delivered to one or more recipients.\n"
      "For further assistance, please send mail to postmaster@r1.example.co.jp.\n\n"
      "<postmaster@libsisimai.org>: host mx.libsisimai.org[192.0.2.2] said: 554 Message rejected\n");
  REQUIRE(r.recipients.size() == 1);
  CHECK(r.recipients[0].recipient == "postmaster@libsisimai.org");
}

TEST_CASE("a list server's moderation notice and a read receipt are no bounces", "[fallback]") {
  const report held = decode(
      "From: news-owner@lists.example.org\nTo: sender@example.com\nSubject: Your message to News awaits moderator approval\n\n"
      "Your mail to 'News' with the subject\n\n    Offers\n\nIs being held until the list moderator can review it for approval.\n"
      "Either the message will get posted to the list, or you will receive notification of the moderator's decision.\n",
      decoding_rules::shipped());
  CHECK(held.recipients.empty());
  const report read = decode(
      "From: Mail System <postmaster@mx.example.org>\nTo: sender@example.com\nSubject: Not read: Offers\n\n"
      "Your message to carol@example.org was deleted without being read on Monday.\n");
  CHECK(read.recipients.empty());
}

TEST_CASE("a bare local part listed after a failure is completed from the original's addressees", "[fallback]") {
  const std::string head =
      "From: Mail Delivery System <Mailer-Daemon@mx.example.net>\nTo: sender@example.com\nSubject: Mail delivery failed\n"
      "Content-Type: multipart/mixed; boundary=b\n\n--b\n\n"
      "A message that you sent could not be delivered to one or more of its\nrecipients. The following address(es) failed:\n\n"
      "  jsmith\n    mailbox is full: retry timeout exceeded\n"
      "--b\nContent-Type: message/rfc822\n\nFrom: sender@example.com\n";
  // The addressee with that local part.
  const report a = decode(head + "To: JSmith@example.org, ann@example.net\n\nhi\n--b--\n");
  REQUIRE(a.recipients.size() == 1);
  CHECK(a.recipients[0].recipient == "JSmith@example.org");
  // None has it, but all are of one domain: that domain completes it.
  const report b = decode(head + "To: j.smith@example.org, ann@example.org\n\nhi\n--b--\n");
  REQUIRE(b.recipients.size() == 1);
  CHECK(b.recipients[0].recipient == "jsmith@example.org");
  // Addressees of several domains: nothing is made up.
  const report c = decode(head + "To: j.smith@example.org, ann@example.net\n\nhi\n--b--\n");
  CHECK(c.recipients.empty());
}

TEST_CASE("a report cut short after its recipient takes the status and reply from the text", "[fallback]") {
  const report r = decode(
      "From: MAILER-DAEMON@mx.example.net\nTo: news@sender.example\nSubject: Undelivered Mail Returned to Sender\n"
      "Content-Type: multipart/report; report-type=delivery-status; boundary=b\n\n"
      "--b\nContent-Type: text/plain\n\nYour message could not be delivered to one or more recipients.\n\n"
      "<gone@example.org>: host mx.example.org[192.0.2.1] said: 550 5.1.1 <gone@example.org>: User unknown\n"
      "    (in reply to RCPT TO command)\n\n"
      "--b\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.net\n\n"
      "Final-Recipient: rfc822; gone@example.org\n");
  REQUIRE(r.recipients.size() == 1);
  CHECK(r.recipients[0].recipient == "gone@example.org");
  CHECK(r.recipients[0].status == "5.1.1");
  CHECK(r.recipients[0].reply_code == "550");
  CHECK(r.recipients[0].command == "RCPT");
}

TEST_CASE("a report whose recipient field is garbage leaves the recipients to the text", "[fallback]") {
  const report r = decode(
      "From: MAILER-DAEMON@mx.example.net\nTo: news@sender.example\nSubject: Undelivered Mail Returned to Sender\n"
      "Content-Type: multipart/report; report-type=delivery-status; boundary=b\n\n"
      "--b\nContent-Type: text/plain\n\nDelivery to the following recipient failed permanently:\n\n     gone@example.org\n\n"
      "Technical details: 550 5.1.1 user unknown\n\n"
      "--b\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.net\n\n"
      "Final-Recipient: rfc822; \\x00\\x01garbage\nAction: failed\nStatus: 5.1.1\n\n--b--\n");
  REQUIRE(r.recipients.size() == 1);
  CHECK(r.recipients[0].recipient == "gone@example.org");
  CHECK(r.recipients[0].status == "5.1.1");
}
