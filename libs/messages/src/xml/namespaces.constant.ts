/**
 * Namespace URIs of the standards the hub reads (domain guide §0-§2, checked against the XSDs in
 * ../shared/corpus/xsd). Matching is always on (namespace URI, local name); prefixes are ignored.
 */
export const NS = {
  MSGHEAD: 'http://www.kith.no/xmlstds/msghead/2006-05-24',
  FK1: 'http://www.kith.no/xmlstds/felleskomponent1',
  BASE64: 'http://www.kith.no/xmlstds/base64container',
  XSI: 'http://www.w3.org/2001/XMLSchema-instance',
  XML: 'http://www.w3.org/XML/1998/namespace',

  PO_15: 'http://www.kith.no/xmlstds/po/poKomponent/2009-06-30',
  PO_16: 'http://www.kith.no/xmlstds/po/poKomponent/2012-04-01',
  /** poKomponent 2.0, also used by Henvisning 2.0. */
  PO_20: 'http://ehelse.no/xmlstds/po/poKomponent/2017-11-30',

  /** Epikrise 1.0 has a namespace without a date (XSD Epikrise-v1.0.xsd). */
  EPIKRISE_10: 'http://www.kith.no/xmlstds/epikrise',
  EPIKRISE_11: 'http://www.kith.no/xmlstds/epikrise/2006-09-23',
  EPIKRISE_12: 'http://www.kith.no/xmlstds/epikrise/2012-02-15',

  HENVISNING_10: 'http://www.kith.no/xmlstds/henvisning/2005-07-08',
  HENVISNING_11: 'http://www.kith.no/xmlstds/henvisning/2012-02-15',
  HENVISNING_20: 'http://ehelse.no/xmlstds/henvisning/2017-11-30',

  DIALOG_10: 'http://www.kith.no/xmlstds/dialog/2006-10-11',
  DIALOG_11: 'http://www.kith.no/xmlstds/dialog/2013-01-23',

  APPREC_10: 'http://www.kith.no/xmlstds/apprec/2004-11-21',
  APPREC_11: 'http://www.kith.no/xmlstds/apprec/2012-02-15',
} as const;

/** Namespace prefix of PLO 1.5 message namespaces: `…/po/<Message>/2009-06-30`. */
export const PLO_15_PATTERN = /^http:\/\/www\.kith\.no\/xmlstds\/po\/([A-Za-z]+)\/2009-06-30$/;
/** PLO 1.6: `…/po/<Message>/2012-04-01`. */
export const PLO_16_PATTERN = /^http:\/\/www\.kith\.no\/xmlstds\/po\/([A-Za-z]+)\/2012-04-01$/;
/** PLO 2.0 (draft, UNVERIFIED in production, guide §2.4): `http://ehelse.no/xmlstds/po/<Message>/2016-05-30`. */
export const PLO_20_PATTERN = /^http:\/\/ehelse\.no\/xmlstds\/po\/([A-Za-z]+)\/2016-05-30$/;
