#include <catch2/catch.hpp>

#include "parser/date.hpp"

using namespace bounced::parser;

TEST_CASE("RFC 5322 dates", "[date]") {
  auto d = parse_date("Thu, 29 Apr 2013 23:45:41 +0900 (JST)");
  REQUIRE(d);
  CHECK(d->epoch == 1367246741);
  CHECK(d->offset == "+0900");
  auto q = parse_date("24 Apr 2013 00:00:00 +0900");  // qmail leaves out the weekday
  REQUIRE(q);
  CHECK(q->epoch == 1366729200);
  auto z = parse_date("Mon, 1 Jan 2024 10:00:00 GMT");
  REQUIRE(z);
  CHECK(z->epoch == 1704103200);
  CHECK(z->offset == "+0000");
  auto w = parse_date("Wed, 05 Jan 2025 18:03:23 -0400");
  REQUIRE(w);
  CHECK(w->offset == "-0400");
}

TEST_CASE("what is no date is refused", "[date]") {
  CHECK_FALSE(parse_date(""));
  CHECK_FALSE(parse_date("yesterday"));
  CHECK_FALSE(parse_date("99 Foo 2013 25:00:00"));
}
