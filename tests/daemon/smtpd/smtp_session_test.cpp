#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <map>
#include <string>
#include <vector>

#include "daemon/smtpd/smtp_session.hpp"

using namespace bounced::daemon;

namespace {

smtp_session make(mail_protocol protocol = mail_protocol::smtp, bool tls = false, session_limits limits = {}) {
  return smtp_session(protocol, "mx.example.net", limits, [](std::string_view d) { return d == "bounce.example.net"; }, tls);
}

std::string code(const session_reply& r) { return r.text.substr(0, 3); }

}  // namespace

TEST_CASE("an SMTP transaction for a bounce domain", "[smtp]") {
  smtp_session s = make();
  CHECK(s.greeting() == "220 mx.example.net ESMTP bounced\r\n");
  const session_reply ehlo = s.command("EHLO client.example.org");
  CHECK(ehlo.text.find("250-mx.example.net\r\n") == 0);
  CHECK(ehlo.text.find("250-PIPELINING\r\n") != std::string::npos);
  CHECK(ehlo.text.find("250-SIZE 10240000\r\n") != std::string::npos);
  CHECK(ehlo.text.find("STARTTLS") == std::string::npos);  // no certificate
  CHECK(ehlo.text.substr(ehlo.text.size() - 25) == "250 ENHANCEDSTATUSCODES\r\n");
  CHECK(code(s.command("MAIL FROM:<> BODY=8BITMIME SIZE=2000")) == "250");
  CHECK(s.current().sender.empty());
  CHECK(s.current().eight_bit);
  CHECK(code(s.command("RCPT TO:<bounces+abc@Bounce.Example.NET>")) == "250");
  CHECK(code(s.command("rcpt to:<other@elsewhere.example>")) == "550");
  CHECK(code(s.command("RCPT TO:<postmaster>")) == "250");
  const session_reply data = s.command("DATA");
  CHECK(code(data) == "354");
  CHECK(data.action == session_action::read_data);
  CHECK(s.current().recipients.size() == 2);
  const session_reply done = s.data_done(true, "42", false);
  CHECK(done.text == "250 2.0.0 Ok: queued as 42\r\n");
  CHECK(s.current().recipients.empty());
  CHECK(code(s.command("MAIL FROM:<a@example.org>")) == "250");  // a second transaction
  CHECK(s.command("QUIT").action == session_action::close);
}

TEST_CASE("commands out of order and bad arguments get the right codes", "[smtp]") {
  session_limits many_errors;
  many_errors.errors_per_session = 100;  // this test errs on purpose, more than the default 20
  smtp_session s = make(mail_protocol::smtp, false, many_errors);
  CHECK(code(s.command("MAIL FROM:<>")) == "503");
  CHECK(code(s.command("LHLO x")) == "500");
  CHECK(code(s.command("HELO")) == "501");
  CHECK(code(s.command("HELO client")) == "250");
  CHECK(code(s.command("RCPT TO:<a@bounce.example.net>")) == "503");
  CHECK(code(s.command("DATA")) == "503");
  CHECK(code(s.command("MAIL FROM:<> SIZE=99999999999")) == "552");
  CHECK(code(s.command("MAIL FROM:<> SIZE=12x")) == "501");
  CHECK(code(s.command("MAIL FROM:<> SIZE=99999999999999999999999999")) == "552");  // overflows: past any limit
  CHECK(code(s.command("MAIL FROM:<> RET=HDRS")) == "555");
  CHECK(code(s.command("MAIL FROM:<> BODY=BINARYMIME")) == "555");  // known, not offered (RFC 5321 4.1.1.11)
  CHECK(code(s.command("MAIL FROM:<> BODY=9BIT")) == "501");
  CHECK(s.command("ehlo").text == "501 5.5.4 Syntax: EHLO hostname\r\n");
  CHECK(code(s.command("MAIL FROM:<a b@example.org>")) == "501");
  CHECK(code(s.command("MAIL FROM:<>")) == "250");
  CHECK(code(s.command("MAIL FROM:<>")) == "503");
  CHECK(code(s.command("DATA")) == "554");
  CHECK(code(s.command("RCPT TO:<>")) == "501");
  CHECK(code(s.command("RCPT TO:<x@bounce.example.net> NOTIFY=NEVER")) == "555");
  CHECK(code(s.command("RSET")) == "250");
  CHECK(code(s.command("RCPT TO:<x@bounce.example.net>")) == "503");
  CHECK(code(s.command("VRFY x")) == "252");
  CHECK(code(s.command("NOOP")) == "250");
  CHECK(code(s.command("AUTH PLAIN")) == "502");
  CHECK(code(s.command("STARTTLS")) == "502");
  CHECK(code(s.command("XYZZY")) == "500");
  CHECK(code(s.line_too_long()) == "500");
  CHECK(s.bare_newline().text == "500 5.5.2 Error: bare <LF> received\r\n");
  CHECK(s.line_too_long().text.find("5.5.2") != std::string::npos);
}

