// The address normaliser: the notations gateways and old mail systems write, RFC 5321 quoting,
// IDN kept as written, the local part's case kept.
#include <catch2/catch.hpp>

#include "parser/address.hpp"

using namespace bounced::parser;

TEST_CASE("plain addresses keep their local part's case and lower-case the domain", "[address]") {
  CHECK(normalize_address("Kijitora@Example.JP") == "Kijitora@example.jp");
  CHECK(normalize_address("  user@example.com  ") == "user@example.com");
  CHECK(normalize_address("user@example.com.") == "user@example.com");
  CHECK(normalize_address("user@[192.0.2.1]") == "user@[192.0.2.1]");
  CHECK(normalize_address("user@[IPv6:2001:DB8::1]") == "user@[ipv6:2001:db8::1]");
}

TEST_CASE("address types, proxy prefixes and mailto go", "[address]") {
  CHECK(normalize_address("rfc822; <neko@example.org>") == "neko@example.org");
  CHECK(normalize_address("RFC822;neko@example.org") == "neko@example.org");
  CHECK(normalize_address("SMTP:neko@example.org") == "neko@example.org");
  CHECK(normalize_address("smtp; neko@example.org") == "neko@example.org");
  CHECK(normalize_address("<mailto:neko@example.org>") == "neko@example.org");
  // RFC 6533: a utf-8 address type writes characters as \x{HEX}.
  CHECK(normalize_address("utf-8; \\x{4E0A}\\x{6D77}@example.cn") == "\xE4\xB8\x8A\xE6\xB5\xB7@example.cn");
}

TEST_CASE("display names, comments and the punctuation prose puts around an address go", "[address]") {
  CHECK(normalize_address("\"Smith, John\" <John.Smith@Example.com>") == "John.Smith@example.com");
  CHECK(normalize_address("John Smith <john@example.com>") == "john@example.com");
  CHECK(normalize_address("john@example.com (John Smith)") == "john@example.com");
  CHECK(normalize_address("John Smith john@example.com") == "john@example.com");
  CHECK(normalize_address("'john@example.com'") == "john@example.com");
  CHECK(normalize_address("\"john@example.com\"") == "john@example.com");
  CHECK(normalize_address("`john@example.com'") == "john@example.com");
  CHECK(normalize_address("[john@example.com]") == "john@example.com");
  CHECK(normalize_address("john@example.com:") == "john@example.com");
  CHECK(normalize_address("<john@example.com>...") == "john@example.com");
  CHECK(normalize_address("\xE2\x80\x9C" "john@example.com" "\xE2\x80\x9D") == "john@example.com");
}

TEST_CASE("RFC 5321 quoting: quotes stay only where the local part needs them", "[address]") {
  CHECK(normalize_address("\"john\"@example.com") == "john@example.com");
  CHECK(normalize_address("\"john.smith\"@example.com") == "john.smith@example.com");
  CHECK(normalize_address("\"john smith\"@example.com") == "\"john smith\"@example.com");
  CHECK(normalize_address("<\"a@b\"@example.com>") == "\"a@b\"@example.com");
  CHECK(normalize_address("\"john..smith\"@example.com") == "\"john..smith\"@example.com");
}

TEST_CASE("source routes and routing notations name the final address", "[address]") {
  CHECK(normalize_address("<@relay1.example,@relay2.example:user@example.com>") == "user@example.com");
  CHECK(normalize_address("@relay.example:user@example.com") == "user@example.com");
}

TEST_CASE("X.400 O/R addresses give their RFC-822 attribute, RFC 2156 escapes undone", "[address]") {
  CHECK(normalize_address("/C=DE/ADMD=D400/PRMD=Example/O=Org/S=Smith/G=John/RFC-822=john.smith(a)example.de/") ==
        "john.smith@example.de");
  CHECK(normalize_address("c=US;a= ;p=Example;o=Exchange;RFC-822=j(u)doe(a)example.com;") == "j_doe@example.com");
  CHECK(normalize_address("/C=US/ADMD=ATTMAIL/S=Smith/") == "");
}

