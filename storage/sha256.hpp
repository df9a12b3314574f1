// SHA-256 (FIPS 180-4) of a byte string, as lower-case hex: the key that makes the same raw
// message delivered twice one stored message. Written from the standard; checked against its
// published test vectors in tests/storage/sha256_test.cpp. Not constant-time (nothing secret).
#pragma once

#include <string>
#include <string_view>

namespace bounced::storage {

// The 64 hex digits of SHA-256(bytes).
std::string sha256_hex(std::string_view bytes);

}  // namespace bounced::storage
