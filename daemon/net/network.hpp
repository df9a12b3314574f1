// IP networks in CIDR form, for the clients that may call an interface without credentials
// (Oempro's /api.php, seeds/000). "127.0.0.0/8", "::1/128", or a bare address for one host.
// An IPv4 client seen on an IPv6 socket (::ffff:192.0.2.1) matches IPv4 networks.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace bounced::daemon {

struct ip_network {
  bool v6 = false;
  std::array<unsigned char, 16> bytes{};  // the address, host bits cleared (4 bytes used for IPv4)
  unsigned prefix = 0;                    // 0..32 or 0..128
  std::string to_string() const;          // as it would be written: "192.0.2.0/24"
  friend bool operator==(const ip_network&, const ip_network&) = default;
};

// nullopt when text is not an address with an optional /prefix in range.
std::optional<ip_network> parse_network(std::string_view text);
// Whether the address (numeric, as a socket reports it) is inside the network; false for text
// that is not an address.
bool network_contains(const ip_network& network, std::string_view address);

// Before binding a UNIX socket at path: a socket file that nobody listens on (left by a run that
// died) is removed; one that answers a connect belongs to a running server, and is left alone
// with std::system_error (EADDRINUSE) naming it.
void clear_stale_socket(const std::string& path);
// After binding: the socket's mode, 0660 (the owner and its group may connect); throws
// std::system_error when it cannot be set.
void restrict_socket(const std::string& path);

}  // namespace bounced::daemon
