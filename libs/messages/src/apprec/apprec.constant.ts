/** AppRec (applikasjonskvittering) namespaces, MIG versions and code lists; domain guide §4. */

export type AppRecVersion = '1.0' | '1.1';

export const APPREC_NAMESPACE: Record<AppRecVersion, string> = {
  '1.0': 'http://www.kith.no/xmlstds/apprec/2004-11-21',
  '1.1': 'http://www.kith.no/xmlstds/apprec/2012-02-15',
};

/** MIGversion text; 1.0 has no leading "v". */
export const APPREC_MIG_VERSION: Record<AppRecVersion, string> = {
  '1.0': '1.0 2004-11-21',
  '1.1': 'v1.1 2012-02-15',
};

/** Code list 8221 OID (Error/@S). */
export const APPREC_ERROR_OID = '2.16.578.1.12.4.1.1.8221';

/**
 * Standard texts (Error/@DN) of code list 8221 "Feilmeldinger for applikasjonskvittering - generelle",
 * as published in public NHN/NAV client libraries. Codes missing here are sent without @DN unless the
 * caller gives a text.
 */
export const APPREC_ERROR_TEXT: Readonly<Record<string, string>> = {
  T01: "Ikke XML / ikke 'well formed' / uleselig",
  T02: 'XML validerer ikke',
  T10: 'Støtter ikke meldingsformatet',
  T99: 'Annen feil på format',
  S01: 'Feil på signatur',
  S02: 'Ugyldig sertifikat',
  S03: 'Tilbaketrukket sertifikat',
  S99: 'Annen feil på signatur eller sertifikat',
  E10: 'Ugyldig meldingsidentifikator',
  E20: 'Lege finnes ikke',
  E21: 'Mottaker finnes ikke',
  E30: 'Pasientens fødselsnummer mangler',
  E31: 'Pasientens fødselsnummer er feil',
  E32: 'Pasientens navn mangler',
  E35: 'Pasienten finnes ikke i mottakersystemet',
  E36: 'Pasientopplysninger er utilstrekkelige',
  E53: 'Pasientens fødselsnummer eller D-nummer finnes ikke registrert i Folkeregisteret',
  E54: 'Pasientens fødselsnummer er ikke registrert i mottagersystemet',
  X99: 'Annen feil',
};

/** Code list 8258: status of the original message at the receiver. */
export const APPREC_STATUS = {
  OK: { V: '1', DN: 'OK' },
  REJECTED: { V: '2', DN: 'Avvist' },
} as const;

/** OriginalMsgId/MsgType when the original's type could not be read (the element is a free kith:CS token). */
export const UNKNOWN_MSG_TYPE = 'UKJENT';

/** OriginalMsgId/Id when the original's MsgId could not be read (Id is a required xs:string). */
export const UNKNOWN_MSG_ID = 'UKJENT';

/** Inst/Name when a party could not be read from the original. */
export const UNKNOWN_PARTY_NAME = 'Ukjent';