TEST_CASE("a client that keeps erring is cut off", "[smtp]") {
  session_limits limits;
  limits.errors_per_session = 3;
  smtp_session s = make(mail_protocol::smtp, false, limits);
  CHECK(code(s.command("BOGUS")) == "500");
  CHECK(code(s.command("BOGUS")) == "500");
  const session_reply last = s.command("BOGUS");
  CHECK(code(last) == "421");
  CHECK(last.action == session_action::close);
}

TEST_CASE("commands that do nothing are limited (Postfix's junk command limit)", "[smtp]") {
  session_limits limits;
  limits.junk_commands_per_session = 3;
  smtp_session s = make(mail_protocol::smtp, false, limits);
  CHECK(code(s.command("NOOP")) == "250");
  CHECK(code(s.command("RSET")) == "250");
  const session_reply last = s.command("VRFY x");
  CHECK(code(last) == "421");
  CHECK(last.action == session_action::close);
}

TEST_CASE("both limits count again after each message delivered, as Postfix's do", "[smtp]") {
  // An MTA keeps a connection open and checks it with RSET before each reuse; rejected
  // recipients between good messages are errors. Neither may cut off a connection that delivers.
  session_limits limits;
  limits.errors_per_session = 3;
  limits.junk_commands_per_session = 3;
  smtp_session s = make(mail_protocol::smtp, false, limits);
  s.command("EHLO c");
  for (int i = 0; i < 10; ++i) {
    CHECK(code(s.command("RSET")) == "250");
    CHECK(code(s.command("MAIL FROM:<>")) == "250");
    CHECK(code(s.command("RCPT TO:<bad>")) == "501");
    CHECK(code(s.command("RCPT TO:<x@elsewhere.example>")) == "550");
    CHECK(code(s.command("RCPT TO:<a@bounce.example.net>")) == "250");
    CHECK(code(s.command("DATA")) == "354");
    CHECK(code(s.data_done(true, "1", false)) == "250");
  }
  // A failed store is not a delivery: the counts go on from there.
  s.command("MAIL FROM:<>");
  s.command("RCPT TO:<bad>");
  s.command("RCPT TO:<a@bounce.example.net>");
  s.command("DATA");
  CHECK(code(s.data_done(false, "", false)) == "451");
  CHECK(code(s.command("BOGUS")) == "500");
  CHECK(code(s.command("BOGUS")) == "421");
}

TEST_CASE("recipients per message are limited with a temporary error", "[smtp]") {
  session_limits limits;
  limits.recipients_per_message = 2;
  smtp_session s = make(mail_protocol::smtp, false, limits);
  s.command("EHLO c");
  s.command("MAIL FROM:<>");
  CHECK(code(s.command("RCPT TO:<a@bounce.example.net>")) == "250");
  CHECK(code(s.command("RCPT TO:<b@bounce.example.net>")) == "250");
  CHECK(code(s.command("RCPT TO:<c@bounce.example.net>")) == "452");
}

TEST_CASE("LMTP answers once per recipient after DATA", "[smtp]") {
  smtp_session s = make(mail_protocol::lmtp);
  CHECK(s.greeting().find("LMTP") != std::string::npos);
  CHECK(code(s.command("EHLO x")) == "500");
  CHECK(code(s.command("LHLO x")) == "250");
  // RFC 2033 4.2: DATA with no recipient accepted MUST be 503 (SMTP's 554 is not allowed here).
  s.command("MAIL FROM:<>");
  CHECK(code(s.command("RCPT TO:<x@elsewhere.example>")) == "550");
  CHECK(code(s.command("DATA")) == "503");
  s.command("RSET");
  s.command("MAIL FROM:<>");
  s.command("RCPT TO:<a@bounce.example.net>");
  s.command("RCPT TO:<b@bounce.example.net>");
  s.command("DATA");
  CHECK(s.data_done(false, "", false).text ==
        "451 4.3.0 Error: could not store the message, try again later <a@bounce.example.net>\r\n"
        "451 4.3.0 Error: could not store the message, try again later <b@bounce.example.net>\r\n");
}

TEST_CASE("STARTTLS is offered with a certificate and starts the session over", "[smtp]") {
  smtp_session s = make(mail_protocol::smtp, true);
  CHECK(s.command("EHLO c").text.find("250 STARTTLS\r\n") != std::string::npos);
  s.command("MAIL FROM:<>");
  CHECK(code(s.command("STARTTLS")) == "503");
  s.command("RSET");
  const session_reply r = s.command("STARTTLS");
  CHECK(code(r) == "220");
  CHECK(r.action == session_action::start_tls);
  s.tls_started();
  CHECK(code(s.command("MAIL FROM:<>")) == "503");  // EHLO again first
  CHECK(s.command("EHLO c").text.find("STARTTLS") == std::string::npos);
  CHECK(code(s.command("STARTTLS")) == "554");
}

