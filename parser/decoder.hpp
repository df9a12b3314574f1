// The interface every format decoder implements, and the shared steps they use.
// A decoder looks at a prepared mail; when the mail is in its format it fills the report's
// recipients (and what else the format states) and returns true. It never throws.
#pragma once

#include <span>
#include <string_view>

#include "parser/mail.hpp"
#include "parser/report.hpp"

namespace bounced::parser {

using decode_fn = bool (*)(const mail&, report&);

struct decoder {
  std::string_view name;  // becomes report::decoded_by
  decode_fn fn;
};

// The MTA and provider formats, most specific first; each checks its own fingerprint.
std::span<const decoder> mta_decoders() noexcept;

// RFC 3464: reads message/delivery-status fields (or DSN fields found in text) into out.
bool decode_rfc3464(const mail& m, report& out);
// Parses DSN field groups in text (per-message group, then per-recipient groups).
// Returns the number of recipients added.
std::size_t parse_dsn_fields(std::string_view text, report& out);
// RFC 5965 ARF and the not-quite-ARF complaints of some providers.
bool decode_arf(const mail& m, report& out);
// RFC 3834 auto-replies and vacation notices.
bool decode_autoreply(const mail& m, report& out);
class decoding_rules;
// Last resort for bounces no decoder claims: failure sentences and the addresses near them, in
// the languages of the rules' phrases (fallback.cpp).
bool decode_fallback(const mail& m, const decoding_rules& rules, report& out);
// For the recipients a decoder named without a status or a diagnostic: the diagnostic the
// notice's human-readable text gives for each (as the fallback reads it), where it tells one.
void complete_from_notice(const mail& m, const decoding_rules& rules, report& out);

// Adds a recipient unless it is already there; returns the record for it.
recipient_report& add_recipient(report& out, std::string_view address);

}  // namespace bounced::parser
