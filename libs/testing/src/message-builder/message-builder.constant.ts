/**
 * Namespaces, code values and realistic reference data for the test message builder.
 * Namespaces were read from the national XSDs (../shared/corpus/xsd); see the domain guide §2.
 */

export const NS = {
  msgHead: 'http://www.kith.no/xmlstds/msghead/2006-05-24',
  fk1: 'http://www.kith.no/xmlstds/felleskomponent1',
  base64: 'http://www.kith.no/xmlstds/base64container',
  xsi: 'http://www.w3.org/2001/XMLSchema-instance',
} as const;

/** Code-list OIDs (2.16.578.1.12.4.1.1.<nr>). */
export const OID = {
  idTypeOrg: '2.16.578.1.12.4.1.1.9051',
  idTypePerson: '2.16.578.1.12.4.1.1.8116',
  iplos: '2.16.578.1.12.4.1.1.9151',
  icd10: '2.16.578.1.12.4.1.1.7110',
  icpc2: '2.16.578.1.12.4.1.1.7170',
  hendelsekode: '2.16.578.1.12.4.1.1.9121',
  utTil: '2.16.578.1.12.4.1.1.8408',
  uttilstand: '2.16.578.1.12.4.1.1.8431',
  roleToPatient: '2.16.578.1.12.4.1.1.9034',
  typeInnholdMedOppl: '2.16.578.1.12.4.1.1.9138',
  typeInnholdUtskrivning: '2.16.578.1.12.4.1.1.9139',
  typeInnholdHelseoppl: '2.16.578.1.12.4.1.1.9140',
  typeInnholdHenvisning: '2.16.578.1.12.4.1.1.8455',
  typeRelasjon: '2.16.578.1.12.4.1.1.8254',
  henvisningHeading: '2.16.578.1.12.4.1.1.8231',
  infItemType: '2.16.578.1.12.4.1.1.8233',
  dialogTema: '2.16.578.1.12.4.1.1.7322',
  statusHenvisning: '2.16.578.1.12.4.1.1.9148',
  foresporselType: '2.16.578.1.12.4.1.1.9152',
} as const;

export const PLO_KINDS = [
  'ORIENTERING_TJENESTETILBUD',
  'INNLEGGELSESRAPPORT',
  'UTSKRIVNINGSRAPPORT',
  'HELSEOPPLYSNINGER_LEGE',
  'MEDISINSKE_OPPLYSNINGER',
  'HELSEOPPL_SOKNAD',
  'LOG_INNLAGT',
  'LOG_UTSKRIVNINGSKLAR',
  'LOG_AVMELDING',
  'LOG_UTSKREVET',
  'LOG_DOD',
] as const;
export type PloKind = (typeof PLO_KINDS)[number];

export const DIALOG_KINDS = [
  'DIALOG_FORESPORSEL',
  'DIALOG_SVAR',
  'DIALOG_NOTAT',
  'DIALOG_HELSEFAGLIG',
  'DIALOG_STATUS_HENVISNING',
] as const;
export type DialogKind = (typeof DIALOG_KINDS)[number];

/** Every MsgInfo/Type (or bare Message/Type, normalised) the builder can produce. */
export type MessageKind = PloKind | DialogKind | 'EPIKRISE' | 'HENVISNING' | 'HENVISNING_NYTILSTAND' | 'HENVISNING_VIDERE';

export type MessageVersion = '1.0' | '1.1' | '1.2' | '1.5' | '1.6' | '2.0';

export const MSG_TYPE_TEXT: Record<MessageKind, string> = {
  ORIENTERING_TJENESTETILBUD: 'Orientering om tjenestetilbud',
  INNLEGGELSESRAPPORT: 'Innleggelsesrapport',
  UTSKRIVNINGSRAPPORT: 'Utskrivningsrapport',
  HELSEOPPLYSNINGER_LEGE: 'Helseopplysninger til lege',
  MEDISINSKE_OPPLYSNINGER: 'Medisinske opplysninger',
  HELSEOPPL_SOKNAD: 'Helseopplysninger ved søknad',
  LOG_INNLAGT: 'Melding om innlagt pasient',
  LOG_UTSKRIVNINGSKLAR: 'Melding om utskrivningsklar pasient',
  LOG_AVMELDING: 'Avmelding av utskrivningsklar pasient',
  LOG_UTSKREVET: 'Melding om utskrevet pasient',
  LOG_DOD: 'Orientering om dødsfall',
  EPIKRISE: 'Epikrise',
  HENVISNING: 'Henvisning',
  HENVISNING_NYTILSTAND: 'Henvisning ny tilstand',
  HENVISNING_VIDERE: 'Viderehenvisning',
  DIALOG_FORESPORSEL: 'Forespørsel',
  DIALOG_SVAR: 'Svar på forespørsel',
  DIALOG_NOTAT: 'Notat',
  DIALOG_HELSEFAGLIG: 'Helsefaglig dialog',
  DIALOG_STATUS_HENVISNING: 'Status på henvisning',
};

