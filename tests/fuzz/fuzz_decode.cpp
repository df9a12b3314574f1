// libFuzzer target: any bytes through the whole decoding path (MIME, every decoder, the common
// last step) and the classifier. A crash, a sanitizer report, a leak or a timeout is a bug.
// Run: tests/fuzz/run (seeds from samples/mail, ASan + UBSan).
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <variant>

#include "daemon/record.hpp"
#include "parser/decode.hpp"

namespace {

const bounced::classifier::rule_set& rules() {
  static const auto compiled = bounced::classifier::rule_set::compile({});
  return std::get<bounced::classifier::rule_set>(compiled);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto report = bounced::parser::decode(input);
  const auto records = bounced::daemon::make_records(report, rules(), "fuzz");
  for (const auto& r : records) (void)bounced::daemon::to_json(r);
  return 0;
}
