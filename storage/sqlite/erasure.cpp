// What goes (storage/sqlite/database.hpp): purge by age, and forget an address everywhere it is
// named (messages, rows, suppression entry; only its lines of an accounting chunk).
#include "storage/sqlite/database_impl.hpp"

#include <utility>

namespace bounced::storage {

namespace {

// Whether text names the address (lower case) as an address of its own: in any case, and not as
// part of a longer one ("jimbob@d.test", "bob@d.test.example" do not name bob@d.test); a dot
// that ends a sentence after it does not count as part of it.
bool is_address_char(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '%' ||
         c == '+' || c == '-' || c == '@' || c >= 0x80;
}

bool mentions_address(std::string_view text, std::string_view address) {
  if (address.empty() || text.size() < address.size()) return false;
  const auto fold = [](unsigned char c) { return c >= 'A' && c <= 'Z' ? static_cast<unsigned char>(c + 32) : c; };
  const auto first = static_cast<unsigned char>(address[0]);
  for (std::size_t at = 0; at + address.size() <= text.size(); ++at) {
    if (fold(static_cast<unsigned char>(text[at])) != first) continue;
    std::size_t k = 1;
    while (k < address.size() && fold(static_cast<unsigned char>(text[at + k])) == static_cast<unsigned char>(address[k])) ++k;
    if (k < address.size()) continue;
    if (at > 0 && is_address_char(static_cast<unsigned char>(text[at - 1]))) continue;
    const std::size_t after = at + address.size();
    if (after < text.size() && is_address_char(static_cast<unsigned char>(text[after]))) {
      const bool full_stop = text[after] == '.' &&
                             (after + 1 == text.size() || !is_address_char(static_cast<unsigned char>(text[after + 1])));
      if (!full_stop) continue;
    }
    return true;
  }
  return false;
}

// An accounting chunk's records, the header row first (quoted line breaks stay inside theirs),
// each with its line end.
std::vector<std::string_view> csv_records(std::string_view text) {
  std::vector<std::string_view> out;
  std::size_t header_fields = 0;
  for (std::size_t start = 0; start < text.size();) {
    bool quoted = false;
    std::size_t fields = 1, lines = 1, end = text.size();
    for (std::size_t i = start; i < text.size(); ++i) {
      if (text[i] == '"') {
        quoted = !quoted;  // a doubled quote turns it twice
      } else if (text[i] == ',' && !quoted) {
        ++fields;
      } else if (text[i] == '\n') {
        if (!quoted) {
          end = i + 1;
          break;
        }
        ++lines;
      }
    }
    std::string_view record = text.substr(start, end - start);
    // As the importer reads it: a record over several lines that does not fit the header row is a quote
    // opened by mistake (a line cut off inside quotes); its first line alone is a record, and
    // the records it ran over are records of their own.
    if (!out.empty() && lines > 1 && fields != header_fields) record = text.substr(start, text.find('\n', start) + 1 - start);
    if (out.empty()) header_fields = fields;
    out.push_back(record);
    start += record.size();
  }
  return out;
}

}  // namespace

namespace detail {

// SQL: bounced_mentions(text, address) is mentions_address, for forget's search.
void sql_mentions(sqlite3_context* ctx, int, sqlite3_value** argv) {
  const auto* text = static_cast<const char*>(sqlite3_value_blob(argv[0]));
  const int text_bytes = sqlite3_value_bytes(argv[0]);
  const auto* address = reinterpret_cast<const char*>(sqlite3_value_text(argv[1]));
  const int address_bytes = sqlite3_value_bytes(argv[1]);
  const bool found = text != nullptr && address != nullptr &&
                     mentions_address(std::string_view(text, static_cast<std::size_t>(text_bytes)),
                                      std::string_view(address, static_cast<std::size_t>(address_bytes)));
  sqlite3_result_int(ctx, found ? 1 : 0);
}

}  // namespace detail

result<purge_result> database::purge(std::int64_t before) {
  // In chunks of at most purge_chunk_messages messages and, past the first message, at most
  // purge_chunk_rows rows, one short transaction each: a large backlog (the first purge after
  // retention is turned on) never holds the write lock long enough for the daemon's commits to
  // time out, also where each message is a chunk of 10,000 accounting records. Each chunk is
  // whole: messages and their rows go together.
  constexpr std::int64_t purge_chunk_messages = 500;
  constexpr std::int64_t purge_chunk_rows = 20000;
  purge_result out;
  try {
    for (;;) {
      sqlite::transaction tx(impl_->db);
      impl_->db.exec("CREATE TEMP TABLE IF NOT EXISTS purge_chunk (id INTEGER PRIMARY KEY)");
      impl_->db.exec("DELETE FROM purge_chunk");
      {
        // Rows counted in the log itself: messages.records leaves out rows a reprocess replaced.
        sqlite::statement pick(impl_->db,
                               "SELECT id, (SELECT count(*) FROM undelivered_log WHERE message_id = messages.id) "
                               "FROM messages WHERE received_at < ? ORDER BY id LIMIT ?");
        sqlite::statement take(impl_->db, "INSERT INTO purge_chunk (id) VALUES (?)");
        pick.bind(1, before).bind(2, purge_chunk_messages);
        std::int64_t rows = 0, taken = 0;
        while (pick.step()) {
          rows += pick.int64(1);
          if (taken > 0 && rows > purge_chunk_rows) break;
          take.reset();
          take.bind(1, pick.int64(0)).run();
          ++taken;
        }
        if (taken == 0) break;  // the transaction rolls back: nothing was written
      }
      // The accounting keys of the rows purged: those their chunks own (a record that was a
      // duplicate in a chunk keeps the key of the chunk that holds its row).
      {
        sqlite::statement keys(impl_->db, "DELETE FROM acct_records WHERE message_id IN (SELECT id FROM purge_chunk)");
        keys.run();
        out.acct_keys += impl_->db.changes();
      }
      sqlite::statement rows(impl_->db, "DELETE FROM undelivered_log WHERE message_id IN (SELECT id FROM purge_chunk)");
      rows.run();
      out.rows += impl_->db.changes();
      sqlite::statement messages(impl_->db, "DELETE FROM messages WHERE id IN (SELECT id FROM purge_chunk)");
      messages.run();
      out.messages += impl_->db.changes();
      tx.commit();
    }
    return out;
  } catch (const sqlite::failure& e) {
    // Chunks already committed stay purged; the next run goes on from there.
    return error{e.what()};
  }
}

result<forget_result> database::forget(const std::string& address) {
  const std::string a = util::to_lower(address);
  // An empty needle would match every message.
  if (a.empty() || a.find(',') != std::string::npos) return error{"not an address: " + address};
  // What names the address. Rows: in their address fields or any of their text (an accounting
  // record's diagnostic "see bob@d.test", a jobId holding it). Messages: in their envelope,
  // anywhere in the raw text (a bounce quotes the original's headers), or through one of their
  // rows picked (the text may hold the address only encoded, base64): they go whole with all
  // their rows; so do those whose From or Subject names it (an RFC 2047 Subject holds it only
  // encoded in the raw text). Accounting chunks whose text names it: the records that do are cut below. ?2
  // and ?3 bound the message and row ids looked at (for the tail stored since the first look).
  static constexpr const char* pick_rows =
      "INSERT OR IGNORE INTO forget_rows SELECT id FROM undelivered_log WHERE id > ?3 AND ("
      "lower(recipient) = ?1 OR lower(envelope_recipient) = ?1 OR lower(envelope_sender) = ?1 "
      "OR bounced_mentions(diagnostic_text || ' ' || original_message_id || ' ' || email_id || ' ' || send_message_id "
      "|| ' ' || transaction_id || ' ' || campaign_id || ' ' || send_id || ' ' || list_id || ' ' || source_system "
      "|| ' ' || remote_mta || ' ' || reporting_mta || ' ' || status || ' ' || reply_code || ' ' || diagnostic_type "
      "|| ' ' || pmta_category || ' ' || feedback_type || ' ' || rule_id || ' ' || action, ?1))";
  static constexpr const char* pick_messages =
      "INSERT OR IGNORE INTO forget_messages SELECT id FROM messages WHERE id > ?2 AND via <> 'acct' AND ("
      "lower(envelope_sender) = ?1 "
      "OR instr(',' || lower(envelope_recipients) || ',', ',' || ?1 || ',') > 0 "
      "OR id IN (SELECT message_id FROM undelivered_log WHERE id IN (SELECT id FROM forget_rows)) "
      "OR bounced_mentions(raw, ?1) OR bounced_mentions(coalesce(from_address, '') || ' ' || coalesce(subject, ''), ?1))";
  static constexpr const char* pick_acct =
      "INSERT OR IGNORE INTO forget_acct SELECT id FROM messages WHERE id > ?2 AND via = 'acct' "
      "AND bounced_mentions(raw, ?1)";
  const auto pick = [&](std::int64_t messages_after, std::int64_t rows_after) {
    {
      sqlite::statement st(impl_->db, pick_rows);  // first: the messages of the rows picked go too
      st.bind(1, a).bind(3, rows_after).run();
    }
    for (const char* sql : {pick_messages, pick_acct}) {
      sqlite::statement st(impl_->db, sql);
      st.bind(1, a).bind(2, messages_after).run();
    }
  };
  try {
    forget_result out;
    impl_->db.exec("CREATE TEMP TABLE IF NOT EXISTS forget_messages (id INTEGER PRIMARY KEY)");
    impl_->db.exec("CREATE TEMP TABLE IF NOT EXISTS forget_rows (id INTEGER PRIMARY KEY)");
    impl_->db.exec("CREATE TEMP TABLE IF NOT EXISTS forget_acct (id INTEGER PRIMARY KEY)");
    impl_->db.exec("DELETE FROM forget_messages; DELETE FROM forget_rows; DELETE FROM forget_acct");
    // 1. The search through every stored message, in a read transaction: the daemon's commits go
    // on meanwhile (under the write lock, a scan of a large database held them up for seconds
    // and made some 451). Its snapshot's last ids mark where it looked up to.
    std::int64_t messages_to = 0, rows_to = 0;
    {
      impl_->db.exec("BEGIN");
      try {
        messages_to = impl_->scalar("SELECT coalesce(max(id), 0) FROM messages");
        rows_to = impl_->scalar("SELECT coalesce(max(id), 0) FROM undelivered_log");
        pick(0, 0);
        impl_->db.exec("COMMIT");
      } catch (const sqlite::failure&) {
        impl_->db.exec("ROLLBACK");
        throw;
      }
    }
    // 2. Under the write lock: the messages and rows stored since, then the erasure.
    sqlite::transaction tx(impl_->db);
    pick(messages_to, rows_to);
    // The accounting keys of every chunk forget touches stay for good, owned by no chunk (0):
    // purge never drops them, so that a file imported again does not bring the erased records
    // back. All of the chunk's, not only the erased records': which key is whose would need the
    // chunk's text split exactly as the importer read it, and a mistake there would let an
    // erased record return. The cost: the others' keys in such a chunk outlive its purge too.
    {
      sqlite::statement keep(impl_->db,
                             "UPDATE acct_records SET message_id = 0 WHERE message_id IN (SELECT id FROM forget_acct "
                             "UNION SELECT message_id FROM undelivered_log WHERE id IN (SELECT id FROM forget_rows))");
      keep.run();
    }
    {
      sqlite::statement rows(impl_->db, "DELETE FROM undelivered_log WHERE message_id IN (SELECT id FROM forget_messages) "
                                        "OR id IN (SELECT id FROM forget_rows)");
      rows.run();
      out.rows = impl_->db.changes();
      sqlite::statement messages(impl_->db, "DELETE FROM messages WHERE id IN (SELECT id FROM forget_messages)");
      messages.run();
      out.messages = impl_->db.changes();
    }
    // Accounting chunks: the records that name the address are cut from the raw text, whole
    // (a quoted field may hold line breaks), the header row kept; the other records stay, and
    // the count of rows is made right again. The text is read again here, under the lock.
    std::vector<std::pair<std::int64_t, std::string>> cut;
    {
      sqlite::statement acct(impl_->db, "SELECT id, raw FROM messages WHERE id IN (SELECT id FROM forget_acct)");
      while (acct.step()) {
        const std::string raw = acct.text(1);
        std::string kept;
        kept.reserve(raw.size());
        bool header = true;
        for (const std::string_view record : csv_records(raw)) {
          if (header || !mentions_address(record, a)) kept.append(record);
          header = false;
        }
        cut.emplace_back(acct.int64(0), std::move(kept));
      }
    }
    sqlite::statement rewrite(impl_->db,
                              "UPDATE messages SET raw = ?2, size_bytes = length(?2), "
                              "records = (SELECT count(*) FROM undelivered_log WHERE message_id = ?1) WHERE id = ?1");
    // A chunk left with its header row alone, and no row of its own, goes: nothing of it is left
    // to show.
    sqlite::statement drop(impl_->db,
                           "DELETE FROM messages WHERE id = ?1 AND NOT EXISTS (SELECT 1 FROM undelivered_log WHERE message_id = ?1)");
    for (const auto& [id, kept] : cut) {
      rewrite.reset();
      rewrite.bind(1, id).bind_blob(2, kept).run();
      if (csv_records(kept).size() <= 1) {
        drop.reset();
        drop.bind(1, id).run();
        out.messages += impl_->db.changes();
      }
    }
    sqlite::statement supp(impl_->db, "DELETE FROM suppressions WHERE address = ?");
    supp.bind(1, a).run();
    out.suppressions = impl_->db.changes();
    impl_->db.exec("DELETE FROM forget_messages; DELETE FROM forget_rows; DELETE FROM forget_acct");
    tx.commit();
    return out;
  } catch (const sqlite::failure& e) {
    return error{e.what()};
  }
}

}  // namespace bounced::storage
