// The SMTP (RFC 5321) and LMTP (RFC 2033) conversation, without any I/O: the server feeds it one
// command line at a time and sends back what it answers; after DATA's 354 the server runs the
// message's bytes through a data_reader, stores the message, and asks for the final replies.
// Like OpenSMTPD's smtp_session.c: a state (enum class) and a table of commands.
//
// Trusts nothing: every line is bounded by the server before it gets here (command_line_bytes);
// addresses are checked for shape only (a bounce comes from the null sender, so MAIL FROM:<> is
// the usual case). Extensions: PIPELINING, SIZE, 8BITMIME, SMTPUTF8, ENHANCEDSTATUSCODES,
// STARTTLS (when the server has a certificate). No AUTH, no relaying: RCPT takes only the bounce
// domains it is told to take.
#pragma once

#include <array>
#include <cstddef>
#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/params.hpp"

namespace bounced::daemon {

enum class mail_protocol { smtp, lmtp };

struct session_limits {
  std::size_t message_size_bytes = params::message_size_bytes;
  std::size_t recipients_per_message = params::recipients_per_message;
  // Both counts start again after each message delivered, as Postfix's do: a connection that
  // an MTA keeps open (and checks with RSET before reuse) is not cut off for its age.
  std::size_t errors_per_session = params::errors_per_session;
  std::size_t junk_commands_per_session = params::junk_commands_per_session;  // NOOP, RSET, VRFY, HELP
};

// What the server does after sending a reply.
enum class session_action {
  none,
  read_data,  // 354 sent: read the message with a data_reader
  start_tls,  // 220 sent: TLS handshake, then the session starts over (RFC 3207 4.2)
  close,      // 221 or 421 sent: close the connection
};

struct session_reply {
  std::string text;  // one or more reply lines, each ending in CRLF
  session_action action = session_action::none;
};

// The envelope of the message being received.
struct envelope {
  std::string helo;
  std::string sender;                   // MAIL FROM, without angle brackets ("" for <>)
  std::vector<std::string> recipients;  // RCPT TO accepted, without angle brackets
  bool eight_bit = false;               // BODY=8BITMIME
  bool smtputf8 = false;
};

class smtp_session {
 public:
  // accepts_domain: whether RCPT may name this domain (lower case). tls_available: STARTTLS is
  // offered (a certificate is configured and TLS is not yet on).
  smtp_session(mail_protocol protocol, std::string hostname, session_limits limits,
               std::function<bool(std::string_view)> accepts_domain, bool tls_available);

  std::string greeting() const;
  // One command line, without its line end.
  session_reply command(std::string_view line);
  // A command line longer than the limit (the server dropped it up to its line end).
  session_reply line_too_long();
  // A command line that ended in a bare LF, not CRLF (RFC 5321 2.3.8): refused at once, so that a
  // client that ends its lines so does not wait out the data timeout for a "\n.\n" that never
  // ends a message here.
  session_reply bare_newline();
  // The server stops: the reply to the next command (RFC 5321 3.8: 421 then close).
  session_reply shutting_down() const;
  // The idle or command timeout passed.
  session_reply timed_out() const;

  const envelope& current() const noexcept { return envelope_; }
  mail_protocol protocol() const noexcept { return protocol_; }

  // After the message's final dot: the replies (one for SMTP; one per recipient for LMTP,
  // RFC 2033 4.2), which also end the transaction. stored: the message and its records are on
  // disk; queue_id names it in the reply. too_big: it passed message_size_bytes.
  session_reply data_done(bool stored, std::string_view queue_id, bool too_big);
  // The TLS handshake succeeded: forget everything (RFC 3207 4.2) and stop offering STARTTLS.
  void tls_started();

 private:
  enum class state { fresh, greeted, mail, rcpt, data };

  struct verb_entry;
  static constexpr unsigned in(std::initializer_list<state> states);
  static const std::array<verb_entry, 18>& verbs();

  // The commands' handlers (verb as the table spells it, the argument trimmed).
  session_reply hello(std::string_view verb, std::string_view arg);
  session_reply mail(std::string_view verb, std::string_view arg);
  session_reply rcpt(std::string_view verb, std::string_view arg);
  session_reply data(std::string_view verb, std::string_view arg);
  session_reply rset(std::string_view verb, std::string_view arg);
  session_reply noop(std::string_view verb, std::string_view arg);
  session_reply quit(std::string_view verb, std::string_view arg);
  session_reply vrfy(std::string_view verb, std::string_view arg);
  session_reply help(std::string_view verb, std::string_view arg);
  session_reply starttls(std::string_view verb, std::string_view arg);
  session_reply not_implemented(std::string_view verb, std::string_view arg);
  // What MAIL, RCPT and DATA answer out of their states.
  session_reply mail_refused(std::string_view verb, std::string_view arg);
  session_reply rcpt_refused(std::string_view verb, std::string_view arg);
  session_reply data_refused(std::string_view verb, std::string_view arg);
  session_reply error(std::string text);
  session_reply junk(session_reply reply);
  void reset_transaction();

  mail_protocol protocol_;
  std::string hostname_;
  session_limits limits_;
  std::function<bool(std::string_view)> accepts_domain_;
  bool tls_available_;
  bool tls_on_ = false;
  state state_ = state::fresh;
  envelope envelope_;
  std::size_t errors_ = 0;
  std::size_t junk_ = 0;
};

// Reads the message after 354: undoes dot-stuffing (RFC 5321 4.5.2), finds the final "." line,
// and keeps at most max_bytes (past them it reads on to the end, keeping nothing more, so the
// stream stays in step). Only <CRLF>.<CRLF> ends the message; a bare LF is data (a dot after it
// is neither the end nor unstuffed). A line is never refused for its length.
class data_reader {
 public:
  explicit data_reader(std::size_t max_bytes) : max_bytes_(max_bytes) {}

  // Consumes bytes up to and including the final ".\r\n"; returns how many it took. Bytes after
  // the end (pipelined commands) are left to the caller.
  std::size_t feed(std::string_view bytes);
  bool done() const noexcept { return done_; }
  bool too_big() const noexcept { return too_big_; }
  std::size_t size() const noexcept { return size_; }  // bytes seen, kept or not
  std::string& message() noexcept { return message_; }

 private:
  void keep(std::string_view bytes);

  std::size_t max_bytes_;
  std::string message_;
  std::size_t size_ = 0;
  bool done_ = false;
  bool too_big_ = false;
  bool line_start_ = true;  // the next byte starts a line
  int dot_ = 0;             // 1: a line started with '.', 2: and then '\r'
  char last_ = '\n';        // the last byte seen (a CR before a LF makes a line end)
};

// The address inside "<...>" of a MAIL or RCPT argument, and the parameters after it. false when
// the argument has no angle brackets or the address is not a plausible mailbox.
bool split_path(std::string_view arg, std::string& address, std::vector<std::string>& parameters);

}  // namespace bounced::daemon
