// Gmail's own plain-text notices (From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>,
// Subject: Delivery Status Notification (Failure|Delay)): "Delivery to the following recipient
// failed permanently:" or "... has been delayed:", each recipient on an indented line, then
// "Technical details of permanent|temporary failure:" with Google's explanation and the remote's
// answer, which may end in "(state N)", Google's SMTP state number. The quoted original follows
// "----- Original message -----".
// Trusts: the sender and subject as fingerprint, the layout for the rest. Limits: everything from
// the first "Delivery to the following recipient" line to the original is one diagnostic shared
// by the recipients listed in it.
// Google Groups answers a post it refuses from the same sender, with X-Failed-Recipients naming
// the group and X-Google-Smtp-Source set: a letter ("the group you tried to contact may not exist,
// or you may not have permission to post") listing four possible causes as "*" bullets. With all
// four listed it is a refusal of the poster (rejected); with fewer Google did not say (onhold).
#include "parser/mta/mta.hpp"
#include "parser/header.hpp"
#include "parser/scan.hpp"
#include "parser/text.hpp"

namespace bounced::parser::mta {

namespace {

struct state_meaning {
  std::string_view command;
  std::string_view reason;
};

// Gmail's "(state N)" names the SMTP phase that failed and what Google made of it (facts from
// Sisimai's Gmail notes); {} when the diagnostic has no state number Google is known to use.
state_meaning meaning_of_state(std::string_view diagnostic) {
  const std::size_t at = diagnostic.rfind("(state ");
  if (at == std::string_view::npos) return {};
  std::string_view rest = diagnostic.substr(at + 7);
  const std::size_t close = rest.find(')');
  if (close == std::string_view::npos) return {};
  const std::string_view n = rest.substr(0, close);
  if (n == "6") return {"MAIL", "systemerror"};
  if (n == "8" || n == "9") return {"AUTH", "systemerror"};
  if (n == "12") return {"AUTH", "norelaying"};
  if (n == "13") return {"EHLO", "blocked"};
  if (n == "14") return {"RCPT", "userunknown"};
  if (n == "15" || n == "17" || n == "18") return {"DATA", "filtered"};
  return {};
}

// Google's own sentences when no remote answered: a delay or a refused connection is an
// expiry in the making, a DNS miss an unknown host.
std::string_view reason_of_phrase(std::string_view diagnostic) {
  if (icontains(diagnostic, "DNS Error: Domain name not found") ||
      icontains(diagnostic, "DNS Error: DNS server returned answer with no data"))
    return "hostunknown";
  if (icontains(diagnostic, "DNS Error: Could not contact DNS servers") ||
      icontains(diagnostic, "Delivery to the following recipient has been delayed") ||
      icontains(diagnostic, "The recipient server did not accept our requests to connect"))
    return "expired";
  return {};
}

// The reason the notice itself states, unless the remote's answer carries a specific enhanced
// status code (x.y.z with y not 0), which then speaks for itself.
std::string stated_reason(std::string_view diagnostic) {
  const std::string status = find_status_code(diagnostic);
  if (status.size() >= 3 && status[2] != '0') return {};
  std::string_view reason = meaning_of_state(diagnostic).reason;
  if (reason.empty()) reason = reason_of_phrase(diagnostic);
  return std::string(reason);
}

// "... rejected by the server for the recipient domain example.jp by mx.example.jp. [192.0.2.1]."
std::string remote_host(std::string_view diagnostic) {
  const std::size_t bracket = diagnostic.rfind(". [");
  if (bracket == std::string_view::npos) return {};
  const std::size_t by = diagnostic.rfind(" by ", bracket);
  if (by == std::string_view::npos) return {};
  std::string host(trim(diagnostic.substr(by + 4, bracket - by - 4)));
  if (!host.empty() && host.find(' ') == std::string::npos && host.find('.') != std::string::npos) return to_lower(host);
  const std::size_t close = diagnostic.find(']', bracket);
  if (close == std::string_view::npos) return {};
  return std::string(diagnostic.substr(bracket + 3, close - bracket - 3));
}

// The lines of text that start with a "*" bullet.
std::size_t bullet_lines(std::string_view text) {
  std::size_t n = 0;
  for (std::string_view line : split_lines(text)) {
    const std::string_view t = trim(line);
    if (!t.empty() && t.front() == '*' && line.find('*') <= 1) ++n;
  }
  return n;
}

}  // namespace

// Decodes Google Groups' refusal of a post.
bool decode_google_groups(const mail& m, report& out) {
  if (!icontains(m.header("From"), "<mailer-daemon@googlemail.com>")) return false;
  if (!icontains(m.subject(), "Delivery Status Notification")) return false;
  const std::string* failed = find_header(m.headers(), "X-Failed-Recipients");
  if (failed == nullptr || find_header(m.headers(), "X-Google-Smtp-Source") == nullptr) return false;
  const std::string_view notice = m.notice();
  // Google Workspace sends its own failures with the same headers: the letter is a Groups one
  // when it points to the Groups help center and has no "Delivery to the following recipient".
  if (!icontains(notice, "groups.google.com") || icontains(notice, "Delivery to the following recipient")) return false;
  const std::string diagnostic = fold_space(notice.substr(0, std::min<std::size_t>(notice.size(), 4000)));
  const std::string reason = bullet_lines(notice) == 4 ? "rejected" : "onhold";
  std::string_view list = *failed;
  while (!list.empty()) {
    const std::size_t comma = list.find(',');
    const std::string address = clean_address(trim(list.substr(0, comma)));
    if (looks_like_address(address)) {
      recipient_report& r = add_recipient(out, address);
      r.diagnostic = diagnostic;
      r.reason_hint = reason;
    }
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return !out.recipients.empty();
}

// Decodes Gmail's plain-text failure and delay notices.
bool decode_gmail(const mail& m, report& out) {
  if (!icontains(m.header("From"), "<mailer-daemon@googlemail.com>")) return false;
  if (!icontains(m.subject(), "Delivery Status Notification")) return false;
  const std::string_view notice = m.notice();
  const std::size_t begin = ifind(notice, "Delivery to the following recipient");
  if (begin == std::string_view::npos) return false;
  std::vector<std::string> addresses;
  std::string diagnostic;
  for (std::string_view line : split_lines(notice.substr(begin))) {
    if (trim(line).empty()) continue;
    if (!line.empty() && line.front() == ' ' && line.find('@') != std::string_view::npos) {
      std::string_view t = trim(line);
      const std::size_t space = t.rfind(' ');
      const std::string address = clean_address(space == std::string_view::npos ? t : t.substr(space + 1));
      if (looks_like_address(address)) {
        addresses.push_back(address);
        continue;
      }
    }
    diagnostic += line;
    diagnostic += ' ';
  }
  if (addresses.empty()) return false;
  diagnostic = fold_space(diagnostic);
  // Only "Technical details of temporary failure" makes the record a transient one: a delay
  // notice without those details is counted as failed, as Sisimai does.
  const bool delayed = icontains(diagnostic, "details of temporary failure");
  const std::string rhost = remote_host(diagnostic);
  const std::string command(meaning_of_state(diagnostic).command);
  const std::string reason = stated_reason(diagnostic);
  for (const std::string& address : addresses) {
    recipient_report& r = add_recipient(out, address);
    r.diagnostic = diagnostic;
    r.rhost = rhost;
    r.command = command;
    r.reason_hint = reason;
    if (delayed) r.action = "delayed";
  }
  return true;
}

}  // namespace bounced::parser::mta