TEST_CASE("paths: brackets, quoted local parts, source routes, parameters", "[smtp]") {
  std::string address;
  std::vector<std::string> params;
  CHECK(split_path("<a@example.org> SIZE=10 BODY=8BITMIME", address, params));
  CHECK(address == "a@example.org");
  CHECK(params == std::vector<std::string>{"SIZE=10", "BODY=8BITMIME"});
  CHECK(split_path(" <\"a>b\"@example.org>", address, params));
  CHECK(address == "\"a>b\"@example.org");
  CHECK(split_path("<@relay.example,@other.example:u@example.org>", address, params));
  CHECK(address == "u@example.org");
  // RFC 5321 4.1.2: a quoted-pair inside a quoted local part, an escaped quote among them.
  CHECK(split_path("<\"a\\\"b\"@example.org>", address, params));
  CHECK(address == "\"a\\\"b\"@example.org");
  CHECK(split_path("<\"a\\\\\"@example.org>", address, params));  // "a\\"@example.org: an escaped backslash
  CHECK_FALSE(split_path("<\"a\\\"@example.org>", address, params));  // "a\"@...: the quote is escaped, never closed
  CHECK(split_path("bare@example.org", address, params));
  CHECK(address == "bare@example.org");
  CHECK_FALSE(split_path("<unclosed@example.org", address, params));
  CHECK_FALSE(split_path("<a\x01@example.org>", address, params));
  CHECK_FALSE(split_path("<" + std::string(300, 'a') + "@example.org>", address, params));
}

TEST_CASE("DATA: dot-stuffing undone, the end found, pipelined bytes left", "[smtp]") {
  data_reader r(1000);
  const std::string wire = "Subject: x\r\n\r\n..leading dot\r\n.\r\nQUIT\r\n";
  const std::size_t used = r.feed(wire);
  CHECK(r.done());
  CHECK(wire.substr(used) == "QUIT\r\n");
  CHECK(r.message() == "Subject: x\r\n\r\n.leading dot\r\n");
}

TEST_CASE("DATA: a bare LF before the dot does not end the message (no SMTP smuggling)", "[smtp]") {
  // CVE-2023-51764's shape: "\n.\r\n" then commands, hidden inside one message.
  const std::string body = "line one\n.\r\nMAIL FROM:<>\r\nRCPT TO:<postmaster>\r\nDATA\r\nSubject: injected\r\n";
  data_reader r(100000);
  CHECK(r.feed(body) == body.size());
  CHECK_FALSE(r.done());
  CHECK(r.feed(".\r\n") == 3);
  CHECK(r.done());
  CHECK(r.message() == body);
}

TEST_CASE("DATA: the end is found whatever the split of the bytes", "[smtp]") {
  const std::string wire = "a\r\n.b\r\n..\r\n.\rx\r\nlong " + std::string(5000, 'z') + "\r\n.\r\nNOOP\r\n";
  const std::string expected = "a\r\nb\r\n.\r\n\rx\r\nlong " + std::string(5000, 'z') + "\r\n";
  for (std::size_t chunk = 1; chunk <= 7; ++chunk) {
    data_reader r(100000);
    std::size_t at = 0;
    while (!r.done() && at < wire.size()) at += r.feed(std::string_view(wire).substr(at, chunk));
    INFO("chunk " << chunk);
    CHECK(r.done());
    CHECK(wire.substr(at) == "NOOP\r\n");
    CHECK(r.message() == expected);
  }
}

TEST_CASE("DATA: bare LF line ends, an empty message, and the size limit", "[smtp]") {
  // Only CRLF ends a line: after a bare LF a dot is data, neither the end nor unstuffed.
  data_reader lf(100);
  const std::string bare = "a\n.\nb\r\n.\r\n";
  CHECK(lf.feed(bare) == bare.size());
  CHECK(lf.done());
  CHECK(lf.message() == "a\n.\nb\r\n");
  data_reader empty(100);
  empty.feed(".\r\n");
  CHECK(empty.done());
  CHECK(empty.message().empty());
  data_reader big(10);
  const std::string wire = "0123456789abcdef\r\nmore\r\n.\r\n";
  CHECK(big.feed(wire) == wire.size());
  CHECK(big.done());
  CHECK(big.too_big());
  CHECK(big.message().empty());
  CHECK(big.size() == wire.size() - 3);
}

