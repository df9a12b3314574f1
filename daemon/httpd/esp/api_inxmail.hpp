// Inxmail Commerce API for SAP (seeds/002): GET /api-service/custom/sap/v1/bounces and
// .../complaints, numbered pages over the live records of that kind in arrival order.
//
// Parameters, all optional: sourceSystem, campaignId, startTimeUTC and endTimeUTC
// (yyyyMMddHHmmss, UTC, both ends taken in), page (from 0) and pageSize (100 by default, at
// most 2000). The answer is {"page", "lastPage", "bounces" | "complaints": [...]} with the
// document's fields; `Link` carries the next and prev pages (RFC 8288), as the document says
// large answers do. A bounce's type is Hard, Soft or empty; a complaint's is its ARF
// Feedback-Type (abuse, fraud, ...). messageId is the sending system's transaction id where its
// correlation header gave one, else the original's Message-ID.
//
// Errors have the document's body ({"error", "exception", "message", "path", "status",
// "timestamp"}, the path below /api-service as the document shows it): 400 for a malformed date, a start in the future, an end before the start, a bad
// page or pageSize, an unknown parameter, and, for complaints, sourceSystem and campaignId
// together (the document allows only one); 401 without Basic credentials of an [api] key (with
// none configured, only loopback clients are served; others get 403).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "daemon/config.hpp"
#include "daemon/httpd/http_api.hpp"

namespace bounced::daemon {

// Whether the path is one of Inxmail's (/api-service/...).
bool is_inxmail_path(std::string_view path);
// now: epoch seconds (a start after it is an error).
http_response inxmail(const http_request& request, const std::vector<api_key>& keys,
                      const std::shared_ptr<record_source>& records, std::int64_t now);
// A request refused before it reached the route (a body or a header over the server's limits),
// with the document's error body; target is the request's, as far as it was read.
http_response inxmail_refusal(unsigned status, const std::string& message, std::string_view target);

}  // namespace bounced::daemon