/** (payload root, namespace) per PLO kind and version; `undefined` where no schema exists. */
export interface PloPayloadDef {
  root: string;
  namespace: string;
  poNamespace: string;
}

const PO = {
  '1.5': 'http://www.kith.no/xmlstds/po/poKomponent/2009-06-30',
  '1.6': 'http://www.kith.no/xmlstds/po/poKomponent/2012-04-01',
  '2.0': 'http://ehelse.no/xmlstds/po/poKomponent/2017-11-30',
} as const;

function plo(version: '1.5' | '1.6', root: string, nsName: string): PloPayloadDef {
  const date = version === '1.5' ? '2009-06-30' : '2012-04-01';
  return { root, namespace: `http://www.kith.no/xmlstds/po/${nsName}/${date}`, poNamespace: PO[version] };
}

const LOG_15 = plo('1.5', 'Pasientlogistikk', 'Pasientlogistikk');
const LOG_16 = plo('1.6', 'Pasientlogistikk', 'Pasientlogistikk');
const LOG_20: PloPayloadDef = {
  root: 'Pasientlogistikk',
  namespace: 'http://ehelse.no/xmlstds/po/Pasientlogistikk/2016-05-30',
  poNamespace: PO['2.0'],
};

export const PLO_PAYLOADS: Record<PloKind, Partial<Record<'1.5' | '1.6' | '2.0', PloPayloadDef>>> = {
  ORIENTERING_TJENESTETILBUD: {
    '1.5': plo('1.5', 'OrienteringOmTjenestetilbud', 'OrienteringOmTjenestetilbud'),
    '1.6': plo('1.6', 'OrienteringOmTjenestetilbud', 'OrienteringOmTjenestetilbud'),
  },
  INNLEGGELSESRAPPORT: {
    '1.5': plo('1.5', 'Innleggelsesrapport', 'Innleggelsesrapport'),
    '1.6': plo('1.6', 'Innleggelsesrapport', 'Innleggelsesrapport'),
  },
  UTSKRIVNINGSRAPPORT: {
    '1.5': plo('1.5', 'TverrfagligEpikrise', 'TverrfagligEpikrise'),
    '1.6': plo('1.6', 'TverrfagligEpikrise', 'TverrfagligEpikrise'),
  },
  // Same root name, different namespaces: 1.5 calls the message Konsultasjon.
  HELSEOPPLYSNINGER_LEGE: {
    '1.5': plo('1.5', 'Konsultasjon', 'Konsultasjon'),
    '1.6': plo('1.6', 'Konsultasjon', 'HelseopplysningerTilLege'),
  },
  MEDISINSKE_OPPLYSNINGER: {
    '1.5': plo('1.5', 'OverforingMedisinskeOpplysninger', 'OverforingMedisinskeOpplysninger'),
    '1.6': plo('1.6', 'OverforingMedisinskeOpplysninger', 'MedisinskeOpplysninger'),
  },
  HELSEOPPL_SOKNAD: {
    '1.5': plo('1.5', 'HelseopplysningerVedSoknad', 'HelseopplysningerVedSoknad'),
    '1.6': plo('1.6', 'HelseopplysningerVedSoknad', 'HelseopplysningerVedSoknad'),
    // The 2.0 successor (the 2.0 display file pairs it with HELSEOPPL_SOKNAD and TypeInnhold 9140).
    '2.0': {
      root: 'HelseopplysningerSaksbehandling',
      namespace: 'http://ehelse.no/xmlstds/po/HelseopplysningerSaksbehandling/2016-05-30',
      poNamespace: PO['2.0'],
    },
  },
  LOG_INNLAGT: { '1.5': LOG_15, '1.6': LOG_16, '2.0': LOG_20 },
  LOG_UTSKRIVNINGSKLAR: { '1.5': LOG_15, '1.6': LOG_16, '2.0': LOG_20 },
  LOG_AVMELDING: { '1.5': LOG_15, '1.6': LOG_16, '2.0': LOG_20 },
  LOG_UTSKREVET: { '1.5': LOG_15, '1.6': LOG_16, '2.0': LOG_20 },
  LOG_DOD: { '1.5': LOG_15, '1.6': LOG_16, '2.0': LOG_20 },
};

