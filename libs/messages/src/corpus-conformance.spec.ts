/**
 * Conformance against the national example messages in ../shared/corpus (never copied into the project).
 * Every expectation below was written by reading the XML file itself and cross-checked with the
 * inventory in the domain guide §6; nothing is snapshotted from parser output. Attachment sizes were
 * checked against the "/L <length>" of each PDF's linearisation header inside the base64.
 */
import * as fs from 'fs';
import * as path from 'path';
import { DiagnosisContext, DocumentStatus, ParsedMessage, PatientEventKind, Standard } from './model/parsed-message.model';
import { parseMessage } from './parse-message';

const CORPUS = path.resolve(__dirname, '../../../../shared/corpus');
const FOLDERS = ['plo', 'Epikrise', 'Henvisning', 'Dialogmelding'];
const APPREC_FILE = 'NPRbehandlerkravmelding/apprec-eksempel.xml';
const corpusPresent = fs.existsSync(path.join(CORPUS, 'plo'));
if (!corpusPresent) {
  // eslint-disable-next-line no-console -- the one place a skipped suite must say why
  console.warn(`Corpus conformance skipped: ${CORPUS} is absent (CI always has ../shared/corpus).`);
}

const ICD10 = '2.16.578.1.12.4.1.1.7110';
const ICPC2 = '2.16.578.1.12.4.1.1.7170';
const ATC = '2.16.578.1.12.4.1.1.7180';

type Dx = [code: string, oid: string, context: DiagnosisContext, isMain: 'true' | 'false' | 'unknown', extra?: { start?: string; end?: string; modifierOf?: string; mismatch?: boolean; text?: string }];
type Ev = [kind: PatientEventKind, code: string | undefined, time: string | undefined, extra?: { estimated?: boolean; to?: string; condition?: string }];

interface Expected {
  msgType: string;
  standard: Standard;
  version: string;
  status: DocumentStatus | null;
  /** The explicit document key, or undefined when the standard has none in the payload (PLO, dialog). */
  documentId?: string;
  conversationRef?: boolean;
  services?: Array<[iplos: string, start: string, amount: string | undefined]>;
  needs?: number;
  diagnoses?: Dx[];
  events?: Ev[];
  patient?: Array<[type: string, value: string]>;
  /** HER-ids of the sender organisation levels, outermost first, then the person's HER-id if any. */
  sender: Array<string | undefined>;
  senderPerson?: string;
  receiver: Array<string | undefined>;
  receiverPerson?: string;
  copies?: Array<[role: string, herIds: string[]]>;
  attachments?: Array<[mime: string, description: string, bytes: number]>;
}

const KOMMUNE = ['99387', '5078'];
const ST_OLAV_ORTO = ['59', '90998'];
const ROLAND = [['FNR', '15076500565']] as Array<[string, string]>;
const LINE = [['FNR', '13116900216']] as Array<[string, string]>;
const FINN = [['FNR', '21016400952']] as Array<[string, string]>;
const GRY = [['FNR', '12057900499']] as Array<[string, string]>;

