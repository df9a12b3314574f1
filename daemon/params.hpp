// The named defaults of bounced's limits, timeouts and sizes, each with its unit in its name, in
// one place, as Postfix keeps its DEF_ values in mail_params.h. The config file's defaults, the
// listeners' and sessions' options, the HTTP server's and API's limits, the decoding pool and the
// commands all read them here; a value set in the config file overrides them at start.
// Where Postfix has the same limit, the default is Postfix's, and its parameter is named.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace bounced::daemon::params {

// --- Listeners ([listen]) ---
inline constexpr const char* default_listen_host = "127.0.0.1";  // loopback until configured otherwise
inline constexpr std::uint16_t default_lmtp_port = 2424;
inline constexpr std::uint16_t default_http_port = 8025;

// --- SMTP/LMTP sessions ([limits]) ---
inline constexpr std::size_t message_size_bytes = 10240000;        // Postfix message_size_limit
inline constexpr std::size_t command_line_bytes = 2048;            // Postfix smtpd's line limit (STYLE.md)
inline constexpr std::size_t recipients_per_message = 1000;        // Postfix smtpd_recipient_limit
inline constexpr std::size_t connections = 100;                    // Postfix default_process_limit
inline constexpr std::size_t connections_per_client = 50;          // Postfix smtpd_client_connection_count_limit
inline constexpr std::chrono::seconds idle_timeout{300};           // Postfix smtpd_timeout
inline constexpr std::chrono::seconds data_timeout{600};           // the whole DATA phase
inline constexpr std::size_t errors_per_session = 20;              // Postfix smtpd_hard_error_limit
inline constexpr std::size_t junk_commands_per_session = 100;      // Postfix smtpd_junk_command_limit
inline constexpr std::chrono::seconds drain_grace{30};             // at shutdown, for sessions mid-message
inline constexpr std::size_t read_chunk_bytes = 64 * 1024;         // one read from a mail client's socket

// --- HTTP ([listen] http, /v1 and the ESPs' interfaces) ---
inline constexpr std::size_t http_header_bytes = 64 * 1024;        // the request line and header fields
// Room around a message in a request body: a form's other fields, a JSON envelope.
inline constexpr std::size_t http_form_overhead_bytes = 64 * 1024;
// A message of the size limit escaped as a form (%XX: 3 bytes a byte), with room around it:
// Oempro's route checks the decoded message itself against message_size_bytes.
inline constexpr std::size_t http_escape_factor = 3;
inline constexpr std::size_t http_body_bytes = message_size_bytes + http_form_overhead_bytes;  // a bare server's
inline constexpr std::chrono::seconds http_idle_timeout{60};       // waiting for a request, or for a slow reader
inline constexpr std::size_t http_connections = 512;               // past it, new connections are closed at once
inline constexpr std::chrono::seconds http_answer_timeout{60};     // for a deferred answer (a commit)
inline constexpr std::int64_t page_records = 1000;                 // a page of records or messages, unless asked
inline constexpr std::int64_t max_page_records = 25000;            // Mailkit's ceiling, for every listing

// --- Suppression ([suppression]) ---
inline constexpr std::uint32_t soft_bounce_limit = 3;              // soft bounces of different messages in a row

// --- Retention ([storage]) ---
inline constexpr std::uint32_t retention_days = 0;                 // 0: keep forever
inline constexpr std::chrono::seconds retention_interval{3600};    // how often the purge runs

// --- Decoding ---
inline constexpr std::size_t inline_decode_bytes = 256 * 1024;     // decoded on the delivering thread up to this

// --- Commands ---
inline constexpr std::size_t input_message_bytes = 64 * 1024 * 1024;  // parse, ingest: one message read
inline constexpr std::size_t acct_chunk_records = 10000;            // bounced acct: records per commit
inline constexpr std::size_t acct_chunk_bytes = 16 << 20;           // and bytes of CSV per commit
inline constexpr std::chrono::milliseconds acct_commit_wait{1000};  // and the longest a record waits

}  // namespace bounced::daemon::params
