// Mailkit's mailkit.report.raw.bounces (seeds/001): the undelivered log, record by record, for
// the user's own database, as JSON (POST /json.fcgi) and as XML-RPC (POST /rpc.fcgi).
//
// The call names the client (id and md5: client_id and client_md5 of a configured
// [api] mailkit_clients entry; with none configured, loopback clients only), optionally a
// campaign (ID_message) and a send (ID_send), the id of the first record to return
// (ID_undelivered_log) and how many (limit: 25,000 by default, larger values capped there, as the
// document says). Records are the live bounce rows in id order; each carries the document's
// fields exactly, ID_SEND_MESSGE spelled so, and RECIPIENT_STATUS, the address's state now:
// "permanent" once bounced has stopped mailing it (hard-bouncing, soft-bouncing, complained or
// blocked), else "temporary" (the document's example shows it is not the record's own class).
//
// Failures answer as Mailkit does: JSON {"error_status": N, "error": "..."}; XML-RPC a
// methodResponse holding the string "Unauthorized" for bad credentials ("Disallowed IP ..." with
// HTTP 403 for a non-loopback client when no client is configured), a <fault> otherwise.
// error_status and faultCode: 1 unauthorised, 2 bad call (not JSON or XML-RPC, a missing or
// malformed value), 3 unknown function.
#pragma once

#include <memory>
#include <vector>

#include "daemon/config.hpp"
#include "daemon/httpd/http_api.hpp"

namespace bounced::daemon {

http_response mailkit_json(const http_request& request, const std::vector<api_key>& clients,
                           const std::shared_ptr<record_source>& records);
http_response mailkit_xmlrpc(const http_request& request, const std::vector<api_key>& clients,
                             const std::shared_ptr<record_source>& records);
// A request refused before it reached the routes above (a body over the server's limit), in
// Mailkit's shape: {"error_status": 2, "error"} for JSON, a fault of code 2 for XML-RPC.
http_response mailkit_refusal(bool xmlrpc, const std::string& message, unsigned http_status);

}  // namespace bounced::daemon
