// See http_server.hpp.
#include "daemon/httpd/http_server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <fmt/format.h>

#include <unistd.h>

#include <mutex>
#include <optional>
#include <system_error>
#include <thread>
#include <vector>

#include "daemon/log.hpp"
#include "daemon/net/listener.hpp"

namespace bounced::daemon {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using asio::awaitable;
using net::local_stream;
using net::tcp;
using net::tuple_awaitable;

namespace {

constexpr auto header_limit = static_cast<std::uint32_t>(params::http_header_bytes);
}  // namespace

struct http_server::impl {
  http_server_options options;
  std::shared_ptr<const http_api> api;
  std::size_t open = 0;  // connections, counted on the I/O thread
  bool stopped = false;
  // Destroyed in reverse: the thread is joined, the acceptors close, and then the io_context
  // destroys the coroutines still pending (their guards count down `open`, still alive).
  asio::io_context io{1};
  std::vector<std::unique_ptr<tcp::acceptor>> acceptors;
  std::vector<std::unique_ptr<local_stream::acceptor>> unix_acceptors;
  std::vector<std::string> unix_paths;
  std::thread thread;

  // Whether a connection just accepted may have a session; over the limit it is closed unanswered.
  template <class Socket>
  bool admit(Socket&, const std::string&) {
    if (open < options.connections) return true;
    log(log_level::warning, fmt::format("http: {} connections open, the limit: closing a new one", open));
    return false;
  }

  // Sends a whole response; false when the client is gone.
  template <class Stream>
  static awaitable<bool> send(Stream& stream, http::response<http::string_body>& res) {
    auto [ec, n] = co_await http::async_write(stream, res, tuple_awaitable);
    co_return !ec;
  }

  // Waits, without holding up the thread, for a deferred answer, or for answer_timeout. The
  // answer may come from any thread, after this session ended or the server stopped: it reaches
  // the timer only while the timer lives (the guard below clears the pointer under the lock).
  struct waiting {
    std::mutex lock;
    asio::steady_timer* timer = nullptr;
    std::optional<http_response> answer;
  };
  awaitable<http_response> settle(const deferred_response& later) {
    auto state = std::make_shared<waiting>();
    asio::steady_timer timer(io);
    timer.expires_after(options.answer_timeout);
    state->timer = &timer;
    struct release {
      waiting& w;
      ~release() {
        std::lock_guard<std::mutex> hold(w.lock);
        w.timer = nullptr;
      }
    } guard{*state};
    later.start([state](http_response a) {
      std::lock_guard<std::mutex> hold(state->lock);
      if (state->answer || state->timer == nullptr) return;
      state->answer = std::move(a);
      asio::post(state->timer->get_executor(), [state] {
        std::lock_guard<std::mutex> again(state->lock);
        if (state->timer) state->timer->cancel();
      });
    });
    co_await timer.async_wait(tuple_awaitable);
    std::lock_guard<std::mutex> hold(state->lock);
    if (state->answer) co_return std::move(*state->answer);
    state->timer = nullptr;  // an answer from now on is dropped
    co_return later.timed_out();
  }

  // A UNIX socket's client is local (the socket file's permissions decide who may connect) and is
  // served as a loopback client is.
  static bool local_peer(const tcp::socket& socket) {
    boost::system::error_code ec;
    const auto peer = socket.remote_endpoint(ec);
    return !ec && peer.address().is_loopback();
  }
  static bool local_peer(const local_stream::socket&) { return true; }

