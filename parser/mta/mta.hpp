// One decoder per MTA or provider format, each in its own file named for it.
#pragma once

#include "parser/decoder.hpp"

namespace bounced::parser::mta {

bool decode_amazonses_json(const mail& m, report& out);
bool decode_google_groups(const mail& m, report& out);
bool decode_gmail(const mail& m, report& out);
bool decode_einsundeins(const mail& m, report& out);
bool decode_gmx(const mail& m, report& out);
bool decode_dragonfly(const mail& m, report& out);
bool decode_opensmtpd(const mail& m, report& out);
bool decode_trendmicro(const mail& m, report& out);
bool decode_receivingses(const mail& m, report& out);
bool decode_x6(const mail& m, report& out);
bool decode_exchange2003(const mail& m, report& out);
bool decode_mcafee(const mail& m, report& out);
bool decode_x1(const mail& m, report& out);
bool decode_mailfoundry(const mail& m, report& out);
bool decode_gsuite(const mail& m, report& out);
bool decode_dovecot(const mail& m, report& out);
bool decode_domino(const mail& m, report& out);
bool decode_ezweb(const mail& m, report& out);
bool decode_imailserver(const mail& m, report& out);
bool decode_activehunter(const mail& m, report& out);
bool decode_biglobe(const mail& m, report& out);
bool decode_kddi(const mail& m, report& out);
bool decode_mailmarshal(const mail& m, report& out);
bool decode_fml(const mail& m, report& out);
bool decode_apachejames(const mail& m, report& out);
bool decode_exim(const mail& m, report& out);
bool decode_qmail(const mail& m, report& out);
bool decode_yahoo(const mail& m, report& out);
bool decode_x2(const mail& m, report& out);
bool decode_notes(const mail& m, report& out);
bool decode_verizon(const mail& m, report& out);
bool decode_postfix_smtpd(const mail& m, report& out);
// Postfix's plain-text bounce without delivery-status fields ("This is the Postfix program at host").
bool decode_postfix_text(const mail& m, report& out);
bool decode_mfilter(const mail& m, report& out);
bool decode_v5sendmail(const mail& m, report& out);
bool decode_zoho(const mail& m, report& out);
bool decode_mailru(const mail& m, report& out);
bool decode_sendmail(const mail& m, report& out);
bool decode_facebook(const mail& m, report& out);
bool decode_messagelabs(const mail& m, report& out);
bool decode_office365(const mail& m, report& out);
bool decode_outlook(const mail& m, report& out);
// A delivery-status part whose fields surround each Final-Recipient in one block: every field
// belongs to the record of the Final-Recipient it precedes or follows. Returns true when any.
bool read_one_block_dsn(const mail& m, report& out);
// qmail's layout: "<address>:" on its own line, then the error up to the next empty line.
// Adds a recipient per block; returns how many were added.
std::size_t read_address_blocks(std::string_view notice, report& out);
// The cause a local delivery agent's own line names ("mail.local: unknown user: bob" ->
// "userunknown"); "" when the diagnostic is no such line or the sentence is not known.
// The local delivery agent a line starts with ("mail.local: "), "" when none.
std::string_view local_agent_name(std::string_view line);
// The reason an agent's sentence in text names, "" when none; agent defaults to the one text
// starts with (a block's later lines name the agent of its first).
std::string_view local_agent_reason(std::string_view text, std::string_view agent = {});

}  // namespace bounced::parser::mta
