/**
 * The hub's normalised view of one received e-melding, independent of standard and version.
 *
 * Produced by `parseMessage()` from the raw bytes; consumed by intake (routing, AppRec) and by
 * the normalizer (domain events). Field names are English; code values keep the standards' own
 * codes (IPLOS 9151, 7309 Forsendelsesstatus, 9121 Hendelsekode, ...). Every date keeps its
 * lexical form as sent (see domain guide §7.10-12): a date-only value is a local calendar date.
 */

/** Code list 7309 ("Tjenestetype", used as Forsendelsesstatus / ServType). */
export type DocumentStatus = 'N' | 'M' | 'C' | 'A' | 'H';

export type Envelope = 'MsgHead' | 'Message' | 'AppRec';

export type Standard = 'PLO' | 'EPIKRISE' | 'HENVISNING' | 'DIALOGMELDING' | 'APPREC' | 'OTHER';

/** One level of an organisation tree: the legal entity, then nested services (tjenester). */
export interface OrganisationLevel {
  name?: string;
  /** The level's first HER-id, canonical (`normalizeHerId`: no digit grouping, no leading zeros). */
  herId?: string;
  /** Organisasjonsnummer (Ident TypeId ENH). */
  orgNumber?: string;
  /**
   * Every identifier sent for this level, HER and ENH included (RSH, LAV, AVD, …), in document order.
   * An AppRec must mirror all of them (guide §4.1).
   */
  identifiers?: PartyIdentifier[];
}

/** One Ident (MsgHead) or Id + TypeId / AdditionalId (bare messages, AppRec). */
export interface PartyIdentifier {
  /** TypeId/@V (9051 / 8116 / 8268), trimmed and upper-cased, e.g. HER, ENH, HPR, RSH. */
  type: string;
  /** As sent, except a HER-id, which is canonical (`normalizeHerId`). */
  id: string;
}

export interface HealthcareProfessionalRef {
  name?: string;
  herId?: string;
  hprNumber?: string;
  /** Every identifier sent for the person, in document order. */
  identifiers?: PartyIdentifier[];
}

/** A communication party (Sender, Receiver, OtherReceiver, or a bare message's Inst/Dept). */
export interface Party {
  /** Outermost (legal entity) first, innermost (service) last. */
  organisation: OrganisationLevel[];
  healthcareProfessional?: HealthcareProfessionalRef;
  /**
   * Further persons of a 1.x Inst (HCPerson is 0..*; an HCPerson beside an HCProf): not mirrored,
   * but their HER-ids count as the party's (`partyHerIds`).
   */
  otherProfessionals?: HealthcareProfessionalRef[];
  /** Role code: for OtherReceiver code list 8112 (e.g. COP); 'PRIMARY' for Receiver. */
  role?: string;
}

/** Code list 8116 identifier types; other values are kept as sent. */
export type PatientIdentifierType = 'FNR' | 'DNR' | 'HNR' | 'FHN' | string;

export interface PatientIdentifier {
  type: PatientIdentifierType;
  value: string;
  /** Result of the HIS 1001 mod-11 check for FNR/DNR/HNR/FHN; undefined for other types. */
  checksumValid?: boolean;
  /**
   * Checksum, calendar date and declared type all fit (FNR/DNR/HNR/FHN only). A DNR can pass the
   * checksum and still be invalid (no real date).
   */
  valid?: boolean;
  /** A synthetic test number (month +80 Tenor, +40 NAV on FNR/DNR); never route to production projections. */
  synthetic?: boolean;
}

export interface PatientInfo {
  identifiers: PatientIdentifier[];
  familyName?: string;
  givenName?: string;
  middleName?: string;
  /** xs:date as sent. */
  dateOfBirth?: string;
  /** Code list 3101. */
  sex?: string;
}

/** EksisterendeTjeneste: a municipal service the patient receives. */
export interface ServiceFact {
  /** IPLOS tjenestetype code (code list 9151), e.g. "15". */
  iplosCode?: string;
  /** IPLOS text as sent (@DN); display only, never mapped on. */
  iplosText?: string;
  /** BetegnelseTjeneste. */
  description?: string;
  /** PrivatTjeneste. */
  privateService?: boolean;
  /** TjenestenLevertAv. */
  providedBy?: string;
  /** AntallEnheter, an xs:decimal kept as a normalised decimal string ("0.5"). */
  amount?: string;
  /** Enhet, free text. */
  unit?: string;
  startDate?: string;
  endDate?: string;
  note?: string;
}

/** TjenesteBehov: a service the patient needs or applied for (not granted). */
export interface ServiceNeedFact {
  iplosCode?: string;
  iplosText?: string;
  description?: string;
  atInstitution?: string;
  /** AntallEnheterOnsket (xs:double) as sent. */
  amountRequested?: string;
  unit?: string;
}

