// SHA-256 of a byte string, as lower-case hex: the key that makes the same raw message delivered
// twice one stored message. OpenSSL's libcrypto computes it (already linked for STARTTLS, and
// several times faster than portable C++ on a CPU with SHA or AVX2 instructions); the test
// checks FIPS 180-4's published vectors.
#pragma once

#include <string>
#include <string_view>

namespace bounced::storage {

// The 64 hex digits of SHA-256(bytes).
std::string sha256_hex(std::string_view bytes);

}  // namespace bounced::storage
