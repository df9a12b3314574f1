// KDDI's au one net mail (dion.ne.jp, auone-net.jp): a Japanese explanation, then
// "Your mail sent on: <date>", "Could not be delivered to: <address>" and the reason on the
// lines after it ("As their mailbox is full.").
// Trusts: the sender's or the relaying host's domain plus the "Could not be delivered to:"
// line as fingerprint. Limits: the reason runs to the next empty line.
#include "parser/mta/mta.hpp"
#include "parser/scan.hpp"
#include "parser/text.hpp"

namespace bounced::parser::mta {

// Decodes au one net's delivery error notice.
bool decode_kddi(const mail& m, report& out) {
  const std::string from = m.from();
  const bool kddi = iends_with(from, ".dion.ne.jp") || iends_with(from, "@dion.ne.jp") ||
                    icontains(m.header("Received"), ".auone-net.jp");
  if (!kddi) return false;
  const std::string_view notice = m.notice();
  recipient_report* current = nullptr;
  for (std::string_view line : split_lines(notice)) {
    const std::string_view t = trim(line);
    if (istarts_with(t, "Could not be delivered to:")) {
      const std::string address = find_address(t);
      current = address.empty() ? nullptr : &add_recipient(out, address);
      continue;
    }
    if (current == nullptr) continue;
    if (t.empty()) {
      current = nullptr;
      continue;
    }
    if (!current->diagnostic.empty()) current->diagnostic += ' ';
    current->diagnostic += std::string(t);
  }
  for (auto& r : out.recipients)
    if (icontains(r.diagnostic, "As their mailbox is full")) r.reason_hint = "mailboxfull";
  return !out.recipients.empty();
}

}  // namespace bounced::parser::mta
