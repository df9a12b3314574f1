// libFuzzer target: any bytes through the whole decoding path (MIME, every decoder, the common
// last step) and the classifier, three ways: with the shipped rules; with a user's rules file
// that adds phrases and a decoder (whose conditions the seeds meet: samples/mail holds the
// message it was written for); and with the fallback decoder alone, so that every input reaches
// it. A crash, a sanitizer report, a leak or a timeout is a bug.
// Run: tests/fuzz/run (seeds from samples/mail, ASan + UBSan).
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <variant>

#include "daemon/pipeline/record.hpp"
#include "daemon/pipeline/rulebook.hpp"
#include "parser/decode.hpp"

namespace {

const bounced::daemon::rulebook& shipped() {
  static const auto compiled = bounced::daemon::compile_rulebook({});
  return std::get<bounced::daemon::rulebook>(compiled);
}

const bounced::daemon::rulebook& users() {
  static const auto compiled = bounced::daemon::compile_rulebook({{"fuzz.toml", R"(
[phrases]
failure = ["kon de post niet afleveren", "rejected"]
[phrase_regex]
error = ['quota (?:exceeded|reached)']

[[decoder]]
name = "AcmeRelay"
body = "ACME-RELAY REPORT"
regex = '''(?m)^STATUS=REJECT\nRCPT=(?P<recipient>\S+)\nCODE=(?P<reply_code>\d{3}) (?P<status>\S+)\nTEXT=(?P<diagnostic>.*)$'''

[[decoder]]
name = "Anything"
subject = "a"
scope = "message"
regex = '(?P<recipient>[^\s<>]*@[^\s<>]*)(?P<diagnostic>[^\n]*)'
)"}});
  return std::get<bounced::daemon::rulebook>(compiled);
}

void run(std::string_view input, const bounced::daemon::rulebook& rules, const bounced::parser::decode_options& options) {
  const auto report = bounced::parser::decode(input, rules.decoding, options);
  const auto records = bounced::daemon::make_records(report, rules.classifying, "fuzz");
  for (const auto& r : records) (void)bounced::daemon::to_json(r);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  run(input, shipped(), {});
  run(input, users(), {});
  bounced::parser::decode_options fallback_only;
  fallback_only.fallback_only = true;
  run(input, shipped(), fallback_only);
  return 0;
}
