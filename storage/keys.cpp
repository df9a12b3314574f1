// The duplicate keys (types.hpp): the same for every backend.
#include "storage/types.hpp"

#include "util/sha256.hpp"

namespace bounced::storage {

// The delivery, not only the bytes: an MTA that lost our 250 and retries sends the same envelope
// and message (stored once); the same message to another envelope recipient (an LMTP client that
// splits recipients) is another delivery, with its own VERP address.
std::string delivery_key(const message_in& m) {
  std::string recipients;
  for (const auto& r : m.envelope_recipients) {
    if (!recipients.empty()) recipients += ',';
    recipients += r;
  }
  return util::sha256_hex({m.envelope_sender, std::string_view("\0", 1), recipients, std::string_view("\0", 1), m.raw});
}

std::string acct_key(std::string_view names, std::string_view record) {
  return util::sha256_bytes({names, std::string_view("\n", 1), record}).substr(0, 16);
}

}  // namespace bounced::storage
