// Facebook's bounce (From mailer-daemon@mx.facebook.com): a multipart/report whose
// delivery-status part writes the recipient's fields in one block with the per-message fields,
// some before Final-Recipient, so a plain RFC 3464 reading loses the Diagnostic-Code and Status.
// The diagnostic carries Facebook's response code ("RCP-P2"), which its postmaster pages
// (http://postmaster.facebook.com/response_codes) explain; that code names the reason.
// Trusts: the sender's address as fingerprint. Limits: fields belong to the Final-Recipient
// they follow or precede within its block.
#include "parser/mta/mta.hpp"
#include "parser/scan.hpp"
#include "parser/text.hpp"

namespace bounced::parser::mta {

namespace {

// The reason a Facebook response code ("RCP-P1") states, per its postmaster pages; "" if none.
std::string_view reason_of_code(std::string_view code) {
  struct entry {
    std::string_view code;
    std::string_view reason;
  };
  static constexpr entry table[] = {
      {"RCP-P1", "userunknown"},   {"INT-P1", "userunknown"},   {"INT-P3", "userunknown"},
      {"INT-P4", "userunknown"},   {"RCP-P2", "filtered"},      {"RCP-P3", "filtered"},
      {"MSG-P1", "mesgtoobig"},    {"INT-P2", "mesgtoobig"},    {"MSG-P2", "contenterror"},
      {"MSG-P3", "contenterror"},  {"POL-P6", "contenterror"},  {"POL-P1", "securityerror"},
      {"POL-P2", "securityerror"}, {"POL-P5", "securityerror"}, {"POL-P7", "securityerror"},
      {"POL-P3", "notaccept"},     {"POL-P4", "notaccept"},     {"POL-T1", "notaccept"},
      {"POL-T2", "notaccept"},     {"POL-T3", "notaccept"},     {"DNS-P1", "rejected"},
      {"DNS-P2", "rejected"},      {"DNS-P3", "rejected"},      {"DNS-T1", "rejected"},
      {"DNS-T2", "rejected"},      {"CON-T1", "systemerror"},   {"CON-T3", "toomanyconn"},
      {"RCP-T4", "suspend"},
  };
  for (const entry& e : table)
    if (code == e.code) return e.reason;
  if (code.substr(0, 5) == "INT-T") return "systemerror";  // Facebook's own temporary trouble
  return {};
}

// The first "XXX-Yn" response code standing as a word in text; "" if none.
std::string response_code(std::string_view text) {
  for (std::size_t i = 0; i + 6 <= text.size(); ++i) {
    if (i > 0 && text[i - 1] != ' ') continue;
    const std::string_view c = text.substr(i, 6);
    bool ok = c[3] == '-' && c[5] >= '0' && c[5] <= '9' && c[4] >= 'A' && c[4] <= 'Z';
    for (std::size_t k = 0; k < 3; ++k) ok = ok && c[k] >= 'A' && c[k] <= 'Z';
    if (ok && (i + 6 == text.size() || text[i + 6] == ' ')) return std::string(c);
  }
  return {};
}

}  // namespace

// Decodes Facebook's bounce from its delivery-status part, whatever the order of its fields.
bool decode_facebook(const mail& m, report& out) {
  if (!iequals(m.from(), "mailer-daemon@mx.facebook.com")) return false;
  if (!read_one_block_dsn(m, out)) return false;
  for (recipient_report& r : out.recipients) r.reason_hint = std::string(reason_of_code(response_code(r.diagnostic)));
  return true;
}

}  // namespace bounced::parser::mta