// The command table (verb, protocols, states, handler, refusal) answers every verb in every state
// as the chain of ifs it replaced did: the codes below were recorded from that code, for each of
// these commands, with and without STARTTLS on offer.
TEST_CASE("the command table: every verb in every state", "[smtp]") {
  const std::vector<std::string> commands = {
      "EHLO h", "HELO h", "LHLO h", "EHLO", "EHLO a b", "MAIL FROM:<>", "MAIL x", "mail from:<>", "RCPT TO:<a@b.test>", "RCPT",
      "DATA", "DATA x", "RSET", "RSET x", "NOOP", "QUIT", "VRFY", "VRFY a", "STARTTLS", "STARTTLS x",
      "HELP", "AUTH PLAIN", "BDAT 1", "ETRN", "EXPN a", "TURN", "XCLIENT", "FOO", "", "starttls"};
  // [tls][protocol][state: fresh, greeted, after MAIL, after RCPT]
  const std::map<std::string, std::string> expected = {
      {"0 lmtp 0", "500 500 250 500 500 503 503 503 503 503 503 501 250 501 250 221 501 252 502 501 214 502 502 502 502 502 502 500 500 502"},
      {"0 lmtp 1", "500 500 250 500 500 250 501 250 503 503 503 501 250 501 250 221 501 252 502 501 214 502 502 502 502 502 502 500 500 502"},
      {"0 lmtp 2", "500 500 250 500 500 503 503 503 250 501 503 501 250 501 250 221 501 252 502 501 214 502 502 502 502 502 502 500 500 502"},
      {"0 lmtp 3", "500 500 250 500 500 503 503 503 250 501 354 501 250 501 250 221 501 252 502 501 214 502 502 502 502 502 502 500 500 502"},
      {"0 smtp 0", "250 250 500 501 501 503 503 503 503 503 503 501 250 501 250 221 501 252 502 501 214 502 502 502 502 502 502 500 500 502"},
      {"0 smtp 1", "250 250 500 501 501 250 501 250 503 503 503 501 250 501 250 221 501 252 502 501 214 502 502 502 502 502 502 500 500 502"},
      {"0 smtp 2", "250 250 500 501 501 503 503 503 250 501 554 501 250 501 250 221 501 252 502 501 214 502 502 502 502 502 502 500 500 502"},
      {"0 smtp 3", "250 250 500 501 501 503 503 503 250 501 354 501 250 501 250 221 501 252 502 501 214 502 502 502 502 502 502 500 500 502"},
      {"1 lmtp 0", "500 500 250 500 500 503 503 503 503 503 503 501 250 501 250 221 501 252 220 501 214 502 502 502 502 502 502 500 500 220"},
      {"1 lmtp 1", "500 500 250 500 500 250 501 250 503 503 503 501 250 501 250 221 501 252 220 501 214 502 502 502 502 502 502 500 500 220"},
      {"1 lmtp 2", "500 500 250 500 500 503 503 503 250 501 503 501 250 501 250 221 501 252 503 501 214 502 502 502 502 502 502 500 500 503"},
      {"1 lmtp 3", "500 500 250 500 500 503 503 503 250 501 354 501 250 501 250 221 501 252 503 501 214 502 502 502 502 502 502 500 500 503"},
      {"1 smtp 0", "250 250 500 501 501 503 503 503 503 503 503 501 250 501 250 221 501 252 220 501 214 502 502 502 502 502 502 500 500 220"},
      {"1 smtp 1", "250 250 500 501 501 250 501 250 503 503 503 501 250 501 250 221 501 252 220 501 214 502 502 502 502 502 502 500 500 220"},
      {"1 smtp 2", "250 250 500 501 501 503 503 503 250 501 554 501 250 501 250 221 501 252 503 501 214 502 502 502 502 502 502 500 500 503"},
      {"1 smtp 3", "250 250 500 501 501 503 503 503 250 501 354 501 250 501 250 221 501 252 503 501 214 502 502 502 502 502 502 500 500 503"},
  };
  for (int tls = 0; tls < 2; ++tls)
    for (const mail_protocol protocol : {mail_protocol::smtp, mail_protocol::lmtp})
      for (int state = 0; state < 4; ++state) {
        const std::string key = fmt::format("{} {} {}", tls, protocol == mail_protocol::lmtp ? "lmtp" : "smtp", state);
        std::string codes;
        for (const std::string& c : commands) {
          smtp_session s(protocol, "h.test", session_limits{}, [](std::string_view) { return true; }, tls == 1);
          if (state >= 1) s.command(protocol == mail_protocol::lmtp ? "LHLO a" : "EHLO a");
          if (state >= 2) s.command("MAIL FROM:<>");
          if (state >= 3) s.command("RCPT TO:<x@b.test>");
          codes += (codes.empty() ? "" : " ") + s.command(c).text.substr(0, 3);
        }
        INFO(key);
        CHECK(codes == expected.at(key));
      }
}
