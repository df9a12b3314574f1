// See listener.hpp.
#include "daemon/net/listener.hpp"

#include <fmt/format.h>

#include <system_error>

#include "daemon/log.hpp"
#include "daemon/net/network.hpp"

namespace bounced::daemon::net {

tcp::acceptor listen_tcp(asio::io_context& io, const std::string& host, std::uint16_t port, const char* who) {
  boost::system::error_code ec;
  auto address = asio::ip::make_address(host, ec);
  if (ec) {
    tcp::resolver resolver(io);
    const auto found = resolver.resolve(host, std::to_string(port), ec);
    if (ec || found.empty()) throw std::system_error(ec, fmt::format("{}: listen address {}", who, host));
    address = found.begin()->endpoint().address();
  }
  const tcp::endpoint endpoint(address, port);
  tcp::acceptor acceptor(io);
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) throw std::system_error(ec, fmt::format("{}: cannot listen on {}:{}", who, host, port));
  return acceptor;
}

local_stream::acceptor listen_unix(asio::io_context& io, const std::string& path, const char* who) {
  clear_stale_socket(path);
  local_stream::acceptor acceptor(io);
  boost::system::error_code ec;
  acceptor.open(local_stream(), ec);
  if (!ec) acceptor.bind(local_stream::endpoint(path), ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) throw std::system_error(ec, fmt::format("{}: cannot listen on unix:{}", who, path));
  restrict_socket(path);
  return acceptor;
}

std::string peer_name(const tcp::socket& socket) {
  boost::system::error_code ec;
  const auto peer = socket.remote_endpoint(ec);
  return ec ? "unknown" : peer.address().to_string();
}

std::string peer_name(const local_stream::socket&) { return "unix"; }

void log_failure::operator()(std::exception_ptr e) const {
  if (!e) return;
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    log(log_level::error, fmt::format("{} {} failed: {}", who, what, ex.what()));
  } catch (...) {
    log(log_level::error, fmt::format("{} {} failed", who, what));
  }
}

void log_accept_error(const char* who, const boost::system::error_code& ec) {
  log(log_level::warning, fmt::format("{}: accept: {}", who, ec.message()));
}

}  // namespace bounced::daemon::net
