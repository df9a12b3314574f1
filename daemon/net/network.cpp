// See network.hpp.
#include "daemon/net/network.hpp"

#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <charconv>
#include <cerrno>
#include <cstring>
#include <system_error>

namespace bounced::daemon {

namespace {

struct address {
  bool v6 = false;
  std::array<unsigned char, 16> bytes{};
};

std::optional<address> parse_address(std::string_view text) {
  if (text.empty() || text.size() >= INET6_ADDRSTRLEN) return std::nullopt;
  char buffer[INET6_ADDRSTRLEN] = {};
  std::memcpy(buffer, text.data(), text.size());
  address a;
  if (::inet_pton(AF_INET, buffer, a.bytes.data()) == 1) return a;
  if (::inet_pton(AF_INET6, buffer, a.bytes.data()) == 1) {
    a.v6 = true;
    // ::ffff:a.b.c.d is an IPv4 client on a dual-stack socket.
    static constexpr unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::memcmp(a.bytes.data(), mapped, 12) == 0) {
      a.v6 = false;
      std::memmove(a.bytes.data(), a.bytes.data() + 12, 4);
      std::memset(a.bytes.data() + 4, 0, 12);
    }
    return a;
  }
  return std::nullopt;
}

// The first `prefix` bits of a and b are the same.
bool same_prefix(const std::array<unsigned char, 16>& a, const std::array<unsigned char, 16>& b, unsigned prefix) {
  const unsigned whole = prefix / 8, rest = prefix % 8;
  if (std::memcmp(a.data(), b.data(), whole) != 0) return false;
  if (rest == 0) return true;
  const auto mask = static_cast<unsigned char>(0xff << (8 - rest));
  return (a[whole] & mask) == (b[whole] & mask);
}

}  // namespace

std::optional<ip_network> parse_network(std::string_view text) {
  const auto slash = text.find('/');
  const auto host = parse_address(text.substr(0, slash));
  // A network is written as it is meant: "::ffff:10.0.0.0/104" stays IPv6 text, so refuse it.
  if (!host || (!host->v6 && text.substr(0, slash).find(':') != std::string_view::npos)) return std::nullopt;
  const unsigned width = host->v6 ? 128 : 32;
  unsigned prefix = width;
  if (slash != std::string_view::npos) {
    const std::string_view digits = text.substr(slash + 1);
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), prefix);
    if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() || prefix > width) return std::nullopt;
  }
  ip_network n;
  n.v6 = host->v6;
  n.prefix = prefix;
  for (unsigned bit = 0; bit < width; ++bit)
    if (bit < prefix && (host->bytes[bit / 8] & (0x80 >> (bit % 8))))
      n.bytes[bit / 8] = static_cast<unsigned char>(n.bytes[bit / 8] | (0x80 >> (bit % 8)));
  return n;
}

bool network_contains(const ip_network& network, std::string_view text) {
  const auto a = parse_address(text);
  if (!a || a->v6 != network.v6) return false;
  return same_prefix(a->bytes, network.bytes, network.prefix);
}

std::string ip_network::to_string() const {
  char buffer[INET6_ADDRSTRLEN] = {};
  ::inet_ntop(v6 ? AF_INET6 : AF_INET, bytes.data(), buffer, sizeof buffer);
  return std::string(buffer) + "/" + std::to_string(prefix);
}

void clear_stale_socket(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0 || !S_ISSOCK(st.st_mode)) return;  // bind will say what is wrong
  sockaddr_un sun{};
  sun.sun_family = AF_UNIX;
  if (path.size() >= sizeof sun.sun_path) return;
  std::memcpy(sun.sun_path, path.c_str(), path.size() + 1);
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::system_error(errno, std::generic_category(), "socket for unix:" + path);
  const bool live = ::connect(fd, reinterpret_cast<const sockaddr*>(&sun), sizeof sun) == 0;
  ::close(fd);
  if (live) throw std::system_error(EADDRINUSE, std::generic_category(), "unix:" + path + " has a server listening");
  ::unlink(path.c_str());
}

void restrict_socket(const std::string& path) {
  if (::chmod(path.c_str(), 0660) != 0)
    throw std::system_error(errno, std::generic_category(), "cannot set the mode of unix:" + path);
}

}  // namespace bounced::daemon