const ORIENTERING_SERVICES: Expected['services'] = [
  ['1', '2017-03-15', '2'],
  ['5', '2017-01-01', '0.5'],
  ['7', '2017-01-03', '5'],
  ['15', '2017-01-03', '1'],
];
const UTSKRIVNING_DX: Dx[] = [
  ['A46', ICD10, 'PLO', 'false', { text: 'Ve legg' }],
  ['I509', ICD10, 'PLO', 'false'],
];
const UTSKRIVNING_STAY: Ev[] = [
  // Uncoded TidsfestetHendelse: kind OTHER, never derived from BeskrivelseAvHendelse text.
  ['OTHER', undefined, '2018-01-30T14:00:00', { estimated: false }],
  ['OTHER', undefined, '2018-01-30T14:00:00', { estimated: false }],
  ['OTHER', undefined, '2018-02-02T10:00:00', { estimated: false }],
];
const EPIKRISE_DX: Dx[] = [
  ['T90', ICPC2, 'HENVISNINGSDIAGNOSE', 'true'],
  ['I330', ICD10, 'EPIKRISE', 'true', { start: '2017-04-27T09:00:10', end: '2017-05-04T09:20:12' }],
  ['B951', ICD10, 'EPIKRISE', 'false', { start: '2017-04-27T09:00:10', end: '2017-05-04T09:20:12', modifierOf: 'I330' }],
  ['E119', ICD10, 'EPIKRISE', 'false', { start: '2017-04-27T09:00:10', end: '2017-05-04T09:20:12' }],
  ['I252', ICD10, 'EPIKRISE', 'false', { start: '2017-04-27T09:00:10', end: '2017-05-04T09:20:12' }],
];
const EPIKRISE_STAY: Ev[] = [
  ['ADMITTED', undefined, '2017-04-27T09:00:10'],
  ['DISCHARGED', undefined, '2017-05-04T09:20:12'],
];
const EPIKRISE_PARTIES = { sender: ['91393', '94866'], receiver: ['91393'], receiverPerson: '91439', copies: [['COP', ['91393', '95136']]] as Array<[string, string[]]> };
const PLO16 = { standard: 'PLO' as const, version: '1.6' };
const H20 = { standard: 'HENVISNING' as const, version: '2.0', conversationRef: true };

