// Correlation: ties a bounce to the sending side (campaign, send, recipient, ...). Pure functions,
// no I/O. Everything matched here came from a hostile message or envelope: inputs are bounded
// (max_address_bytes, max_id_bytes) and matching is linear, without regexes or backtracking.
//
// Three sources, in this order of precedence, field by field (a field a higher source leaves
// empty is filled by a lower one):
//   (a) a VERP template matched on the envelope recipient of the bounce (the address the bounce
//       was delivered to), e.g. `bounces+{campaign}-{send}-{email}@bounce.example.com`; when no
//       template matches, Postfix's plain VERP form `prefix+user=domain@bouncedomain` (MAIL-FACTS:
//       XVERP with the default delimiters `+=`) still gives the original recipient;
//   (b) configured header names in the returned original (case-insensitive; the first name
//       present with a usable value wins; `Message-ID` names the original's Message-ID);
//   (c) RFC 3461 ENVID (the DSN's Original-Envelope-Id, as written) fills transaction_id.
//
// Templates: placeholders {campaign}, {send}, {email_id}, {list}, {message}, {source},
// {transaction} and {email} sit in the local part; the domain is literal and matched
// case-insensitively, the local part's literals exactly (RFC 5321 2.4: local parts are case
// sensitive). Placeholders must be separated by a literal. {email} is required, once: the
// original recipient written Postfix's way, `user=domain` (the last `=` stands for `@`, so a
// local part may itself hold `=`). Ambiguity, decided: an id value never contains the literals
// around it; {email} may contain anything. So the ids before {email} are matched left to right,
// each up to the FIRST occurrence of the literal after it, the ids after {email} right to left,
// each from the LAST occurrence of the literal before it, and {email} takes what is left in the
// middle: `-` inside an address's local part is fine, `-` inside a campaign id with `-` as the
// separator is not (that id is cut at its first `-`; pick a separator your ids never hold).
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "parser/report.hpp"

namespace bounced::daemon {

// Longer envelope recipients are not matched (RFC 5321 4.5.3.1.3 allows 256 octets per path;
// VERP makes them longer, so the bound is generous).
inline constexpr std::size_t max_address_bytes = 1024;
// A longer id value (from VERP, a header or ENVID) is ignored as if absent: a cut id would be wrong.
inline constexpr std::size_t max_id_bytes = 255;

// What correlation found; "" where nothing said.
struct correlation {
  std::string campaign_id;
  std::string send_id;
  std::string email_id;
  std::string list_id;
  std::string send_message_id;
  std::string source_system;
  std::string transaction_id;
  std::string recipient_from_verp;  // the original recipient, user@domain, from VERP
  friend bool operator==(const correlation&, const correlation&) = default;
};

// The header names searched for each id, in order. Defaults: the X-* names bounced documents.
// Mailkit calls these ID_message (campaign), ID_send, ID_EMAIL, ID_USER_LIST, ID_SEND_MESSGE;
// Inxmail campaignId, sourceSystem, messageId (see samples/bounced.toml).
struct correlation_headers {
  std::vector<std::string> campaign_id{"X-Campaign-ID"};
  std::vector<std::string> send_id{"X-Send-ID"};
  std::vector<std::string> email_id{"X-Email-ID"};
  std::vector<std::string> list_id{"X-List-ID"};
  std::vector<std::string> send_message_id{"X-Message-Ref"};
  std::vector<std::string> source_system{"X-Source-System"};
  std::vector<std::string> transaction_id{"X-Transaction-ID"};
  friend bool operator==(const correlation_headers&, const correlation_headers&) = default;
};

// Why a VERP template did not compile; offset is the byte in the template where it went wrong.
struct verp_error {
  std::size_t offset = 0;
  std::string message;
};

// A compiled VERP template. Compile once (at config load), match many times.
class verp_template {
 public:
  // The placeholder a value fills.
  enum class field { campaign, send, email_id, list, message, source, transaction, email };

  static std::variant<verp_template, verp_error> compile(std::string_view text);

  // Matches an envelope recipient; the ids and recipient_from_verp it holds, or nullopt.
  std::optional<correlation> match(std::string_view address) const;

  const std::string& text() const noexcept { return text_; }
  friend bool operator==(const verp_template& a, const verp_template& b) { return a.text_ == b.text_; }

 private:
  std::string text_;
  std::string domain_;                   // lower case
  std::vector<std::string> literals_;    // n + 1 literals around n placeholders; inner ones non-empty
  std::vector<field> fields_;            // n placeholders
  std::size_t email_index_ = 0;          // position of {email} in fields_
};

// Postfix's plain VERP form `prefix+user=domain@bouncedomain`: user@domain, or "" when the
// address is not of that form.
std::string recipient_from_plain_verp(std::string_view address);

// Correlates one bounce: `envelope_recipient` is the address it was delivered to (RCPT TO).
correlation correlate(std::string_view envelope_recipient, const parser::report& report,
                      std::span<const verp_template> templates, const correlation_headers& headers);

// Correlates one PowerMTA accounting record: VERP on its envelope sender (orig, the address its
// bounces go back to), then the configured header names among its header_X-... fields, then
// jobId as the campaign and envId (RFC 3461 ENVID) as the transaction, where nothing before gave one.
correlation correlate_acct(std::string_view orig, std::span<const std::pair<std::string_view, std::string_view>> header_fields,
                           std::string_view job_id, std::string_view env_id, std::span<const verp_template> templates,
                           const correlation_headers& headers);

// The correlation settings ([correlation] in the config): the VERP templates, tried in order,
// and the header names of the returned original that carry the ids.
struct correlation_settings {
  std::vector<verp_template> verp;  // compiled at load, tried in order
  correlation_headers headers;
  friend bool operator==(const correlation_settings&, const correlation_settings&) = default;
};

}  // namespace bounced::daemon