TEST_CASE("Exchange IMCEA encapsulation is decoded but an X.500 DN is no address", "[address]") {
  CHECK(normalize_address("IMCEASMTP-john+2Esmith+40example+2Ecom@exchange.example.net") == "john.smith@example.com");
  CHECK(normalize_address("IMCEAEX-_O=ORG_OU=FIRST+20ADMIN+20GROUP_CN=RECIPIENTS_CN=jsmith@corp.example") == "");
}

TEST_CASE("IDN domains stay as written and UTF-8 local parts are taken", "[address]") {
  CHECK(normalize_address("user@B\xC3\xBC" "cher.example") == "user@b\xC3\xBC" "cher.example");
  CHECK(normalize_address("user@xn--bcher-kva.example") == "user@xn--bcher-kva.example");
  CHECK(normalize_address("\xE7\x94\xA8\xE6\x88\xB7@example.cn") == "\xE7\x94\xA8\xE6\x88\xB7@example.cn");
}

TEST_CASE("what is no address gives nothing", "[address]") {
  CHECK(normalize_address("") == "");
  CHECK(normalize_address("John Smith") == "");
  CHECK(normalize_address("user@localhost") == "");
  CHECK(normalize_address("user@") == "");
  CHECK(normalize_address("@example.com") == "");
  CHECK(normalize_address("a\"b@example.com") == "");
  CHECK(normalize_address("user@exa mple.com") == "");
  CHECK(normalize_address("one@example.com two@example.com") == "");
  CHECK(normalize_address(std::string(5000, 'a') + "@example.com") == "");
}

TEST_CASE("find_addresses reads every address of a line, with where it stands", "[address]") {
  const auto found = find_addresses("cion.ralbes@lin.com<mailto:cion.ralbes@lin.com> and <b@example.org>");
  REQUIRE(found.size() == 3);
  CHECK(found[0].address == "cion.ralbes@lin.com");
  CHECK(found[0].begin == 0);
  CHECK(found[1].address == "cion.ralbes@lin.com");
  CHECK(found[2].address == "b@example.org");
  const auto url = find_addresses("see https://example.com/unsub?u=a@b.example or a@b.example");
  REQUIRE(url.size() == 2);
  CHECK(url[0].in_url);
  CHECK_FALSE(url[1].in_url);
  const auto x400 = find_addresses("Recipient: /C=DE/O=Org/RFC-822=jd(a)example.de/ failed");
  REQUIRE(x400.size() == 1);
  CHECK(x400[0].address == "jd@example.de");
  const auto route = find_addresses("<@relay.example:user@example.com>");
  REQUIRE(route.size() == 1);
  CHECK(route[0].address == "user@example.com");
}

TEST_CASE("find_address prefers angle brackets and clean_address keeps what is no address", "[address]") {
  CHECK(find_address("Final-Recipient: rfc822; <Kijitora@Example.JP>") == "Kijitora@example.jp");
  CHECK(find_address("\"x@y.example\" <z@example.com>") == "z@example.com");
  CHECK(clean_address("<Undisclosed recipients>") == "Undisclosed recipients");
  CHECK(clean_address("<User@Example.COM>.") == "User@example.com");
}

TEST_CASE("bare local parts are completed and system addresses told", "[address]") {
  CHECK(complete_local_part("jsmith", "Example.com") == "jsmith@example.com");
  CHECK(complete_local_part("j smith", "example.com") == "");
  CHECK(complete_local_part("jsmith", "localhost") == "");
  CHECK(is_system_address("MAILER-DAEMON@example.com"));
  CHECK(is_system_address("postmaster@example.com"));
  CHECK(is_system_address("Mailer-Daemon"));
  CHECK_FALSE(is_system_address("postmaster-bob@example.com"));
}

TEST_CASE("mailer daemons are told from postmasters and organisations from their domains", "[address]") {
  CHECK(is_mailer_daemon("MAILER-DAEMON@mx.example.com"));
  CHECK_FALSE(is_mailer_daemon("postmaster@example.com"));
  CHECK(same_organisation("postmaster@mx1.example.com", "example.com"));
  CHECK(same_organisation("r1.example.co.jp", "mail.example.co.jp"));
  CHECK_FALSE(same_organisation("postmaster@libsisimai.org", "r1.example.co.jp"));
  CHECK_FALSE(same_organisation("a.example.co.jp", "b.other.co.jp"));
}
