// A message prepared for the decoders: line ends normalised, MIME tree parsed, and the parts
// that reports are made of located (RFC 6522: the human text, the machine report, the original).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "parser/mime.hpp"
#include "parser/report.hpp"

namespace bounced::parser {

struct mail {
  std::string text;  // the whole message, LF line ends
  mime_part root;
  std::string body_text;  // the human-readable text: text/* parts outside the original, joined
  std::size_t notice_size = 0;  // body_text up to where a quoted original starts (cut_original)
  const mime_part* delivery_status = nullptr;  // message/delivery-status or global-delivery-status
  const mime_part* feedback_report = nullptr;  // message/feedback-report
  const mime_part* original = nullptr;         // message/rfc822 or text/rfc822-headers part
  std::vector<header_field> original_headers;  // headers of the returned original, if any
  std::string original_body;                   // body of the returned original, if any
  std::string from_address;                    // the address in From:, found once

  const std::vector<header_field>& headers() const noexcept { return root.headers; }
  // The notice itself: body_text before the quoted original, found once when the mail is loaded.
  std::string_view notice() const noexcept { return std::string_view(body_text).substr(0, notice_size); }
  std::string header(std::string_view name) const;
  const std::string& from() const noexcept { return from_address; }
  std::string subject() const;  // the Subject, decoded
};

mail load_mail(std::string_view raw);

// How much of a raw message read_head looks at: the header block, or this much of it.
inline constexpr std::size_t max_head_bytes = 64 * 1024;

// A message's own From address and Subject, as load_mail reads them (from(), subject()).
struct head {
  std::string from;
  std::string subject;
};
// Reads them from the header block alone, at most max_head_bytes of raw: a listing of stored
// messages finds them without parsing bodies. Fields past that bound are not seen.
head read_head(std::string_view raw);

// Reads the headers of an original message quoted inline in text (after a marker line):
// leading blank and indented lines are skipped; the block ends at the first empty line.
void read_inline_original(std::string_view text, mail& m);

}  // namespace bounced::parser
