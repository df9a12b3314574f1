// See to_rows.hpp.
#include "daemon/pipeline/to_rows.hpp"

#include <boost/json/serialize.hpp>

#include <exception>

#include "parser/decode.hpp"
#include "parser/address.hpp"
#include "util/text.hpp"
#include "util/utf8.hpp"

namespace bounced::daemon {

storage::row to_row(const record& r, std::string_view envelope_sender, std::string_view envelope_recipient) {
  storage::row out;
  out.recipient = r.recipient;
  out.kind = r.kind;
  out.status = r.deliverystatus;
  out.reply_code = r.replycode;
  out.diagnostic_type = r.diagnostictype;
  out.diagnostic_text = r.diagnosticcode;
  out.remote_mta = r.rhost;
  out.reporting_mta = r.lhost;
  out.action = r.action;
  out.reason = r.reason;
  out.bounce_type = r.bouncetype;  // the classifier's hard, soft or none
  out.category = r.category;       // the classifier's PowerMTA category
  // pmta_category is a category handed in by PowerMTA or Oempro (acct, http): none in a message.
  out.feedback_type = r.feedbacktype;
  out.rule_id = r.rule;
  out.envelope_sender = std::string(envelope_sender);
  out.envelope_recipient = std::string(envelope_recipient);
  out.original_message_id = r.messageid;
  return out;
}

void set_correlation(storage::row& row, const correlation& ids) {
  row.campaign_id = ids.campaign_id;
  row.send_id = ids.send_id;
  row.email_id = ids.email_id;
  row.list_id = ids.list_id;
  row.send_message_id = ids.send_message_id;
  row.source_system = ids.source_system;
  row.transaction_id = ids.transaction_id;
}

storage::row acct_to_row(const parser::acct_record& a, const classifier::rule_set& rules, const correlation_settings& correlation) {
  storage::row row;
  row.recipient = parser::clean_address(a.rcpt);  // <Ang@D.test> as Ang@d.test, as from a DSN
  switch (a.kind) {
    case parser::acct_kind::bounce: row.kind = storage::record_kind::bounce; break;
    case parser::acct_kind::delay: row.kind = storage::record_kind::delay; break;
    case parser::acct_kind::complaint: row.kind = storage::record_kind::complaint; break;
    default: row.kind = storage::record_kind::delivery; break;
  }
  const std::string action = util::to_lower(a.action);
  classifier::input in;
  in.status = a.status;
  in.reply_code = a.reply_code;
  in.diagnostic = a.diagnostic;
  in.rhost = a.mta_host;
  in.action = action;
  in.diagnostic_type = a.diagnostic_type;
  if (a.kind == parser::acct_kind::complaint) in.hint = "feedback";
  const classifier::verdict v = rules.classify(in);
  row.status = v.status;
  row.reply_code = std::string(a.reply_code);
  // Upper case, as the decoder writes a DSN's Diagnostic-Code type (RFC 3464 2.3.6: "smtp" and
  // "SMTP" are the same type), so that the export shows one spelling.
  row.diagnostic_type = util::to_upper(a.diagnostic_type);
  row.diagnostic_text = std::string(a.diagnostic);
  // As a DSN writes them ("dns; mx1.example.com"), as the rows of decoded bounces have them.
  if (!a.mta_host.empty()) row.remote_mta = "dns; " + std::string(a.mta_host);
  if (!a.reporting_mta.empty()) row.reporting_mta = "dns; " + std::string(a.reporting_mta);
  row.action = action;
  row.reason = v.reason;
  row.bounce_type = bounce_type_of(v);
  row.category = v.category;
  row.pmta_category = std::string(a.bounce_cat);
  if (a.kind == parser::acct_kind::complaint) row.feedback_type = a.feedback_type.empty() ? "abuse" : std::string(a.feedback_type);
  row.rule_id = v.rule;
  row.envelope_sender = std::string(a.orig);
  set_correlation(row, correlate_acct(a.orig, a.headers, a.job_id, a.env_id, correlation.verp, correlation.headers));
  for (const auto& [name, value] : a.headers)
    if (util::iequals(name, "Message-ID")) row.original_message_id = std::string(value);
  return row;
}

void set_head(storage::outcome& result, const parser::head& head) {
  result.from = head.from;
  result.subject = std::string(util::utf8_prefix(head.subject, max_listed_subject_bytes));
}

void set_head_from(std::string_view head, storage::outcome& result) { set_head(result, parser::read_head(head)); }

std::vector<std::string> json_lines(std::string_view raw, const rulebook& rules, std::string_view origin, bool all) {
  std::vector<std::string> lines;
  const parser::report report = parser::decode(raw, rules.decoding);
  if (report.kind == parser::message_kind::none) {
    if (all) {
      boost::json::object o;
      o["origin"] = origin;
      o["kind"] = "none";
      o["decoded"] = false;
      o["why"] = report.why_not;
      o["subject"] = report.subject;
      lines.push_back(boost::json::serialize(o));
    }
    return lines;
  }
  for (const record& r : make_records(report, rules.classifying, origin)) lines.push_back(boost::json::serialize(to_json(r)));
  return lines;
}

decoded_message decode_for_storage(std::string_view raw, const rulebook& rules,
                                   std::string_view envelope_sender, std::string_view envelope_recipient,
                                   std::string_view origin, const correlation_settings& correlation) {
  decoded_message out;
  try {
    const parser::report report = parser::decode(raw, rules.decoding);
    set_head(out.result, {report.envelope_from, report.subject});
    if (report.kind == parser::message_kind::none) {
      out.result.status = storage::decode_status::nothing;
      out.result.detail = report.why_not;
      return out;
    }
    const std::vector<record> records = make_records(report, rules.classifying, origin);
    const daemon::correlation ids = correlate(envelope_recipient, report, correlation.verp, correlation.headers);
    for (std::size_t i = 0; i < records.size(); ++i) {
      storage::row row = to_row(records[i], envelope_sender, envelope_recipient);
      // The MTAs as the DSN writes them ("dns; mx1.example.com"), which exports quote; the
      // record's bare host names stand in where the report names none.
      const parser::recipient_report& rr = report.recipients[i];
      if (!rr.remote_mta.empty()) row.remote_mta = rr.remote_mta;
      if (!report.reporting_mta.empty()) row.reporting_mta = report.reporting_mta;
      set_correlation(row, ids);
      // A configured list id wins; else the original's own List-Id (RFC 2919).
      if (row.list_id.empty()) row.list_id = report.original.list_id;
      out.rows.push_back(std::move(row));
    }
    out.result.status = out.rows.empty() ? storage::decode_status::nothing : storage::decode_status::decoded;
    out.result.detail = out.rows.empty() ? "a report with no recipient" : "";
  } catch (const std::exception& e) {
    out.rows.clear();
    out.result = {storage::decode_status::failed, e.what()};
    // From and Subject all the same, from the header alone.
    set_head(out.result, parser::read_head(raw));
  }
  return out;
}

}  // namespace bounced::daemon
