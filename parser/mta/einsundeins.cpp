// 1&1 (kundenserver.de) and GMX, two mail services of one group sharing one bounce layout, an
// Exim descendant: "This message was created automatically by mail delivery software.", then
// "... The following address(es) failed:" (the line may wrap before "failed:"), each recipient
// on a line of its own (bare, <quoted> or "quoted", maybe ending in ':'), its reason on the lines
// after it ("Reason:" / "For the following reason:" are labels), and "--- The header of the
// original message is following. ---" before the original's header.
// Trusts: the marker lines as fingerprint (1&1 sends from several domains; GMX, tried first, is
// told apart by its sender). Limits: a recipient's reason runs until the next recipient line or
// the original; nothing else is read.
#include "parser/mta/mta.hpp"
#include "parser/scan.hpp"
#include "parser/text.hpp"

namespace bounced::parser::mta {

namespace {

constexpr std::string_view original_marker = "--- The header of the original message is following. ---";

bool has_layout(const mail& m) {
  return icontains(m.body_text, original_marker) &&
         icontains(m.body_text, "This message was created automatically by mail delivery software");
}

// A line that holds nothing but an address: kijitora@example.org, <...>, "...":
std::string address_line(std::string_view line) {
  std::string_view t = trim(line);
  if (t.empty() || t.find(' ') != std::string_view::npos || t.find('@') == std::string_view::npos) return {};
  while (!t.empty() && (t.back() == ':' || t.back() == '"' || t.back() == '>')) t.remove_suffix(1);
  while (!t.empty() && (t.front() == '"' || t.front() == '<')) t.remove_prefix(1);
  std::string address = clean_address(t);
  return looks_like_address(address) ? address : std::string();
}

// Reads the recipients and their reasons out of the notice.
bool read_failed_list(const mail& m, report& out) {
  const std::string_view notice = m.notice();
  bool in_list = false;
  recipient_report* current = nullptr;
  for (std::string_view line : split_lines(notice)) {
    const std::string_view t = trim(line);
    if (!in_list) {
      if (iends_with(t, "failed:")) in_list = true;
      continue;
    }
    if (t.empty() || iequals(t, "Reason:") || iequals(t, "For the following reason:")) continue;
    const std::string address = address_line(t);
    if (!address.empty()) {
      current = &add_recipient(out, address);
      continue;
    }
    if (current == nullptr) continue;
    if (istarts_with(t, "host: ") && current->rhost.empty()) current->rhost = host_of(t.substr(6));
    if (!current->diagnostic.empty()) current->diagnostic += ' ';
    current->diagnostic += std::string(t);
  }
  for (auto& r : out.recipients) {
    // "... host: smtp-in.example.fr (192.0.2.1) reason: 550 ..." on one line.
    const std::size_t host = ifind(r.diagnostic, "host: ");
    if (r.rhost.empty() && host != std::string::npos) r.rhost = host_of(std::string_view(r.diagnostic).substr(host + 6));
  }
  return !out.recipients.empty();
}

}  // namespace

// 1&1's notices (mailer-daemon@kundenserver.de and its regional domains), and the layout's
// other senders.
bool decode_einsundeins(const mail& m, report& out) {
  if (!has_layout(m)) return false;
  return read_failed_list(m, out);
}

// GMX's notices (MAILER-DAEMON@mail.gmx.com and the other gmx domains).
bool decode_gmx(const mail& m, report& out) {
  const std::string from = m.from();
  if (!icontains(from, "@gmx.") && !icontains(from, ".gmx.")) return false;
  if (!has_layout(m)) return false;
  return read_failed_list(m, out);
}

}  // namespace bounced::parser::mta
