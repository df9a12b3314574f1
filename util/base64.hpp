// RFC 2045 6.8 base64, as mail and HTTP Basic authentication write it.
#pragma once

#include <string>
#include <string_view>

namespace bounced::util {

// Decodes base64, skipping every character outside the alphabet (line breaks, white space); '='
// ends the data. Never fails: what is not base64 is left out.
std::string decode_base64(std::string_view in);

}  // namespace bounced::util