/** Pasientlogistikk subtype element (in the message namespace) per LOG_* type. */
export const LOG_SUBTYPE: Record<Extract<PloKind, `LOG_${string}`>, string> = {
  LOG_INNLAGT: 'MeldingInnlagtPasient',
  LOG_UTSKRIVNINGSKLAR: 'MeldingUtskrivningsklarPasient',
  LOG_AVMELDING: 'AvmeldingUtskrivningsklarPasient',
  LOG_UTSKREVET: 'MeldingOmUtskrevetPasient',
  LOG_DOD: 'OrienteringOmDod',
};

export const EPIKRISE_NS: Record<'1.0' | '1.1' | '1.2', string> = {
  '1.0': 'http://www.kith.no/xmlstds/epikrise',
  '1.1': 'http://www.kith.no/xmlstds/epikrise/2006-09-23',
  '1.2': 'http://www.kith.no/xmlstds/epikrise/2012-02-15',
};

export const HENVISNING_NS: Record<'1.0' | '1.1' | '2.0', string> = {
  '1.0': 'http://www.kith.no/xmlstds/henvisning/2005-07-08',
  '1.1': 'http://www.kith.no/xmlstds/henvisning/2012-02-15',
  '2.0': 'http://ehelse.no/xmlstds/henvisning/2017-11-30',
};

export const PO_NS_20 = PO['2.0'];

export const DIALOG_NS: Record<'1.0' | '1.1', string> = {
  '1.0': 'http://www.kith.no/xmlstds/dialog/2006-10-11',
  '1.1': 'http://www.kith.no/xmlstds/dialog/2013-01-23',
};

/**
 * MIGversion of the bare messages. The 1.1/1.2 epikrise and 1.1 henvisning values are from the examples;
 * the others follow the same pattern from the XSD version comments (the element is a free string).
 */
export const BARE_MIG_VERSION = {
  EPIKRISE: { '1.0': 'v1.0', '1.1': 'v1.1 2006-09-23', '1.2': 'v1.2 2012-02-15' },
  HENVISNING: { '1.0': 'v1.0 2005-07-08', '1.1': 'v1.1 2012-02-15' },
} as const;

/** Code list 7309 texts. */
export const STATUS_TEXT = { N: 'Ny', M: 'Endring', C: 'Kansellering' } as const;

/** Code list 9121 texts. */
export const HENDELSE_TEXT: Record<string, string> = {
  '1': 'Pasient innlagt',
  '2': 'Pasient utskrevet',
  '3': 'Pasient utskrivningsklar',
  '4': 'Avmelding av utskrivningsklar pasient',
  '13': 'Pasienten er død',
};

/** IPLOS tjenestetype (9151): code, text, typical unit. */
export const IPLOS_SERVICES: ReadonlyArray<{ code: string; text: string; unit: string }> = [
  { code: '1', text: 'Praktisk bistand - daglige gjøremål', unit: 'timer hver uke' },
  { code: '2', text: 'Praktisk bistand - opplæring', unit: 'timer hver uke' },
  { code: '4', text: 'Dagaktivitetstilbud', unit: 'dager hver uke' },
  { code: '5', text: 'Matombringing', unit: 'måltider hver dag' },
  { code: '6', text: 'Trygghetsalarm', unit: 'stk' },
  { code: '7', text: 'Avlastning utenfor institusjon', unit: 'timer hver uke' },
  { code: '8', text: 'Avlastning i institusjon', unit: 'døgn hver måned' },
  { code: '9', text: 'Støttekontakt', unit: 'timer hver uke' },
  { code: '15', text: 'Helsetjenester i hjemmet', unit: 'timer hver uke' },
  { code: '17', text: 'Dagopphold i institusjon', unit: 'dager hver uke' },
  { code: '18', text: 'Tidsbegrenset opphold - utredning/behandling', unit: 'døgn' },
  { code: '19', text: 'Tidsbegrenset opphold - habilitering/rehabilitering', unit: 'døgn' },
  { code: '20', text: 'Tidsbegrenset opphold - annet', unit: 'døgn' },
  { code: '21', text: 'Langtidsopphold i institusjon', unit: 'døgn' },
  { code: '25', text: 'Kommunal øyeblikkelig hjelp døgnopphold', unit: 'døgn' },
  { code: '27', text: 'Elektronisk medisineringsstøtte', unit: 'stk' },
  { code: '28', text: 'Digitalt tilsyn', unit: 'netter hver uke' },
];

