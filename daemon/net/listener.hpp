// The Asio plumbing both servers share: a TCP or UNIX listener opened from its address, the
// accept loop that spawns one coroutine per connection, and the completion handler that logs how
// a spawned coroutine failed (nothing here is spawned `detached`: an exception that leaves a
// session is logged, never lost). smtpd and httpd build their sessions on it; nothing outside
// net/, smtpd/ and httpd/ sees Asio.
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <exception>
#include <string>
#include <utility>

namespace bounced::daemon::net {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using local_stream = asio::local::stream_protocol;
inline constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);

// The wait after an accept that failed for want of resources (EMFILE, ENFILE, ENOBUFS), so that
// the loop does not spin while none is freed.
inline constexpr std::chrono::milliseconds accept_error_pause{100};

// A listening TCP socket on host:port. The host is an address, or a name whose first address is
// taken once, at start; port 0 takes a free one (read it from local_endpoint()). Throws
// std::system_error naming `who` (the listener's protocol: "lmtp", "smtp", "http") and the address.
tcp::acceptor listen_tcp(asio::io_context& io, const std::string& host, std::uint16_t port, const char* who);

// A listening UNIX socket at path: a stale socket file is removed first (clear_stale_socket), a
// live one is an error; the socket's mode is then 0660 (the owner and its group may connect).
local_stream::acceptor listen_unix(asio::io_context& io, const std::string& path, const char* who);

// The peer's address as text ("192.0.2.1", "::1"), "unknown" when the socket has none left;
// "unix" for a UNIX socket.
std::string peer_name(const tcp::socket& socket);
std::string peer_name(const local_stream::socket& socket);

// The completion handler of a spawned coroutine: logs at error level the exception that ended
// it as "{who} {what} failed: ..." ("lmtp session failed: ..."). Both must outlive the coroutine
// (string literals).
struct log_failure {
  const char* who;
  const char* what;
  void operator()(std::exception_ptr e) const;
};

// Logs, at warning level, an accept that failed while its listener stays open.
void log_accept_error(const char* who, const boost::system::error_code& ec);

// Accepts until the acceptor closes. Each accepted socket goes to admit(socket&, client), which
// answers whether it may have a session (it refuses the others itself, by closing or answering
// them); an admitted one runs serve(std::move(socket), std::move(client)), an awaitable,
// spawned on io with a log_failure handler ("{who} session failed: ..."). An accept that fails with the acceptor
// still open is logged and retried after accept_error_pause.
template <class Acceptor, class Admit, class Serve>
asio::awaitable<void> accept_loop(asio::io_context& io, Acceptor& acceptor, Admit admit, Serve serve, const char* who) {
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(tuple_awaitable);
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
      log_accept_error(who, ec);
      asio::steady_timer pause(io, accept_error_pause);
      co_await pause.async_wait(tuple_awaitable);
      continue;
    }
    std::string client = peer_name(socket);
    if (!admit(socket, client)) continue;
    asio::co_spawn(io, serve(std::move(socket), std::move(client)), log_failure{who, "session"});
  }
}

}  // namespace bounced::daemon::net
