#include <catch2/catch.hpp>

#include <cstdint>
#include <string>

#include "parser/text.hpp"

using namespace bounced::parser;

TEST_CASE("line ends of every kind become LF", "[text]") {
  CHECK(normalize_newlines("a\r\nb\rc\nd") == "a\nb\nc\nd");
  CHECK(normalize_newlines("\r\r\n") == "\n\n");
}

TEST_CASE("case-insensitive search", "[text]") {
  CHECK(ifind("Hello World", "WORLD") == 6);
  CHECK(ifind("abc", "abcd") == std::string_view::npos);
  CHECK(icontains("User Unknown", "user unknown"));
  CHECK_FALSE(icontains("", "x"));
}

namespace {

std::size_t naive_ifind(std::string_view text, std::string_view needle, std::size_t from) {
  for (std::size_t i = from; i + needle.size() <= text.size(); ++i)
    if (iequals(text.substr(i, needle.size()), needle)) return i;
  return std::string_view::npos;
}

std::string naive_fold(std::string_view text) {
  std::string out;
  bool space = false;
  for (char c : text) {
    if (c == ' ' || (c >= '\t' && c <= '\r')) {
      space = !out.empty();
    } else {
      if (space) out += ' ';
      space = false;
      out += c;
    }
  }
  return out;
}

}  // namespace

TEST_CASE("case-insensitive search agrees with a plain search at every offset and length", "[text]") {
  // Bytes chosen to hit the vectorised path's corners: letters in both cases, the bytes that
  // differ from a letter only in bit 0x20 ('@' and '`', '[' and '{'), spaces, 8-bit bytes.
  const std::string alphabet = "aAbB@`[{ -\t\n\x80\xC3\xA9Zz  \x01\v\x1F!";
  std::uint32_t seed = 12345;
  auto next = [&] {
    seed = seed * 1103515245U + 12345U;
    return (seed >> 16) & 0x7FFF;
  };
  for (int round = 0; round < 4000; ++round) {
    std::string text, needle;
    const std::size_t text_size = next() % 90, needle_size = 1 + next() % 5;
    for (std::size_t i = 0; i < text_size; ++i) text += alphabet[next() % alphabet.size()];
    for (std::size_t i = 0; i < needle_size; ++i) needle += alphabet[next() % alphabet.size()];
    if (!text.empty() && next() % 2 == 0) needle = text.substr(next() % text.size(), needle_size);
    const std::size_t from = next() % (text_size + 2);
    INFO("text [" << text << "] needle [" << needle << "] from " << from);
    REQUIRE(ifind(text, needle, from) == naive_ifind(text, needle, from));
    REQUIRE(fold_space(text) == naive_fold(text));
  }
  CHECK(ifind(std::string(40, 'x') + "@Bc", "`bC") == std::string_view::npos);
  CHECK(ifind(std::string(40, 'x') + "@Bc", "@bC") == 40);
}

TEST_CASE("addresses are found in angle brackets first, then as bare tokens", "[text]") {
  CHECK(find_address("Final-Recipient: rfc822; <Kijitora@Example.JP>") == "Kijitora@example.jp");
  CHECK(find_address("550 5.1.1 neko@example.org... User unknown") == "neko@example.org");
  CHECK(find_address("no address here") == "");
  CHECK(find_address("<not an address> but this@example.com is") == "this@example.com");
  CHECK(find_address("user@localhost") == "");
  CHECK(looks_like_address("a@[192.0.2.1]"));
  CHECK_FALSE(looks_like_address("a b@example.com"));
}

TEST_CASE("enhanced status codes are found but not inside IP addresses or versions", "[text]") {
  CHECK(find_status_code("550 5.1.1 <a@b.c>... User unknown") == "5.1.1");
  CHECK(find_status_code("host 192.0.2.1 said: 4.4.7 expired") == "4.4.7");
  CHECK(find_status_code("Exim 4.72 no code") == "");
  CHECK(find_status_code("v5.1.10 x") == "");  // no word boundary before the class digit
  CHECK(find_status_code("(#5.1.10)") == "5.1.10");
}

