// The classifier: (status, reply code, diagnostic text, remote host) -> verdict.
// Rules are data (TOML): the shipped rule files are compiled into the binary, and a user's own
// rule file matches before them. All text patterns of all rules are compiled once into one
// RE2 set, so a diagnostic is scanned once, in linear time, however many rules there are.
#pragma once

#include <memory>
#include <optional>
#include <variant>
#include <string>
#include <string_view>
#include <vector>

namespace bounced::classifier {

struct input {
  std::string_view status;      // "5.1.1" or ""
  std::string_view reply_code;  // "550" or ""
  std::string_view diagnostic;  // the remote's text
  std::string_view rhost;       // remote host name or address
  std::string_view action;      // DSN Action, lower case
  std::string_view command;     // last SMTP command
  std::string_view hint;        // a reason the decoder read from the format itself, or ""
  std::string_view diagnostic_type;  // RFC 3464 Diagnostic-Code type: "SMTP", "X-UNIX", or ""
  bool local = false;           // decided by the recipient's own system, no remote MTA (report.hpp)
};

struct verdict {
  std::string reason;      // Sisimai's vocabulary
  bool failure = false;    // the reason is a failure: a bounce, hard or soft (not delivered, feedback, vacation)
  bool hard = false;       // a permanent, address-level failure
  std::string category;    // PowerMTA bounce category, "" for no failure
  std::string rule;        // id of the rule that decided
  std::string status;      // the input status, or one derived from the reason when there was none
};

// A rule file that could not be read or compiled.
struct rule_error {
  std::string source;  // file name (or "shipped:<name>")
  std::size_t line = 0;
  std::string message;
  std::string to_string() const;
};

struct rule_source {
  std::string name;  // for error messages
  std::string text;  // TOML
};

class rule_set {
 public:
  // Compiles user rule sources (first, in order) on top of the shipped rules.
  static std::variant<rule_set, rule_error> compile(const std::vector<rule_source>& user_sources);
  // Reads a user rule file from disk and compiles it with the shipped rules.
  static std::variant<rule_set, rule_error> load(const std::vector<std::string>& user_files);

  verdict classify(const input& in) const;
  std::size_t size() const noexcept;

  rule_set(rule_set&&) noexcept;
  rule_set& operator=(rule_set&&) noexcept;
  ~rule_set();

 private:
  struct impl;
  explicit rule_set(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

// The shipped rule files, as compiled into the binary (name, TOML text).
const std::vector<rule_source>& shipped_rules();

}  // namespace bounced::classifier
