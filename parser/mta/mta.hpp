// One decoder per MTA or provider format, each in its own file named for it.
#pragma once

#include "parser/decoder.hpp"

namespace bounced::parser::mta {

bool decode_exim(const mail& m, report& out);
bool decode_qmail(const mail& m, report& out);
bool decode_yahoo(const mail& m, report& out);
bool decode_x2(const mail& m, report& out);
bool decode_notes(const mail& m, report& out);
bool decode_verizon(const mail& m, report& out);
bool decode_postfix_smtpd(const mail& m, report& out);
bool decode_mfilter(const mail& m, report& out);
bool decode_einsundeins(const mail& m, report& out);
bool decode_v5sendmail(const mail& m, report& out);
// qmail's layout: "<address>:" on its own line, then the error up to the next empty line.
// Adds a recipient per block; returns how many were added.
std::size_t read_address_blocks(std::string_view notice, report& out);

}  // namespace bounced::parser::mta
