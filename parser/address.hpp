// The one address normaliser every decoder's addresses go through: mail addresses as bounces
// write them (RFC 5321/5322 forms, RFC 3464 address types, display names and comments, source
// routes, quoting and the punctuation around them) and as gateways and old mail systems write them
// (X.400 O/R addresses with an RFC-822 attribute, RFC 2156; Exchange's IMCEA encapsulation and
// proxy prefixes; RFC 6533 utf-8 addresses) become one spelling: the local part as written (its
// case kept, RFC 5321 quotes only where the local part needs them), the domain's ASCII letters in
// lower case and an IDN domain kept as written (no punycode either way).
// Trusts nothing: every function is bounded by its input (an address fits in 320 bytes, RFC 5321
// 4.5.3.1; longer candidates are refused) and uses no regular expression.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace bounced::parser {

// The address text names, normalised; "" when text holds no address that mail could go to
// (an Exchange X.500 DN such as IMCEAEX-..., a name without an address, a bare host).
std::string normalize_address(std::string_view text);

// One address found in a line of text.
struct found_address {
  std::string address;  // normalised
  std::size_t begin = 0, end = 0;  // the bytes of text it was read from
  bool in_url = false;  // part of a URL or a URL's query ("https://x/?u=a@b.example")
};
// Every address in text, in order of appearance (the same address may come twice: "a@b.example
// <mailto:a@b.example>"). Bare tokens, <...> and X.400 "RFC-822=" attributes are found.
std::vector<found_address> find_addresses(std::string_view text);

// The first mail address in text: inside <...> when there is one, else the first token that
// looks like local@domain; normalised. "" when there is none.
std::string find_address(std::string_view text);
// True when text is a plausible address: one '@' outside quotes, a non-empty local part and a
// dotted or bracketed domain, no white space outside quotes.
bool looks_like_address(std::string_view text) noexcept;
// The normalised address text holds, or text trimmed of its <>, quotes and trailing punctuation
// when it holds none (a decoder's recipient is kept as written rather than lost).
std::string clean_address(std::string_view text);
// A bare local part ("jsmith", as some gateways name the recipient) completed with domain.
// "" when local is no plausible local part or domain no plausible domain.
std::string complete_local_part(std::string_view local, std::string_view domain);
// True for the addresses of mail systems themselves (MAILER-DAEMON, postmaster).
bool is_system_address(std::string_view address) noexcept;
// True for a mailer daemon's address (MAILER-DAEMON and its spellings): never a recipient of the
// mail that bounced. A postmaster may be one (mail sent to postmaster@ another domain).
bool is_mailer_daemon(std::string_view address) noexcept;
// True when two domains belong to one organisation as far as their last labels tell
// (mx1.example.com and example.com; r1.example.co.jp and mail.example.co.jp).
bool same_organisation(std::string_view a, std::string_view b) noexcept;

}  // namespace bounced::parser
