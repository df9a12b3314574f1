// Decoding time against message size on hostile shapes: for each shape, messages of 1, 2, 4 and
// 8 MB (and 10 MB) are decoded and classified, and the time per MB printed. Linear time shows as a
// flat ms/MB column; anything that grows with size is a bug.
// --tiny: messages of 64, 128 and 256 KB, decoded once; ctest runs it
// (tests/bench/bench_tiny_test.py) so that the benchmark keeps working; its figures mean
// nothing. Usage: bench_linear [--tiny] [REPEAT]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <variant>
#include <vector>

#include "daemon/pipeline/record.hpp"
#include "parser/decode.hpp"

namespace {

const std::string dsn_head =
    "From: MAILER-DAEMON@mx.example.org\nSubject: Undelivered Mail Returned to Sender\n"
    "Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\n\n--b\n"
    "Content-Type: text/plain\n\nfailed\n--b\nContent-Type: message/delivery-status\n\n"
    "Final-Recipient: rfc822; a@example.net\nAction: failed\nStatus: 5.1.1\n"
    "Diagnostic-Code: smtp; 550 5.1.1 user unknown\n--b\nContent-Type: message/rfc822\n\n"
    "From: s@example.com\nSubject: x\n\n";

std::string fill(std::size_t bytes, const std::string& unit) {
  std::string out;
  out.reserve(bytes + unit.size());
  while (out.size() < bytes) out += unit;
  return out;
}

struct shape {
  const char* name;
  std::function<std::string(std::size_t)> make;
};

}  // namespace

int main(int argc, char** argv) {
  const bool tiny = argc > 1 && std::strcmp(argv[1], "--tiny") == 0;
  if (tiny) {
    --argc;
    ++argv;
  }
  const int repeat = argc > 1 ? std::max(1, std::atoi(argv[1])) : tiny ? 1 : 3;
  const std::vector<std::size_t> sizes_kb =
      tiny ? std::vector<std::size_t>{64, 128, 256} : std::vector<std::size_t>{1024, 2048, 4096, 8192, 10240};
  auto compiled = bounced::classifier::rule_set::compile({});
  const auto& rules = std::get<bounced::classifier::rule_set>(compiled);
  const std::vector<shape> shapes = {
      {"dsn, large original", [](std::size_t n) { return dsn_head + fill(n, std::string(76, 'x') + "\n") + "\n--b--\n"; }},
      {"dsn, one long line", [](std::size_t n) { return dsn_head + fill(n, "y") + "\n--b--\n"; }},
      {"text bounce, many recipients",
       [](std::size_t n) {
         return "From: MAILER-DAEMON@mx.example.org\nSubject: failure notice\n\n" +
                fill(n, "<user@example.net>: 550 5.1.1 user unknown\n");
       }},
      {"angle brackets", [](std::size_t n) { return "From: MAILER-DAEMON@mx.example.org\nSubject: failure\n\n" + fill(n, "<"); }},
      {"at signs", [](std::size_t n) { return "From: MAILER-DAEMON@mx.example.org\nSubject: failure\n\n" + fill(n, "a@"); }},
      {"boundaries", [](std::size_t n) {
         return "Content-Type: multipart/mixed; boundary=\"a\"\n\n" + fill(n, "--a\nContent-Type: text/plain\n\nx\n");
       }},
      // The fallback decoder: a failure sentence and a list of addresses with their reasons, one
      // paragraph of failure sentences that never ends, labels everywhere, an HTML-only notice.
      {"fallback, listed recipients",
       [](std::size_t n) {
         return "From: MAILER-DAEMON@mx.example.org\nSubject: Undeliverable\n\nDelivery has failed to these recipients:\n\n" +
                fill(n, "  someone@example.net\n    Remote Server returned '550 5.1.1 User unknown'\n");
       }},
      {"fallback, one long paragraph",
       [](std::size_t n) {
         return "From: MAILER-DAEMON@mx.example.org\nSubject: Undeliverable\n\n" +
                fill(n, "Your message to a@example.net could not be delivered. Reason: 550 user unknown\n");
       }},
      {"fallback, labels",
       [](std::size_t n) {
         return "From: MAILER-DAEMON@mx.example.org\nSubject: Undeliverable\n\n" +
                fill(n, "Recipient: r@example.net\nError: 550 5.1.1\nFrom: s@example.com\n\n");
       }},
      {"fallback, html",
       [](std::size_t n) {
         return "From: MAILER-DAEMON@mx.example.org\nSubject: Undeliverable\nContent-Type: text/html\n\n<html><body>" +
                fill(n, "<p>Your message to <b>a@example.net</b> couldn&#39;t be delivered.</p><td>550 5.1.1</td>");
       }},
  };
  std::printf("%-30s %8s %10s %10s\n", "shape", "MB", "ms", "ms/MB");
  for (const auto& s : shapes) {
    for (std::size_t kb : sizes_kb) {
      const std::string message = s.make(kb << 10);
      const double mb = static_cast<double>(kb) / 1024.0;
      std::vector<double> ms;
      for (int r = 0; r < repeat; ++r) {
        const auto start = std::chrono::steady_clock::now();
        const auto records = bounced::daemon::make_records(bounced::parser::decode(message), rules, "bench");
        const std::chrono::duration<double, std::milli> took = std::chrono::steady_clock::now() - start;
        ms.push_back(took.count());
        (void)records;
      }
      std::sort(ms.begin(), ms.end());
      const double median = ms[ms.size() / 2];
      std::printf("%-30s %8.4g %10.1f %10.1f\n", s.name, mb, median, median / mb);
    }
  }
  return 0;
}
