// The parser's output: what one message says about each recipient.
// Plain data, no behaviour: the classifier and the daemon read it; nothing here trusts its
// contents (every string came out of a hostile message and is only bounded in length).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace bounced::parser {

// What kind of message this was.
enum class message_kind {
  none,        // not a bounce, complaint or auto-reply
  dsn,         // delivery status notification (RFC 3464 or an MTA's own text format)
  feedback,    // RFC 5965 ARF report, or a provider's not-quite-ARF complaint
  auto_reply,  // RFC 3834 auto-reply / vacation notice
};

const char* to_string(message_kind kind) noexcept;

struct header_field {
  std::string name;   // as written
  std::string value;  // unfolded, RFC 2047 words decoded
};

// One recipient's facts, as the message states them (nothing inferred by the classifier).
struct recipient_report {
  std::string recipient;           // Final-Recipient address (or the address the format names)
  std::string original_recipient;  // Original-Recipient / ORCPT address, when given
  std::string action;              // failed, delayed, delivered, relayed, expanded; "" if unknown
  std::string status;              // enhanced status code "5.1.1", "" if none
  std::string reply_code;          // SMTP reply code "550", "" if none
  std::string remote_mta;          // Remote-MTA as written, e.g. "dns; mx1.example.com"
  std::string rhost;               // remote host name or address
  std::string diagnostic_type;     // "SMTP", "X-UNIX", ...
  std::string diagnostic;          // diagnostic text, one line, white space folded
  std::string command;             // last SMTP command: HELO, MAIL, RCPT, DATA, ...
  std::string last_attempt_date;   // as written
  std::string reason_hint;         // a reason the format itself states (e.g. "vacation"), else ""
  std::string feedback_type;       // ARF Feedback-Type, lower case
  std::string source_ip;           // ARF Source-IP
  // The system that wrote the notice is the recipient's own (its domain, or a local delivery
  // agent's diagnostic), and no remote MTA answered: the failure is the mailbox's, decided there.
  bool local = false;
};

// The returned original message (or its headers), as far as the bounce quotes it.
struct original_message {
  std::string message_id;  // without angle brackets
  std::string from;        // the address only
  std::string to;          // the address only
  std::string subject;
  std::string list_id;
  std::vector<header_field> x_headers;  // every X-* header, for correlation
};

struct report {
  message_kind kind = message_kind::none;
  std::string decoded_by;           // which decoder or MTA format matched
  std::string why_not;              // for kind none: why nothing was decoded
  std::string reporting_mta;        // Reporting-MTA as written
  std::string lhost;                // the host that wrote the bounce
  std::string arrival_date;         // as written
  std::string original_envelope_id; // RFC 3461 ENVID
  std::string subject;              // the bounce's own Subject
  std::string envelope_from;        // the bounce's From address
  std::optional<std::int64_t> timestamp;  // the bounce's Date, epoch seconds
  std::string timezone_offset;      // "+0900"
  original_message original;
  std::vector<recipient_report> recipients;
};

}  // namespace bounced::parser
