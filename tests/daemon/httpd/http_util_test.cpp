// The HTTP helpers: numbers from query strings, and Basic credentials.
#include <catch2/catch.hpp>

#include "daemon/httpd/http_util.hpp"

using namespace bounced::daemon;

TEST_CASE("to_int: decimal digits only, below 10^18", "[http_util]") {
  CHECK(to_int("0") == 0);
  CHECK(to_int("007") == 7);
  CHECK(to_int("999999999999999999") == 999999999999999999);
  for (const char* bad : {"", "-0", "-1", "+1", " 1", "1 ", "1e3", "0x10", "1000000000000000000"})
    CHECK_FALSE(to_int(bad));
}
