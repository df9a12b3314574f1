// The parser's rules, as data: the phrases the fallback decoder reads (parser/rules/*.toml, one
// file per language, compiled into the binary) and the decoders an operator adds without a
// rebuild. A user's rules file is the classifier's (`bounced parse --rules FILE`, `[rules] file`);
// the parser reads its [phrases], [phrase_regex] and [[decoder]] tables and leaves [[rule]] to
// the classifier. Every phrase of every kind joins one RE2::Set, so a line is matched once, in
// time linear in its length, however many phrases there are (RE2 never backtracks).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace bounced::parser {

// What a phrase says about the line it is in.
enum class phrase_kind : std::uint8_t {
  failure,           // delivery failed ("could not be delivered", "konnte nicht zugestellt werden")
  delay,             // delivery is late and will be retried ("will continue trying")
  not_failure,       // the notice is no failure (delivered, relayed, read, away from the office)
  error,             // a recipient's error ("user unknown", "Postfach voll")
  recipient_label,   // the line names a failed recipient ("Recipient:", "Empfänger:")
  to_label,          // the line names an addressee of the original ("To:", "An:"), weak
  sender_label,      // the line names the sender or an id, never a recipient ("From:", "Message-ID:")
  diagnostic_label,  // the remote's words follow ("Remote server returned", "The error was:")
  original,          // the quoted original starts here ("----- Original message -----")
};
inline constexpr std::size_t phrase_kinds = 9;
const char* to_string(phrase_kind kind) noexcept;
// The kind of a name as the rules files write it ("failure", "recipient_label"); false if none.
bool phrase_kind_of(std::string_view name, phrase_kind& kind) noexcept;

// A set of phrase kinds.
struct phrase_hits {
  std::uint16_t bits = 0;
  bool has(phrase_kind k) const noexcept { return (bits >> static_cast<unsigned>(k)) & 1U; }
  void add(phrase_kind k) noexcept { bits = static_cast<std::uint16_t>(bits | (1U << static_cast<unsigned>(k))); }
  bool any() const noexcept { return bits != 0; }
};

struct rules_source {
  std::string name;  // for error messages
  std::string text;  // TOML
};

struct rules_error {
  std::string source;
  std::size_t line = 0;
  std::string message;
  std::string to_string() const;
};

class decoding_rules;
struct mail;
struct report;

// An operator's decoder: when the message matches (every condition given holds: a From, Subject
// and body phrase each, case-insensitive), each match of its RE2 expression in the text is one
// recipient, from the named captures recipient and, optionally, status, reply_code, diagnostic,
// action, remote_mta and command.
struct user_decoder {
  std::string name;                  // becomes report::decoded_by
  std::vector<std::string> from;     // any of these in the From field
  std::vector<std::string> subject;  // any of these in the Subject
  std::vector<std::string> body;     // any of these in the human-readable text
  bool whole_message = false;        // scope = "message": the whole text, else the notice
  std::string action;                // the action when the expression captures none
};

class decoding_rules {
 public:
  // The shipped phrases with the user's sources on top (their phrases join the shipped ones,
  // their decoders are tried first, in order).
  static std::variant<decoding_rules, rules_error> compile(const std::vector<rules_source>& user_sources);
  // The shipped phrases alone, compiled once.
  static const decoding_rules& shipped();

  // The kinds of phrase a line holds (one RE2 set match).
  phrase_hits match(std::string_view line) const;
  std::size_t phrases() const noexcept;
  std::size_t decoders() const noexcept;
  // Tries the user's decoders in order; true when one named a recipient (out filled).
  bool decode_user(const mail& m, report& out) const;

  decoding_rules(decoding_rules&&) noexcept;
  decoding_rules& operator=(decoding_rules&&) noexcept;
  ~decoding_rules();

 private:
  struct impl;
  explicit decoding_rules(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

// The form lines are matched in, and literal phrases written in: letters in lower case (Latin,
// Greek, Cyrillic), runs of white space as one space, ’ as ' and the full-width colon as ':' with
// no space before it. [phrase_regex] expressions run over lines in this form too.
std::string canonical_text(std::string_view text);

// The shipped phrase files, as compiled into the binary (name, TOML text).
const std::vector<rules_source>& shipped_phrase_files();

}  // namespace bounced::parser
