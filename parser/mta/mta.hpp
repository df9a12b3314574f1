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

}  // namespace bounced::parser::mta
