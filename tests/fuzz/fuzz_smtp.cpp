// libFuzzer target: a whole SMTP or LMTP conversation from the client's side. The first byte
// picks the protocol and TLS offer; the rest is cut into lines as the server cuts them, and
// after each 354 the bytes go through the DATA reader in chunks whose sizes the input also
// picks. A crash, a sanitizer report, a reply without CRLF or an unbounded reply is a bug.
// Run: tests/fuzz/run-smtp [RUNS].
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "daemon/smtpd/smtp_session.hpp"

using namespace bounced::daemon;

namespace {

void check(const session_reply& reply) {
  // Every reply is complete lines of bounded length.
  if (reply.text.empty() || reply.text.size() < 2 || reply.text.substr(reply.text.size() - 2) != "\r\n") std::abort();
  if (reply.text.size() > 16 * 1024) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t mode = data[0];
  std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
  session_limits limits;
  limits.message_size_bytes = 4096;
  limits.recipients_per_message = 5;
  limits.errors_per_session = 50;
  smtp_session session((mode & 1) ? mail_protocol::lmtp : mail_protocol::smtp, "mx.fuzz.test", limits,
                       [](std::string_view domain) { return domain.size() % 2 == 0; }, (mode & 2) != 0);
  while (!input.empty()) {
    const std::size_t nl = input.find('\n');
    std::string_view line = input.substr(0, nl);
    input = nl == std::string_view::npos ? std::string_view() : input.substr(nl + 1);
    if (line.size() > 512) {
      check(session.line_too_long());
      continue;
    }
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const session_reply reply = session.command(line);
    check(reply);
    if (reply.action == session_action::close) break;
    if (reply.action == session_action::start_tls) session.tls_started();
    if (reply.action == session_action::read_data) {
      data_reader reader(limits.message_size_bytes);
      std::size_t chunk = 1 + (mode >> 2);
      while (!reader.done() && !input.empty()) {
        const std::size_t used = reader.feed(input.substr(0, chunk));
        input.remove_prefix(used);
        if (used < std::min(chunk, input.size() + used) && !reader.done()) std::abort();  // took less without ending
        chunk = chunk * 3 % 61 + 1;
      }
      if (reader.message().size() > limits.message_size_bytes) std::abort();
      if (!reader.done()) break;
      check(session.data_done(mode & 4, "1", reader.too_big()));
    }
  }
  return 0;
}
