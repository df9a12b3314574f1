// HCL/IBM Lotus Domino: Subject "DELIVERY FAILURE: ...", and a text part reading "Your message /
// Subject: ... / was not delivered to: / <address> / because: / <reason>". Newer Dominos add a
// message/delivery-status part; its Final-Recipient may differ from the address in the text (a
// forwarded or rewritten address), and the text, which names the address the sender used, wins.
// Status and Remote-MTA still come from the DSN part.
// Trusts: the subject as fingerprint. Limits: one reason paragraph per recipient block.
#include "parser/mta/mta.hpp"
#include "parser/scan.hpp"
#include "parser/text.hpp"

namespace bounced::parser::mta {

namespace {

// Domino's own wording for a few failures (facts from Sisimai's Domino notes).
std::string_view reason_of_phrase(std::string_view diagnostic) {
  if (icontains(diagnostic, "not listed in Domino Directory") ||
      icontains(diagnostic, "not listed in public Name & Address Book") ||
      diagnostic.find("Domino ディレクトリには見つかりません") != std::string_view::npos)
    return "userunknown";
  if (icontains(diagnostic, "Cannot route mail to user")) return "filtered";
  if (icontains(diagnostic, "Several matches found in Domino Directory")) return "systemerror";
  return {};
}

}  // namespace

// Decodes Domino's "was not delivered to: ... because: ..." notice.
bool decode_domino(const mail& m, report& out) {
  if (!istarts_with(trim(m.subject()), "DELIVERY FAILURE:")) return false;
  const std::string_view notice = m.notice();
  enum class state { before, addresses, reason } at = state::before;
  std::vector<std::size_t> block;  // recipients of the current "was not delivered to:" block
  for (std::string_view line : split_lines(notice)) {
    const std::string_view t = trim(line);
    if (iequals(t, "was not delivered to:")) {
      at = state::addresses;
      block.clear();
      continue;
    }
    if (iequals(t, "because:")) {
      at = state::reason;
      continue;
    }
    if (t.empty()) continue;
    if (at == state::addresses) {
      const std::string address = find_address(t);
      if (address.empty()) continue;
      const std::size_t before = out.recipients.size();
      add_recipient(out, address);
      if (out.recipients.size() > before) block.push_back(before);
    } else if (at == state::reason) {
      for (std::size_t i : block) {
        std::string& d = out.recipients[i].diagnostic;
        if (!d.empty()) d += ' ';
        d += std::string(t);
      }
    }
  }
  if (out.recipients.empty()) return false;
  report dsn;
  if (decode_rfc3464(m, dsn)) {
    out.reporting_mta = dsn.reporting_mta;
    for (auto& r : out.recipients) {
      const recipient_report* match = nullptr;
      for (const auto& d : dsn.recipients)
        if (iequals(d.recipient, r.recipient)) match = &d;
      if (match == nullptr && dsn.recipients.size() == 1 && out.recipients.size() == 1) match = &dsn.recipients.front();
      if (match == nullptr) continue;
      r.status = match->status;
      r.action = match->action;
      r.remote_mta = match->remote_mta;
      r.rhost = match->rhost;
      r.diagnostic_type = match->diagnostic_type;
      if (r.diagnostic.empty()) r.diagnostic = match->diagnostic;
    }
  }
  for (auto& r : out.recipients) r.reason_hint = std::string(reason_of_phrase(r.diagnostic));
  return true;
}

}  // namespace bounced::parser::mta
