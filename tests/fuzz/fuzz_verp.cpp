// libFuzzer target: random VERP templates and envelope recipients through compile + match and
// correlate(). Input: template, a newline, the address (a second newline: a header value).
// A crash, a sanitizer report, a timeout (backtracking) or a broken promise of the matcher is a bug.
// Run: tests/fuzz/run verp [RUNS] (seeds: tests/fuzz/seeds/verp).
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <variant>

#include "daemon/pipeline/correlate.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace bounced::daemon;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto nl = input.find('\n');
  const auto text = input.substr(0, nl);
  std::string_view rest = nl == std::string_view::npos ? std::string_view{} : input.substr(nl + 1);
  const auto nl2 = rest.find('\n');
  const auto address = rest.substr(0, nl2);
  const auto header = nl2 == std::string_view::npos ? std::string_view{} : rest.substr(nl2 + 1);

  (void)recipient_from_plain_verp(address);
  auto compiled = verp_template::compile(text);
  if (!std::holds_alternative<verp_template>(compiled)) return 0;
  const auto& t = std::get<verp_template>(compiled);
  if (const auto m = t.match(address)) {
    // A match always gives user@domain, ids within their bound, from an address within its bound.
    if (m->recipient_from_verp.find('@') == std::string::npos || address.size() > max_address_bytes) __builtin_trap();
    for (const std::string* id : {&m->campaign_id, &m->send_id, &m->email_id, &m->list_id, &m->send_message_id,
                                  &m->source_system, &m->transaction_id})
      if (id->size() > max_id_bytes) __builtin_trap();
  }
  bounced::parser::report report;
  report.original.x_headers.push_back({"X-Campaign-ID", std::string(header)});
  report.original_envelope_id = std::string(header);
  const auto c = correlate(address, report, {&t, 1}, correlation_headers{});
  if (c.transaction_id.size() > max_id_bytes) __builtin_trap();
  return 0;
}
