#include <catch2/catch.hpp>

#include "daemon/net/network.hpp"

using namespace bounced::daemon;

TEST_CASE("networks are read in CIDR form, host bits cleared", "[network]") {
  CHECK(parse_network("192.0.2.77/24")->to_string() == "192.0.2.0/24");
  CHECK(parse_network("10.1.2.3")->to_string() == "10.1.2.3/32");
  CHECK(parse_network("2001:db8::1/32")->to_string() == "2001:db8::/32");
  CHECK(parse_network("::1")->to_string() == "::1/128");
  CHECK(parse_network("0.0.0.0/0")->prefix == 0);
  for (const char* bad : {"", "/8", "10.0.0.0/", "10.0.0.0/33", "::/129", "10.0.0.0/8x", "10.0.0/8", "host.example",
                          "::ffff:10.0.0.0/104", "10.0.0.0/-1"})
    CHECK_FALSE(parse_network(bad));
}

TEST_CASE("addresses inside and outside a network", "[network]") {
  const auto v4 = *parse_network("192.0.2.0/23");
  CHECK(network_contains(v4, "192.0.2.1"));
  CHECK(network_contains(v4, "192.0.3.255"));
  CHECK_FALSE(network_contains(v4, "192.0.4.0"));
  CHECK(network_contains(v4, "::ffff:192.0.3.1"));  // an IPv4 client on a dual-stack socket
  CHECK_FALSE(network_contains(v4, "2001:db8::1"));
  CHECK_FALSE(network_contains(v4, "not an address"));
  const auto v6 = *parse_network("2001:db8:8000::/33");
  CHECK(network_contains(v6, "2001:db8:8000::1"));
  CHECK_FALSE(network_contains(v6, "2001:db8:7fff::1"));
  CHECK_FALSE(network_contains(v6, "192.0.2.1"));
  CHECK(network_contains(*parse_network("0.0.0.0/0"), "203.0.113.9"));
  CHECK(network_contains(*parse_network("127.0.0.0/8"), "127.8.9.10"));
  CHECK(network_contains(*parse_network("::1/128"), "::1"));
}