const EXPECTED: Record<string, Expected> = {
  // --- PLO 1.6 -------------------------------------------------------------------------------------
  'plo/1_6/helseopplysninger_1_6_mottak/Helseopplysninger_Oppdaterte_opplysninger_v1-6_Endring1.xml': {
    msgType: 'HELSEOPPL_SOKNAD', ...PLO16, status: 'M', conversationRef: true,
    diagnoses: [['S720', ICD10, 'PLO', 'true']],
    events: [['DISCHARGE_READY', '3', '2018-01-18', { estimated: true }]],
    patient: GRY, sender: ST_OLAV_ORTO, receiver: KOMMUNE,
  },
  'plo/1_6/helseopplysninger_1_6_mottak/Helseopplysninger_Oppdaterte_opplysninger_v1-6_Endring2.xml': {
    msgType: 'HELSEOPPL_SOKNAD', ...PLO16, status: 'M', conversationRef: true,
    diagnoses: [['S720', ICD10, 'PLO', 'true']],
    events: [['DISCHARGE_READY', '3', '2018-01-25', { estimated: true }]],
    patient: GRY, sender: ST_OLAV_ORTO, receiver: KOMMUNE,
  },
  'plo/1_6/helseopplysninger_1_6_mottak/Helseopplysninger_Varsel_om_innlagt_pasient_v1-6_Ny.xml': {
    msgType: 'HELSEOPPL_SOKNAD', ...PLO16, status: 'N',
    events: [['DISCHARGE_READY', '3', '2018-01-15', { estimated: true }]],
    patient: GRY, sender: ST_OLAV_ORTO, receiver: KOMMUNE,
  },
  'plo/1_6/helseopplysninger_til_lege_1_6_mottak/Helseopplysninger_til_lege_v1-6_Kansellering.xml': {
    msgType: 'HELSEOPPLYSNINGER_LEGE', ...PLO16, status: 'C', conversationRef: true,
    patient: LINE, sender: KOMMUNE, receiver: ['91096'], receiverPerson: '91100',
  },
  'plo/1_6/helseopplysninger_til_lege_1_6_mottak/Helseopplysninger_til_lege_v1-6_Ny.xml': {
    msgType: 'HELSEOPPLYSNINGER_LEGE', ...PLO16, status: 'N',
    patient: LINE, sender: KOMMUNE, receiver: ['91096'], receiverPerson: '91100',
  },
  'plo/1_6/innleggelsesrapport_1_6_mottak/Innleggelsesrapport_v1-6_Endring.xml': {
    msgType: 'INNLEGGELSESRAPPORT', ...PLO16, status: 'M', conversationRef: true,
    services: [['20', '2018-01-06', undefined]], diagnoses: [['I50', ICD10, 'PLO', 'true']],
    patient: LINE, sender: KOMMUNE, receiver: ['59', '91090'],
  },
  'plo/1_6/innleggelsesrapport_1_6_mottak/Innleggelsesrapport_v1-6_Kansellering.xml': {
    msgType: 'INNLEGGELSESRAPPORT', ...PLO16, status: 'C', conversationRef: true,
    patient: LINE, sender: KOMMUNE, receiver: ['59', '91090'],
  },
  'plo/1_6/innleggelsesrapport_1_6_mottak/Innleggelsesrapport_v1-6_Ny.xml': {
    msgType: 'INNLEGGELSESRAPPORT', ...PLO16, status: 'N',
    services: [['20', '2018-01-06', undefined]], diagnoses: [['I50', ICD10, 'PLO', 'true']],
    patient: LINE, sender: KOMMUNE, receiver: ['59', '91090'],
  },
  'plo/1_6/medisinske_opplysninger_1_6_mottak/Medisinske_opplysninger_v1-6_Kansellering.xml': {
    msgType: 'MEDISINSKE_OPPLYSNINGER', ...PLO16, status: 'C', conversationRef: true,
    patient: LINE, sender: ['91096'], senderPerson: '91100', receiver: KOMMUNE,
  },
  'plo/1_6/medisinske_opplysninger_1_6_mottak/Medisinske_opplysninger_v1-6_Ny.xml': {
    msgType: 'MEDISINSKE_OPPLYSNINGER', ...PLO16, status: 'N',
    diagnoses: [
      ['K77', ICPC2, 'PLO', 'true'],
      ['L89', ICPC2, 'PLO_HISTORY', 'unknown', { text: 'Operert. Totalprotese 1995' }],
      ['D03', ICPC2, 'PLO_HISTORY', 'unknown', { text: 'Ingen stikkord' }],
    ],
    patient: LINE, sender: ['91096'], senderPerson: '91100', receiver: KOMMUNE,
  },
  'plo/1_6/orientering_om_tjenestetilbud_1_6_mottak/Orientering_om_tjenestetilbud_v1-6_Kansellering.xml': {
    // A C message keeps its full body; the projector decides not to project it.
    msgType: 'ORIENTERING_TJENESTETILBUD', ...PLO16, status: 'C', conversationRef: true,
    services: ORIENTERING_SERVICES, patient: ROLAND, sender: KOMMUNE, receiver: ['91096'], receiverPerson: '91100',
  },
  'plo/1_6/orientering_om_tjenestetilbud_1_6_mottak/Orientering_om_tjenestetilbud_v1-6_Ny.xml': {
    msgType: 'ORIENTERING_TJENESTETILBUD', ...PLO16, status: 'N',
    services: ORIENTERING_SERVICES, patient: ROLAND, sender: KOMMUNE, receiver: ['91096'], receiverPerson: '91100',
  },
  'plo/1_6/pasientlogistikk_1_6_mottak/Pasientlogistikk_Avmelding_av_utskrivningsklar_pasient_v1-6_Ny.xml': {
    msgType: 'LOG_AVMELDING', ...PLO16, status: 'N',
    events: [
      ['ADMITTED', '1', '2018-01-29T10:00:00', { estimated: false }],
      ['DISCHARGE_READY', '3', '2018-01-31', { estimated: true }],
      ['DISCHARGE_READY_CANCELLED', '4', '2018-01-31', { estimated: false }],
    ],
    patient: ROLAND, sender: ST_OLAV_ORTO, receiver: KOMMUNE,
  },
  'plo/1_6/pasientlogistikk_1_6_mottak/Pasientlogistikk_Innlagt_pasient_v1-6_Kansellering.xml': {
    msgType: 'LOG_INNLAGT', ...PLO16, status: 'C', conversationRef: true,
    events: [['ADMITTED', '1', '2018-01-29T10:00:00', { estimated: false }]],
    patient: ROLAND, sender: ST_OLAV_ORTO, receiver: KOMMUNE,
  },
  'plo/1_6/pasientlogistikk_1_6_mottak/Pasientlogistikk_Innlagt_pasient_v1-6_Ny.xml': {
    msgType: 'LOG_INNLAGT', ...PLO16, status: 'N',
    events: [['ADMITTED', '1', '2018-01-29T10:00:00', { estimated: false }]],
    patient: ROLAND, sender: ST_OLAV_ORTO, receiver: KOMMUNE,
  },
  'plo/1_6/pasientlogistikk_1_6_mottak/Pasientlogistikk_Melding_om_utskrevet_pasient_v1-6_Ny.xml': {
    msgType: 'LOG_UTSKREVET', ...PLO16, status: 'N',
    events: [['DISCHARGED', '2', '2018-02-01', { estimated: false, to: '1', condition: '1' }]],
    patient: ROLAND, sender: ST_OLAV_ORTO, receiver: KOMMUNE,
  },
  'plo/1_6/pasientlogistikk_1_6_mottak/Pasientlogistikk_Orientering_om_dodsfall_v1-6_Kansellering.xml': {
    msgType: 'LOG_DOD', ...PLO16, status: 'C', conversationRef: true,
    events: [['DEATH', '13', '2018-02-20', { estimated: false }]],
    patient: ROLAND, sender: KOMMUNE, receiver: ['91096'], receiverPerson: '91100',
  },
  'plo/1_6/pasientlogistikk_1_6_mottak/Pasientlogistikk_Orientering_om_dodsfall_v1-6_Ny.xml': {
    msgType: 'LOG_DOD', ...PLO16, status: 'N',
    events: [['DEATH', '13', '2018-02-20', { estimated: false }]],
    patient: ROLAND, sender: KOMMUNE, receiver: ['91096'], receiverPerson: '91100',
  },
  'plo/1_6/pasientlogistikk_1_6_mottak/Pasientlogistikk_Utskrivningsklar_pasient_v1-6_Ny.xml': {
    msgType: 'LOG_UTSKRIVNINGSKLAR', ...PLO16, status: 'N',
    events: [
      ['ADMITTED', '1', '2018-01-29T10:00:00', { estimated: false }],
      ['DISCHARGE_READY', '3', '2018-01-31', { estimated: true }],
    ],
    patient: ROLAND, sender: ST_OLAV_ORTO, receiver: KOMMUNE,
  },
  'plo/1_6/utskrivningsrapport_1.6_mottak/Utskrivningsrapport_v1-6_Endring.xml': {
    msgType: 'UTSKRIVNINGSRAPPORT', ...PLO16, status: 'M', conversationRef: true,
    diagnoses: UTSKRIVNING_DX, events: UTSKRIVNING_STAY, patient: ROLAND, sender: ST_OLAV_ORTO, receiver: KOMMUNE,
  },
  'plo/1_6/utskrivningsrapport_1.6_mottak/Utskrivningsrapport_v1-6_Kansellering.xml': {
    msgType: 'UTSKRIVNINGSRAPPORT', ...PLO16, status: 'C', conversationRef: true,
    patient: ROLAND, sender: ST_OLAV_ORTO, receiver: KOMMUNE,
  },
  'plo/1_6/utskrivningsrapport_1.6_mottak/Utskrivningsrapport_v1-6_Ny.xml': {
    msgType: 'UTSKRIVNINGSRAPPORT', ...PLO16, status: 'N',
    diagnoses: UTSKRIVNING_DX, events: UTSKRIVNING_STAY, patient: ROLAND, sender: ST_OLAV_ORTO, receiver: KOMMUNE,
  },
  // --- Epikrise 1.2 (bare Message) ------------------------------------------------------------------
  'Epikrise/Epikrise_v1-2/epikrise_v1.2_c.xml': {
    msgType: 'EPIKRISE', standard: 'EPIKRISE', version: '1.2', status: 'C', documentId: 'b9270660-4567-11e7-9598-0800200c9a66',
    patient: LINE, ...EPIKRISE_PARTIES,
  },
  'Epikrise/Epikrise_v1-2/epikrise_v1.2_m.xml': {
    msgType: 'EPIKRISE', standard: 'EPIKRISE', version: '1.2', status: 'M', documentId: 'b9270660-4567-11e7-9598-0800200c9a66',
    diagnoses: EPIKRISE_DX, events: EPIKRISE_STAY, patient: LINE, ...EPIKRISE_PARTIES,
  },
  'Epikrise/Epikrise_v1-2/epikrise_v1.2_n.xml': {
    msgType: 'EPIKRISE', standard: 'EPIKRISE', version: '1.2', status: 'N', documentId: 'b9270660-4567-11e7-9598-0800200c9a66',
    diagnoses: EPIKRISE_DX, events: EPIKRISE_STAY, patient: LINE, ...EPIKRISE_PARTIES,
  },
  // --- Henvisning 1.1 (bare Message): sender = Requester, receiver = ServProvider -------------------
  'Henvisning/Henvisning_v1-1/henvisning strukturert_v1.1_n.xml': {
    msgType: 'HENVISNING', standard: 'HENVISNING', version: '1.1', status: 'N', documentId: 'a1d21df0-b080-11e1-afa6-0800200c9a66',
    diagnoses: [['A79', ICPC2, 'HENVISNING', 'true']], patient: FINN,
    sender: ['56704'], senderPerson: '258521', receiver: ST_OLAV_ORTO,
  },
  'Henvisning/Henvisning_v1-1/henvisning_v1.1_c.xml': {
    msgType: 'HENVISNING', standard: 'HENVISNING', version: '1.1', status: 'C', documentId: 'd57160a8-7697-4724-b0e2-7807037fea47',
    patient: LINE, sender: ['56704'], senderPerson: '258521', receiver: ST_OLAV_ORTO,
  },
  'Henvisning/Henvisning_v1-1/henvisning_v1.1_m.xml': {
    msgType: 'HENVISNING', standard: 'HENVISNING', version: '1.1', status: 'M', documentId: 'd57160a8-7697-4724-b0e2-7807037fea47',
    diagnoses: [['L88', ICPC2, 'HENVISNING', 'true']], patient: LINE, sender: ['56704'], senderPerson: '258521', receiver: ST_OLAV_ORTO,
  },
  'Henvisning/Henvisning_v1-1/henvisning_v1.1_n.xml': {
    msgType: 'HENVISNING', standard: 'HENVISNING', version: '1.1', status: 'N', documentId: 'd57160a8-7697-4724-b0e2-7807037fea47',
    diagnoses: [['L88', ICPC2, 'HENVISNING', 'true']], patient: LINE, sender: ['56704'], senderPerson: '258521', receiver: ST_OLAV_ORTO,
  },
  // --- Henvisning 2.0 (MsgHead) ------------------------------------------------------------------------
  'Henvisning/Henvisning_v2-0/Henvisning_ny_tilstand_v2-0_Endring.xml': {
    msgType: 'HENVISNING_NYTILSTAND', ...H20, status: 'M', documentId: 'cf4efb50-3198-11e8-b566-0800200c9a66',
    diagnoses: [['L88', ICPC2, 'HENVISNING', 'true']], patient: LINE, sender: ['91096'], senderPerson: '91100', receiver: ST_OLAV_ORTO,
  },
  'Henvisning/Henvisning_v2-0/Henvisning_ny_tilstand_v2-0_Kansellering.xml': {
    msgType: 'HENVISNING_NYTILSTAND', ...H20, status: 'C', documentId: 'cf4efb50-3198-11e8-b566-0800200c9a66',
    patient: LINE, sender: ['91096'], senderPerson: '91100', receiver: ST_OLAV_ORTO,
  },
  'Henvisning/Henvisning_v2-0/Henvisning_ny_tilstand_v2-0_Ny.xml': {
    msgType: 'HENVISNING_NYTILSTAND', ...H20, conversationRef: false, status: 'N', documentId: 'cf4efb50-3198-11e8-b566-0800200c9a66',
    diagnoses: [['L88', ICPC2, 'HENVISNING', 'true']], patient: LINE, sender: ['91096'], senderPerson: '91100', receiver: ST_OLAV_ORTO,
  },
  'Henvisning/Henvisning_v2-0/Henvisning_ny_tilstand_v2-0_Test_mange_elementer.xml': {
    msgType: 'HENVISNING_NYTILSTAND', ...H20, conversationRef: false, status: 'N', documentId: 'cf4efb50-3198-11e8-b566-0800200c9a66',
    diagnoses: [['L88', ICPC2, 'HENVISNING', 'true']], patient: LINE, sender: ['91096'], senderPerson: '91100', receiver: ST_OLAV_ORTO,
  },
  'Henvisning/Henvisning_v2-0/Henvisning_ny_tilstand_v2-0_Uten_rettighetsvurdering_Endring.xml': {
    msgType: 'HENVISNING_NYTILSTAND', ...H20, status: 'M', documentId: '47f22b00-1f18-11e9-b56e-0800200c9a66',
    diagnoses: [['K053', ICD10, 'HENVISNING', 'true'], ['K011', ICD10, 'HENVISNING', 'false']],
    patient: FINN, sender: ['127731', '999998'], receiver: ['111557', '999999'],
  },
  'Henvisning/Henvisning_v2-0/Henvisning_ny_tilstand_v2-0_Uten_rettighetsvurdering_Kansellering.xml': {
    msgType: 'HENVISNING_NYTILSTAND', ...H20, status: 'C', documentId: '47f22b00-1f18-11e9-b56e-0800200c9a66',
    patient: FINN, sender: ['127731', '999998'], receiver: ['111557', '999999'],
  },
  'Henvisning/Henvisning_v2-0/Henvisning_ny_tilstand_v2-0_Uten_rettighetsvurdering_Ny.xml': {
    msgType: 'HENVISNING_NYTILSTAND', ...H20, conversationRef: false, status: 'N', documentId: '47f22b00-1f18-11e9-b56e-0800200c9a66',
    diagnoses: [['K053', ICD10, 'HENVISNING', 'true'], ['K011', ICD10, 'HENVISNING', 'false']],
    patient: FINN, sender: ['127731', '999998'], receiver: ['111557', '999999'],
  },
  'Henvisning/Henvisning_v2-0/Viderehenvisning_v2-0_Rettighetsvurdert_etter_ventetid_pakkeforlop_Endring.xml': {
    msgType: 'HENVISNING_VIDERE', ...H20, status: 'M', documentId: 'b0005cb0-422f-11e8-b566-0800200c9a66',
    diagnoses: [['C61', ATC, 'HENVISNING', 'true', { mismatch: true }]],
    patient: FINN, sender: ['39', '99998'], receiver: ['59', '93220'],
    attachments: [['application/pdf', 'Opprinnelig henvisning', 66545]],
  },
  'Henvisning/Henvisning_v2-0/Viderehenvisning_v2-0_Rettighetsvurdert_etter_ventetid_pakkeforlop_Kansellering.xml': {
    msgType: 'HENVISNING_VIDERE', ...H20, status: 'C', documentId: 'b0005cb0-422f-11e8-b566-0800200c9a66',
    patient: FINN, sender: ['39', '99998'], receiver: ['59', '93220'],
  },
  'Henvisning/Henvisning_v2-0/Viderehenvisning_v2-0_Rettighetsvurdert_etter_ventetid_pakkeforlop_Ny.xml': {
    msgType: 'HENVISNING_VIDERE', ...H20, status: 'N', documentId: 'b0005cb0-422f-11e8-b566-0800200c9a66',
    diagnoses: [['C61', ATC, 'HENVISNING', 'true', { mismatch: true }]],
    patient: FINN, sender: ['39', '99998'], receiver: ['59', '93220'],
    attachments: [['application/pdf', 'Opprinnelig henvisning', 66545]],
  },
  'Henvisning/Henvisning_v2-0/Viderehenvisning_v2-0_Uten_rettighetsvurdering_Endring.xml': {
    msgType: 'HENVISNING_VIDERE', ...H20, status: 'M', documentId: '90ca4af0-1fe1-11e9-b56e-0800200c9a66',
    patient: FINN, sender: ['111557', '999999'], receiver: ['90240', '999997'],
    attachments: [['application/pdf', 'Opprinnelig henvisning', 40549]],
  },
  'Henvisning/Henvisning_v2-0/Viderehenvisning_v2-0_Uten_rettighetsvurdering_Kansellering.xml': {
    msgType: 'HENVISNING_VIDERE', ...H20, status: 'C', documentId: '90ca4af0-1fe1-11e9-b56e-0800200c9a66',
    patient: FINN, sender: ['111557', '999999'], receiver: ['90240', '999997'],
  },
  'Henvisning/Henvisning_v2-0/Viderehenvisning_v2-0_Uten_rettighetsvurdering_Ny.xml': {
    msgType: 'HENVISNING_VIDERE', ...H20, status: 'N', documentId: '90ca4af0-1fe1-11e9-b56e-0800200c9a66',
    patient: FINN, sender: ['111557', '999999'], receiver: ['90240', '999997'],
    attachments: [['application/pdf', 'Opprinnelig henvisning', 40549]],
  },
  // --- Dialogmelding 1.1 -------------------------------------------------------------------------------
  'Dialogmelding/Dialogmelding-v1-1/Helsefaglig dialog.xml': {
    msgType: 'DIALOG_HELSEFAGLIG', standard: 'DIALOGMELDING', version: '1.1', status: null, conversationRef: true,
    patient: LINE, sender: ['56704'], senderPerson: '258521', receiver: ST_OLAV_ORTO,
    attachments: [['application/pdf', 'EKG-2017-06-12', 1499321]],
  },
  'Dialogmelding/Dialogmelding-v1-1/Helsefaglig dialog_angi profesjon hos mottaker.xml': {
    msgType: 'DIALOG_HELSEFAGLIG', standard: 'DIALOGMELDING', version: '1.1', status: null,
    patient: LINE, sender: ['56704'], senderPerson: '258521', receiver: ST_OLAV_ORTO,
  },
  'Dialogmelding/Dialogmelding-v1-1/Status_paa_henvisning-InnkaltEtterViderehenvisning.xml': {
    msgType: 'DIALOG_STATUS_HENVISNING', standard: 'DIALOGMELDING', version: '1.1', status: null, conversationRef: true,
    patient: LINE, sender: ST_OLAV_ORTO, receiver: ['62', '8605'], copies: [['COP', ['56704']]],
  },
};