TEST_CASE("reply codes stand as words", "[text]") {
  CHECK(find_reply_code("host said: 550 5.1.1 unknown") == "550");
  CHECK(find_reply_code("552-5.2.2 full") == "552");
  CHECK(find_reply_code("id 12550 x") == "");
  CHECK(find_reply_code("5.5.0") == "");
  CHECK(find_reply_code("ERROR_CODE :550, x") == "");
  CHECK(find_labelled_reply_code("Invalid Address, ERROR_CODE :550, ERROR_CODE :Requested action not taken") == "550");
  CHECK(find_labelled_reply_code("[Status: Error, ResponseCode 421, , Host not reachable.]") == "421");
  CHECK(find_labelled_reply_code("error code 5501") == "");
  // Only codes the RFCs define, of the status's class.
  CHECK(find_defined_reply_code("host mx.example.net refused to talk to me: 554 Blocked", "4.0.0") == "");
  CHECK(find_defined_reply_code("220-mx.example.net 421 4.2.1 try later", "4.2.1") == "421");
  CHECK(find_defined_reply_code("554 4.4.7 expired <421 4.4.2 timed out>", "4.4.2") == "421");
  CHECK(find_defined_reply_code("541 5.4.1 rejected", "5.4.1") == "");
  CHECK(find_defined_reply_code("426 connection lost", "") == "");
  CHECK(find_defined_reply_code("550 5.1.1 unknown", "") == "550");
}

TEST_CASE("the last SMTP command is read from the diagnostic", "[text]") {
  CHECK(find_command("SMTP error from remote mail server after RCPT TO:<a@b.c>:") == "RCPT");
  CHECK(find_command("after end of data: host x") == "DATA");
  CHECK(find_command("in reply to MAIL FROM command") == "MAIL");
  CHECK(find_command("nothing") == "");
  CHECK(find_command("SMTP:RCPT host 192.0.2.8: 553 5.3.0 <a@example.com>... No such user here") == "RCPT");
  CHECK(find_command(">>> MAIL FROM:<a@example.com>\n<<< 250 ok\n>>> RCPT TO:<b@example.net>\n<<< 550 no\n") == "RCPT");
  CHECK(find_command(">>> RCPT TO:<b@example.net>\n<<< 250 ok\n>>> DATA\n<<< 554 refused\n") == "DATA");
  // qmail names the failed step in a sentence of its own.
  CHECK(find_command("192.0.2.1 does not like recipient. Remote host said: 550 5.1.1 no") == "RCPT");
  CHECK(find_command("Connected to 192.0.2.1 but sender was rejected. Remote host said: 421 later") == "MAIL");
  CHECK(find_command("192.0.2.1 failed after I sent the message. Remote host said: 550 for a legitimate mail") ==
        "DATA");
  CHECK(find_command("host mx.example.net[192.0.2.1] refused to talk to me: 421 service not available") == "HELO");
}

TEST_CASE("host names come out of Remote-MTA forms", "[text]") {
  CHECK(host_of("dns; mx1.Example.com") == "mx1.example.com");
  CHECK(host_of("mx.example.jp [192.0.2.20]: 550") == "mx.example.jp");
  CHECK(host_of("dns; [192.0.2.1]") == "192.0.2.1");
}

TEST_CASE("a reply code after '#' counts where an enhanced code of its class follows", "[text]") {
  CHECK(find_reply_code("#550 5.1.1 RESOLVER.ADR.RecipNotFound; not found ##") == "550");
  CHECK(find_reply_code("Sorry, no mailbox here by that name. (#5.1.1)") == "");
  CHECK(find_reply_code("#550 4.1.1 mismatched") == "");
}
