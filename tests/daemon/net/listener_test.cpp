#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <boost/asio/write.hpp>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <thread>

#include "daemon/net/listener.hpp"

using namespace bounced::daemon;
namespace asio = boost::asio;

namespace {

// Connects to 127.0.0.1:port and reads until the server closes.
std::string exchange(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_port = htons(port);
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<const sockaddr*>(&sin), sizeof sin) == 0);
  std::string got;
  char buffer[256];
  for (ssize_t n; (n = ::read(fd, buffer, sizeof buffer)) > 0;) got.append(buffer, static_cast<std::size_t>(n));
  ::close(fd);
  return got;
}

// What the code under test writes to stderr (the log) while it runs.
class stderr_capture {
 public:
  stderr_capture() : path_(std::filesystem::temp_directory_path() / ("net-log-" + std::to_string(::getpid()))) {
    std::fflush(stderr);
    saved_ = ::dup(2);
    const int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::dup2(fd, 2);
    ::close(fd);
  }
  ~stderr_capture() { restore(); std::filesystem::remove(path_); }
  std::string text() {
    restore();
    std::ifstream in(path_);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

 private:
  void restore() {
    if (saved_ < 0) return;
    std::fflush(stderr);
    ::dup2(saved_, 2);
    ::close(saved_);
    saved_ = -1;
  }
  std::filesystem::path path_;
  int saved_ = -1;
};

}  // namespace

TEST_CASE("the accept loop serves admitted connections, and a session's exception is logged", "[net]") {
  asio::io_context io{1};
  auto acceptor = net::listen_tcp(io, "127.0.0.1", 0, "test");
  const std::uint16_t port = acceptor.local_endpoint().port();
  REQUIRE(port != 0);
  int accepted = 0;
  const auto admit = [&accepted](net::tcp::socket&, const std::string&) { return ++accepted != 3; };
  const auto serve = [](net::tcp::socket socket, std::string client) -> asio::awaitable<void> {
    static int served = 0;
    if (++served == 2) throw std::runtime_error("boom");
    const std::string line = "hello " + client + "\n";
    co_await asio::async_write(socket, asio::buffer(line), asio::use_awaitable);
  };
  stderr_capture log;
  asio::co_spawn(io, net::accept_loop(io, acceptor, admit, serve, "test"), net::log_failure{"test", "accept loop"});
  std::thread runner([&io] { io.run(); });
  CHECK(exchange(port) == "hello 127.0.0.1\n");
  CHECK(exchange(port).empty());  // serve threw: the socket closes, the loop goes on
  CHECK(exchange(port).empty());  // not admitted: closed unanswered
  CHECK(exchange(port) == "hello 127.0.0.1\n");
  asio::post(io, [&acceptor] { acceptor.close(); });  // the loop ends when its listener closes
  runner.join();
  const std::string logged = log.text();
  CHECK(logged.find("test session failed: boom") != std::string::npos);
  CHECK(logged.find("test accept loop failed") == std::string::npos);
}

TEST_CASE("a TCP listener names what it could not do", "[net]") {
  asio::io_context io{1};
  auto taken = net::listen_tcp(io, "localhost", 0, "test");  // a name: its first address
  CHECK(taken.local_endpoint().address().is_loopback());
  const std::uint16_t port = taken.local_endpoint().port();
  const std::string address = taken.local_endpoint().address().to_string();
  try {
    net::listen_tcp(io, address, port, "smtp");
    FAIL("a port in use was bound twice");
  } catch (const std::system_error& e) {
    CHECK(e.code() == std::errc::address_in_use);
    CHECK(std::string(e.what()).find("smtp: cannot listen on " + address + ":" + std::to_string(port)) != std::string::npos);
  }
  CHECK_THROWS_WITH(net::listen_tcp(io, "host.invalid", 0, "http"), Catch::Contains("http: listen address host.invalid"));
}

TEST_CASE("a UNIX listener replaces a stale socket, refuses a live one, and is 0660", "[net]") {
  const std::string path = (std::filesystem::temp_directory_path() / ("net-test-" + std::to_string(::getpid()) + ".sock")).string();
  std::filesystem::remove(path);
  {
    // A socket file left by a server that died: bound, never unlinked, nobody listening.
    const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un sun{};
    sun.sun_family = AF_UNIX;
    std::memcpy(sun.sun_path, path.c_str(), path.size() + 1);
    REQUIRE(::bind(fd, reinterpret_cast<const sockaddr*>(&sun), sizeof sun) == 0);
    ::close(fd);
  }
  asio::io_context io{1};
  auto acceptor = net::listen_unix(io, path, "test");
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0660);
  try {
    net::listen_unix(io, path, "test");
    FAIL("a live socket was replaced");
  } catch (const std::system_error& e) {
    CHECK(e.code().value() == EADDRINUSE);
  }
  acceptor.close();
  std::filesystem::remove(path);
}
