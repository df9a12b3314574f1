// The routes of the native API (/v1), for httpd only: http_api::handle dispatches to them. The
// records and messages, paged by id (records_api.cpp); the suppressions, blocks and erasure
// (suppressions_api.cpp); and what every paged route shares: the page reader that streams a page
// piece by piece and the checks of `after`, `limit` and repeated parameters (routes.cpp).
#pragma once

#include <boost/url/url_view.hpp>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "daemon/httpd/http_api.hpp"
#include "daemon/httpd/http_util.hpp"
#include "storage/types.hpp"

namespace bounced::daemon {

// Rows read from SQLite per generator call: small enough that 200 concurrent exports stay in a
// few tens of megabytes, large enough that the statement's setup is noise.
constexpr std::int64_t rows_per_piece = 500;

// Reads a page piece by piece, for every route paged by id: fetch(after, n) gives up to n items
// with ids above `after`, in id order; append writes one (first: the page's first). One item past
// the page tells whether there is a next page. With a JSON envelope the last piece closes the
// array and gives next_after: the last id sent when there is more, null when the listing is done
// (also when the page ended exactly at its last item).
template <class Item>
struct page_reader {
  std::function<storage::result<std::vector<Item>>(std::int64_t after, std::int64_t n)> fetch;
  std::function<void(std::string& out, const Item& item, bool first)> append;
  std::int64_t after = 0;
  std::int64_t limit = 0;
  bool envelope = true;
  std::int64_t sent = 0;
  bool finished = false;

  std::optional<std::string> operator()() {
    if (finished) return std::nullopt;
    const std::int64_t want = std::min(rows_per_piece, limit - sent + 1);
    auto got = fetch(after, want);
    if (auto* e = std::get_if<storage::error>(&got)) {
      // The status line is gone already: end the body so that it does not parse (the client
      // sees a broken page, never a short one that looks whole), and say why in the log.
      finished = true;
      throw std::runtime_error("export stopped: " + e->message);
    }
    const auto& items = std::get<std::vector<Item>>(got);
    std::string out;
    out.reserve(items.size() * 600);
    bool more = false;
    for (const auto& item : items) {
      if (sent == limit) {
        more = true;
        break;
      }
      append(out, item, sent == 0);
      after = item.id;
      ++sent;
    }
    if (more || static_cast<std::int64_t>(items.size()) < want) {
      finished = true;
      if (envelope) {
        out += "],\"next_after\":";
        if (more) append_json_int(out, after);
        else out += "null";
        out += "}\n";
      }
    }
    return out;
  }
};

// A page's response: `head`, then the pieces. The first piece is read before the status line:
// storage that fails at once gets 500 like every other route, not a 200 whose body breaks off.
template <class Item>
http_response stream_page(page_reader<Item> reader, std::string content_type, std::string head) {
  http_response r;
  r.content_type = std::move(content_type);
  r.body = std::move(head);
  try {
    if (auto first = reader()) r.body += *first;
  } catch (const std::exception& e) {
    return api_error(500, 500, std::string("storage: ") + e.what());
  }
  if (!reader.finished) r.next = std::move(reader);
  return r;
}

// A parameter given twice is an error on every route: no silent choice between them.
std::optional<http_response> repeated_parameter(const boost::urls::url_view& url);
// `after` on every route paged by id: an id, 0 or more.
std::variant<std::int64_t, http_response> read_after(std::string_view value, std::string_view what);
// `limit` on every paged route: 1 to max_limit.
std::variant<std::int64_t, http_response> read_limit(std::string_view value);

// GET /v1/bounces (the records, filtered, as JSON, JSONL or CSV) and GET /v1/bounces/{id}.
http_response export_page(const std::shared_ptr<record_source>& records, const boost::urls::url_view& url);
http_response one_record(const std::shared_ptr<record_source>& records, std::string_view id_text);
// GET /v1/messages (by outcome) and GET /v1/messages/{id} (the raw message).
http_response messages_page(const std::shared_ptr<record_source>& records, const boost::urls::url_view& url);
http_response one_message(const std::shared_ptr<record_source>& records, std::string_view id_text);

// GET /v1/suppressions, GET /v1/suppressions/{address}, POST /v1/suppressions/block and
// /unblock (FreshMail's addBlocks and removeBlocks), DELETE /v1/addresses/{address} (erasure).
http_response suppressions_page(const std::shared_ptr<record_source>& records, const boost::urls::url_view& url);
http_response one_suppression(const std::shared_ptr<record_source>& records, const std::string& address);
http_response change_blocks(const std::shared_ptr<record_source>& records, const std::string& body, bool add);
http_response erase_address(const std::shared_ptr<record_source>& records, const std::string& address);

}  // namespace bounced::daemon