  template <class Socket>
  awaitable<void> session(Socket socket, std::string client_address) {
    ++open;
    struct count_guard {
      std::size_t& n;
      ~count_guard() { --n; }
    } guard{open};
    const bool loopback = local_peer(socket);
    beast::basic_stream<typename Socket::protocol_type, asio::any_io_executor, beast::unlimited_rate_policy> stream(
        std::move(socket));
    beast::flat_buffer buffer;
    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.body_limit(options.body_limit);
      parser.header_limit(header_limit);
      stream.expires_after(options.idle_timeout);
      auto [ec, n] = co_await http::async_read(stream, buffer, parser, tuple_awaitable);
      if (ec == http::error::body_limit || ec == http::error::header_limit) {
        // Answered in the shape of the route asked for (as far as the request line was read),
        // then the connection closes: the rest of the request is not read.
        std::string target(parser.get().target());
        if (target.empty()) {
          // A request line too long to parse: the start of its target, as received, is enough to
          // tell whose route it asked for.
          const std::string_view head(static_cast<const char*>(buffer.data().data()), std::min<std::size_t>(buffer.size(), 4096));
          const std::size_t space = head.find(' ');
          if (space != std::string_view::npos) target = head.substr(space + 1, head.find_first_of(" \r\n", space + 1) - space - 1);
        }
        const http_response big = ec == http::error::body_limit ? http_api::too_large(options.body_limit, target)
                                                                : http_api::header_too_large(header_limit, target);
        http::response<http::string_body> res{static_cast<http::status>(big.status), 11};
        res.set(http::field::content_type, big.content_type);
        res.keep_alive(false);
        res.body() = big.body;
        res.prepare_payload();
        co_await send(stream, res);
        break;
      }
      if (ec) break;
      http::request<http::string_body>& req = parser.get();
      http_request request;
      request.method = std::string(req.method_string());
      request.target = std::string(req.target());
      request.authorization = std::string(req[http::field::authorization]);
      request.content_type = std::string(req[http::field::content_type]);
      request.loopback = loopback;
      request.client_address = client_address;
      request.body = std::move(req.body());
      const bool keep_alive = req.keep_alive();
      const unsigned version = req.version();
      http_response answer = api->handle(request);
      if (const auto later = answer.later) answer = co_await settle(*later);

      stream.expires_after(options.idle_timeout);
      if (!answer.next) {
        http::response<http::string_body> res{static_cast<http::status>(answer.status), version};
        res.set(http::field::server, "bounced");
        res.set(http::field::content_type, answer.content_type);
        for (const auto& [name, value] : answer.headers) res.set(name, value);
        res.keep_alive(keep_alive);
        res.body() = std::move(answer.body);
        res.prepare_payload();
        if (!co_await send(stream, res) || !keep_alive) break;
        continue;
      }
      // Streamed: chunked transfer coding, one chunk per piece the API hands over.
      http::response<http::empty_body> head{static_cast<http::status>(answer.status), version};
      head.set(http::field::server, "bounced");
      head.set(http::field::content_type, answer.content_type);
      for (const auto& [name, value] : answer.headers) head.set(name, value);
      head.keep_alive(keep_alive);
      head.chunked(true);
      http::response_serializer<http::empty_body> serializer{head};
      if (auto [hec, hn] = co_await http::async_write_header(stream, serializer, tuple_awaitable); hec) break;
      bool whole = true;
      std::optional<std::string> piece = std::move(answer.body);
      for (;;) {
        if (!piece->empty()) {
          stream.expires_after(options.idle_timeout);
          auto [wec, wn] = co_await asio::async_write(stream, http::make_chunk(asio::buffer(*piece)), tuple_awaitable);
          if (wec) {
            whole = false;
            break;
          }
        }
        try {
          piece = answer.next();
        } catch (const std::exception& e) {
          // The status line went out already: the connection closes without the last chunk, so
          // the client sees a broken answer, never a short one that looks whole.
          log(log_level::error, fmt::format("http: {} {}: {}", request.method, request.target, e.what()));
          whole = false;
          break;
        }
        if (!piece) break;
      }
      if (!whole) break;
      if (auto [lec, ln] = co_await asio::async_write(stream, http::make_chunk_last(), tuple_awaitable); lec) break;
      if (!keep_alive) break;
    }
    boost::system::error_code ignored;
    stream.socket().shutdown(Socket::shutdown_send, ignored);
  }
};

http_server::http_server(http_server_options options, std::shared_ptr<const http_api> api)
    : impl_(std::make_unique<impl>()) {
  impl_->options = options;
  impl_->api = std::move(api);
}

http_server::~http_server() { stop(); }

std::uint16_t http_server::listen(const std::string& host, std::uint16_t port) {
  auto acceptor = std::make_unique<tcp::acceptor>(net::listen_tcp(impl_->io, host, port, "http"));
  const std::uint16_t bound = acceptor->local_endpoint().port();
  impl_->acceptors.push_back(std::move(acceptor));
  return bound;
}

void http_server::listen_unix(const std::string& path) {
  // Mode 0660: the owner and the group may call it.
  impl_->unix_acceptors.push_back(std::make_unique<local_stream::acceptor>(net::listen_unix(impl_->io, path, "http")));
  impl_->unix_paths.push_back(path);
}

void http_server::start() {
  impl& s = *impl_;
  const auto admit = [&s](auto& socket, const std::string& client) { return s.admit(socket, client); };
  const auto serve = [&s](auto socket, std::string client) { return s.session(std::move(socket), std::move(client)); };
  for (auto& a : s.acceptors)
    asio::co_spawn(s.io, net::accept_loop(s.io, *a, admit, serve, "http"), net::log_failure{"http", "accept loop"});
  for (auto& a : s.unix_acceptors)
    asio::co_spawn(s.io, net::accept_loop(s.io, *a, admit, serve, "http"), net::log_failure{"http", "accept loop"});
  s.thread = std::thread([this] { impl_->io.run(); });
}

void http_server::stop() {
  if (!impl_ || impl_->stopped) return;
  impl_->stopped = true;
  impl_->io.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
  impl_->acceptors.clear();
  impl_->unix_acceptors.clear();
  for (const std::string& path : impl_->unix_paths) ::unlink(path.c_str());
}

}  // namespace bounced::daemon
