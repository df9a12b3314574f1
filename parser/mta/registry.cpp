// The MTA and provider formats, in the order they are tried: the most specific fingerprints
// first, so a provider that relays through a common MTA is named for itself.
#include "parser/decoder.hpp"
#include "parser/mta/mta.hpp"

namespace bounced::parser {

std::span<const decoder> mta_decoders() noexcept {
  static constexpr decoder table[] = {
      {"Postfix", mta::decode_postfix_smtpd},
      {"Postfix", mta::decode_postfix_text},
      {"Notes", mta::decode_notes},
      {"mFILTER", mta::decode_mfilter},
      {"AmazonSES", mta::decode_amazonses_json},
      {"GoogleGroups", mta::decode_google_groups},
      {"Gmail", mta::decode_gmail},
      {"GSuite", mta::decode_gsuite},
      {"GMX", mta::decode_gmx},
      {"EinsUndEins", mta::decode_einsundeins},
      {"DragonFly", mta::decode_dragonfly},
      {"OpenSMTPD", mta::decode_opensmtpd},
      {"InterScanMSS", mta::decode_trendmicro},
      {"ReceivingSES", mta::decode_receivingses},
      {"X6", mta::decode_x6},
      {"Exchange2003", mta::decode_exchange2003},
      {"McAfee", mta::decode_mcafee},
      {"X1", mta::decode_x1},
      {"MailFoundry", mta::decode_mailfoundry},
      {"Domino", mta::decode_domino},
      {"EZweb", mta::decode_ezweb},
      {"IMailServer", mta::decode_imailserver},
      {"Activehunter", mta::decode_activehunter},
      {"Biglobe", mta::decode_biglobe},
      {"KDDI", mta::decode_kddi},
      {"MailMarshalSMTP", mta::decode_mailmarshal},
      {"FML", mta::decode_fml},
      {"ApacheJames", mta::decode_apachejames},
      {"V5sendmail", mta::decode_v5sendmail},
      {"Zoho", mta::decode_zoho},
      {"Facebook", mta::decode_facebook},
      {"MessageLabs", mta::decode_messagelabs},
      {"Office365", mta::decode_office365},
      {"Outlook", mta::decode_outlook},
      {"Verizon", mta::decode_verizon},
      {"Yahoo", mta::decode_yahoo},
      {"X2", mta::decode_x2},
      {"qmail", mta::decode_qmail},
      {"MailRu", mta::decode_mailru},
      {"Exim", mta::decode_exim},
      {"Sendmail", mta::decode_sendmail},
      {"dovecot", mta::decode_dovecot},
  };
  return table;
}

}  // namespace bounced::parser