export type DiagnosisContext =
  /** PLO MedisinskDiagnose (undated; reported at message GenDate). */
  | 'PLO'
  /** PLO TidsperiodeDiagnose (dated). */
  | 'PLO_DATED'
  /** PLO TidligereSykdomFragment (history / chronic). */
  | 'PLO_HISTORY'
  /** Epikrise InfItem H / B. */
  | 'EPIKRISE'
  /** Henvisning Diagnosis (referral reason). */
  | 'HENVISNING'
  /** Epikrise ServReq/Diagnosis (the linked referral's diagnosis). */
  | 'HENVISNINGSDIAGNOSE';

export interface DiagnosisFact {
  /** Code-list OID as sent in @S, e.g. 2.16.578.1.12.4.1.1.7110 (ICD-10). */
  codeSystemOid?: string;
  /** Code as sent. */
  code?: string;
  /** Upper-cased, dots and spaces removed (I50.9 -> I509). */
  normalizedCode?: string;
  display?: string;
  /** Free text / laterality (DiagnoseBeskrivelse, TidligereSykdom). */
  text?: string;
  /** Tri-state: never inferred silently (domain guide §7.16). */
  isMain: 'true' | 'false' | 'unknown';
  startDate?: string;
  endDate?: string;
  context: DiagnosisContext;
  /** Set when the code's format does not fit the claimed code system (e.g. K77 sent as ICD-10). */
  codeSystemMismatch?: boolean;
  /**
   * Set on an ICD-10 asterisk/supplementary code sent as CodedDescr/Modifier (Name S) or Diagnosis/Modifier:
   * the normalised code of the diagnosis it qualifies. Such a fact is never a main diagnosis.
   */
  modifierOf?: string;
}

export type PatientEventKind =
  | 'ADMITTED'
  | 'DISCHARGED'
  | 'DISCHARGE_READY'
  | 'DISCHARGE_READY_CANCELLED'
  | 'DEATH'
  | 'OTHER';

/** TidsfestetHendelse (code list 9121) or an epikrise stay boundary. */
export interface PatientEventFact {
  kind: PatientEventKind;
  /** Hendelsekode 9121 as sent ("1", "2", "3", "4", "13"), when coded. */
  eventCode?: string;
  description?: string;
  /** Lexical time as sent (date or dateTime). */
  time?: string;
  estimated?: boolean;
  /** UtTil code (8408). */
  dischargedTo?: string;
  /** Uttilstand code (8431). */
  dischargeCondition?: string;
}

export interface AppRecInfo {
  /** Code list 8258: 1 OK, 2 Avvist, 3 OK feil i delmelding. */
  status: string;
  originalMsgId: string;
  originalMsgType?: string;
  errors: Array<{ code: string; text?: string; detail?: string }>;
}

export interface Attachment {
  mimeType?: string;
  description?: string;
  /** Decoded size in bytes (the base64 itself stays in the raw bytes only). */
  sizeBytes?: number;
}

export interface ParsedMessage {
  envelope: Envelope;
  standard: Standard;
  /** Version of the business standard, from the payload namespace, e.g. "1.6", "1.2", "2.0". */
  standardVersion: string;
  /** Namespace URI of the payload root (or of the bare Message / AppRec root). */
  payloadNamespace: string;
  payloadRoot: string;
  /** Message id (MsgHead MsgInfo/MsgId, Message/MsgId, AppRec/Id). */
  msgId: string;
  /** Code list 8279 (MsgInfo/Type or Message/Type, with E -> EPIKRISE and H -> HENVISNING). */
  msgType: string;
  /** GenDate lexical value as sent. */
  genDate: string;
  /** MsgHead ProcessingStatus (8113: P, D, T) or bare Message Status (8323). */
  processingStatus?: string;
  /** Forsendelsesstatus / ServType; null for standards without one (Dialogmelding, AppRec). */
  status: DocumentStatus | null;
  conversationRef?: { refToParent?: string; refToConversation?: string };
  /** The standard's own document key when it has one (ServProvId, ServReq/Id, Henvisning/DocumentId). */
  explicitDocumentId?: string;
  sender: Party;
  receiver: Party;
  otherReceivers: Party[];
  patient?: PatientInfo;
  services: ServiceFact[];
  serviceNeeds: ServiceNeedFact[];
  diagnoses: DiagnosisFact[];
  patientEvents: PatientEventFact[];
  appRec?: AppRecInfo;
  attachments: Attachment[];
  /** Non-fatal findings (checksum failures, comma decimals, unknown codes); contain no health data. */
  warnings: string[];
  /** Character encoding the bytes were decoded with (utf-8, iso-8859-1, windows-1252, utf-16le/be). */
  encoding?: string;
}