export const ICD10_DIAGNOSES: ReadonlyArray<{ code: string; text: string }> = [
  { code: 'I509', text: 'Hjertesvikt, uspesifisert' },
  { code: 'I10', text: 'Essensiell (primær) hypertensjon' },
  { code: 'E119', text: 'Diabetes mellitus type 2 uten komplikasjoner' },
  { code: 'J441', text: 'Kronisk obstruktiv lungesykdom med akutt eksaserbasjon' },
  { code: 'S720', text: 'Brudd på lårhals' },
  { code: 'F03', text: 'Uspesifisert demens' },
  { code: 'N390', text: 'Urinveisinfeksjon med uspesifisert lokalisasjon' },
  { code: 'I639', text: 'Hjerneinfarkt, uspesifisert' },
  { code: 'J189', text: 'Uspesifisert pneumoni' },
  { code: 'M169', text: 'Uspesifisert koksartrose' },
  { code: 'C61', text: 'Ondartet svulst i blærehalskjertel' },
  { code: 'G20', text: 'Parkinsons sykdom' },
];

export const ICPC2_DIAGNOSES: ReadonlyArray<{ code: string; text: string }> = [
  { code: 'K77', text: 'Hjertesvikt' },
  { code: 'K86', text: 'Hypertensjon ukomplisert' },
  { code: 'T90', text: 'Diabetes type 2' },
  { code: 'P70', text: 'Demens' },
  { code: 'R95', text: 'Kronisk obstruktiv lungesykdom' },
  { code: 'L89', text: 'Hofteleddsartrose' },
  { code: 'L88', text: 'Reumatoid artritt' },
  { code: 'A79', text: 'Kreft med ukjent utgangspunkt' },
  { code: 'U71', text: 'Cystitt/urinveisinfeksjon' },
];

/** Kommuner with their kommunenummer (current numbering) and a plausible HER-id pair (legal entity, service). */
export const KOMMUNER: ReadonlyArray<{ name: string; number: string; herId: string; serviceHerIds: string[] }> = [
  { name: 'Alvdal kommune', number: '3428', herId: '99387', serviceHerIds: ['5078', '5079'] },
  { name: 'Drammen kommune', number: '3301', herId: '112374', serviceHerIds: ['112375', '112376'] },
  { name: 'Bergen kommune', number: '4601', herId: '81476', serviceHerIds: ['81501', '81502'] },
  { name: 'Kongsberg kommune', number: '3303', herId: '104532', serviceHerIds: ['104533'] },
  { name: 'Tromsø kommune', number: '5501', herId: '92155', serviceHerIds: ['92160', '92161'] },
  { name: 'Ålesund kommune', number: '1508', herId: '113489', serviceHerIds: ['113490'] },
  { name: 'Bærum kommune', number: '3201', herId: '76533', serviceHerIds: ['76540', '76541'] },
  { name: 'Trondheim kommune', number: '5001', herId: '90587', serviceHerIds: ['90590', '90591'] },
];

export const KOMMUNE_SERVICES = ['Hjemmesykepleien', 'Tildelingskontoret', 'Sykehjemmet', 'Helsehuset', 'Saksbehandling'];

export const HOSPITALS: ReadonlyArray<{ name: string; herId: string; departments: Array<{ name: string; herId: string }> }> = [
  {
    name: 'St. Olavs hospital HF',
    herId: '59',
    departments: [
      { name: 'Medisinsk klinikk', herId: '90998' },
      { name: 'Ortopedisk avdeling', herId: '90999' },
    ],
  },
  {
    name: 'Vestre Viken HF',
    herId: '85244',
    departments: [
      { name: 'Drammen sykehus, hjertemedisinsk', herId: '85250' },
      { name: 'Bærum sykehus, geriatrisk', herId: '85251' },
    ],
  },
  {
    name: 'Helse Bergen HF',
    herId: '50',
    departments: [{ name: 'Haukeland, lungeavdelingen', herId: '88620' }],
  },
];

export const GP_OFFICES: ReadonlyArray<{ name: string; herId: string }> = [
  { name: 'Kattskinnet legesenter', herId: '91096' },
  { name: 'Fjellheim legekontor', herId: '103412' },
  { name: 'Sentrum legesenter', herId: '117840' },
  { name: 'Åsen og Øvre Flåklypa legekontor', herId: '98124' },
];

export const GIVEN_NAMES = ['Line', 'Roland', 'Gry', 'Finn', 'Åse', 'Øystein', 'Kari', 'Ola', 'Bjørg', 'Ærling', 'Ingrid', 'Håkon'];
export const FAMILY_NAMES = ['Danser', 'Gundersen', 'Telokk', 'Dottno', 'Ødegård', 'Åsheim', 'Bakke', 'Lien', 'Sæther', 'Berg'];
export const STREETS = ['Flåklypa', 'Storgata', 'Kirkeveien', 'Åsveien', 'Bjørkelia', 'Sjøgata'];
