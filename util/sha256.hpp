// SHA-256 of a byte string, as lower-case hex: the key that makes the same delivery (envelope and
// raw message) made twice one stored message. OpenSSL's libcrypto computes it (already linked for STARTTLS, and
// several times faster than portable C++ on a CPU with SHA or AVX2 instructions); the test
// checks FIPS 180-4's published vectors.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>

namespace bounced::util {

// The 64 hex digits of SHA-256(bytes).
std::string sha256_hex(std::string_view bytes);
// The same of the parts one after the other, without joining them first.
std::string sha256_hex(std::initializer_list<std::string_view> parts);
// The 32 bytes of SHA-256 of the parts, not hex.
std::string sha256_bytes(std::initializer_list<std::string_view> parts);

}  // namespace bounced::util