function listXml(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return listXml(p);
    return e.name.endsWith('.xml') ? [path.relative(CORPUS, p).split(path.sep).join('/')] : [];
  });
}

function herChain(levels: ParsedMessage['sender']['organisation']): Array<string | undefined> {
  return levels.map((l) => l.herId);
}

(corpusPresent ? describe : describe.skip)('corpus conformance (../shared/corpus)', () => {
  const files = corpusPresent ? FOLDERS.flatMap((f) => listXml(path.join(CORPUS, f))) : [];

  it('has an explicit expectation for every example file (new files must be added here)', () => {
    expect(files.sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(Object.entries(EXPECTED))('%s', (file, exp) => {
    const m = parseMessage(fs.readFileSync(path.join(CORPUS, file)));

    expect({ msgType: m.msgType, standard: m.standard, version: m.standardVersion, status: m.status }).toEqual({
      msgType: exp.msgType,
      standard: exp.standard,
      version: exp.version,
      status: exp.status,
    });
    expect(m.explicitDocumentId).toBe(exp.documentId);
    expect(m.conversationRef !== undefined).toBe(exp.conversationRef ?? false);
    expect(m.envelope).toBe(exp.standard === 'PLO' || exp.version === '2.0' || exp.standard === 'DIALOGMELDING' ? 'MsgHead' : 'Message');

    expect(m.services.map((s) => [s.iplosCode, s.startDate, s.amount])).toEqual(exp.services ?? []);
    expect(m.serviceNeeds).toHaveLength(exp.needs ?? 0);
    expect(
      m.diagnoses.map((d): Dx => {
        const extra: NonNullable<Dx[4]> = {};
        if (d.startDate !== undefined) extra.start = d.startDate;
        if (d.endDate !== undefined) extra.end = d.endDate;
        if (d.modifierOf !== undefined) extra.modifierOf = d.modifierOf;
        if (d.codeSystemMismatch) extra.mismatch = true;
        if (d.text !== undefined) extra.text = d.text;
        return Object.keys(extra).length > 0
          ? [d.code ?? '', d.codeSystemOid ?? '', d.context, d.isMain, extra]
          : [d.code ?? '', d.codeSystemOid ?? '', d.context, d.isMain];
      }),
    ).toEqual(exp.diagnoses ?? []);
    for (const d of m.diagnoses) expect(d.normalizedCode).toBe(d.code?.toUpperCase().replace(/[.\s]/g, ''));

    expect(
      m.patientEvents.map((e): Ev => {
        const extra: NonNullable<Ev[3]> = {};
        if (e.estimated !== undefined) extra.estimated = e.estimated;
        if (e.dischargedTo !== undefined) extra.to = e.dischargedTo;
        if (e.dischargeCondition !== undefined) extra.condition = e.dischargeCondition;
        return Object.keys(extra).length > 0 ? [e.kind, e.eventCode, e.time, extra] : [e.kind, e.eventCode, e.time];
      }),
    ).toEqual(exp.events ?? []);

    expect(m.patient?.identifiers.map((i) => [i.type, i.value])).toEqual(exp.patient);
    for (const id of m.patient?.identifiers ?? []) expect({ checksumValid: id.checksumValid, valid: id.valid }).toEqual({ checksumValid: true, valid: true });

    expect(herChain(m.sender.organisation)).toEqual(exp.sender);
    expect(m.sender.healthcareProfessional?.herId).toBe(exp.senderPerson);
    expect(herChain(m.receiver.organisation)).toEqual(exp.receiver);
    expect(m.receiver.healthcareProfessional?.herId).toBe(exp.receiverPerson);
    expect(m.receiver.role).toBe('PRIMARY');
    expect(m.otherReceivers.map((p) => [p.role, p.organisation.map((o) => o.herId)])).toEqual(exp.copies ?? []);
    expect(m.attachments.map((a) => [a.mimeType, a.description, a.sizeBytes])).toEqual(exp.attachments ?? []);

    // The corpus is clean UTF-8 with checksum-valid test persons: nothing to warn about.
    expect(m.warnings).toEqual([]);
    expect(m.encoding).toBe('utf-8');
  });

  it(`reads the AppRec 1.0 example (${APPREC_FILE})`, () => {
    const m = parseMessage(fs.readFileSync(path.join(CORPUS, APPREC_FILE)));
    expect(m).toMatchObject({
      envelope: 'AppRec',
      standard: 'APPREC',
      standardVersion: '1.0',
      msgType: 'APPREC',
      msgId: 'fe6225205b3d3049e5f600a44a34ca77',
      genDate: '2009-09-10T11:31:54.148+02:00',
      status: null,
    });
    expect(m.appRec).toMatchObject({ status: '3', originalMsgId: '1b08b3f5-76c1-4560-ae4e-90e04cb0bc70', originalMsgType: 'PROM' });
    expect(m.appRec?.errors.map((e) => [e.code, e.detail])).toEqual([
      ['53', '3'],
      ['1239', '2'],
      ['531', '2'],
      ['53', '4'],
      ['531', '1'],
    ]);
    expect(m.sender.organisation).toEqual([
      { name: 'ARBEIDS- OG VELFERDSETATEN', orgNumber: '889640782', identifiers: [{ type: 'ENH', id: '889640782' }] },
      { name: 'Kontrollsystem' },
    ]);
    expect(m.receiver.organisation).toEqual([]); // <Inst/> is empty, so absent
    expect(m.warnings).toEqual(['AppRec/Id is not a UUID']);
  });
});
