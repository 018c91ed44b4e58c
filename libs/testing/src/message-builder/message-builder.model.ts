import type { Party } from '@hub/messages';
import type { MessageKind, MessageVersion } from './message-builder.constant';

/** Forsendelsesstatus / ServType (code list 7309) the builder writes. */
export type BuilderStatus = 'N' | 'M' | 'C';

export interface PatientSpec {
  familyName: string;
  givenName: string;
  middleName?: string;
  /** xs:date. */
  birthDate: string;
  /** Code list 3101: 1 Mann, 2 Kvinne. */
  sex?: '1' | '2';
  fnr?: string;
  dnr?: string;
  hnr?: string;
  /** Felles hjelpenummer. */
  fhn?: string;
  address?: { street: string; postalCode: string; city: string; kommunenummer?: string };
  phone?: string;
}

export interface ServiceSpec {
  /** IPLOS code (9151); text defaults from the code list. */
  iplosCode?: string;
  iplosText?: string;
  /** BetegnelseTjeneste; required by PLO 2.0, defaults to the IPLOS text there. */
  description?: string;
  privateService?: boolean;
  providedBy?: string;
  /** xs:decimal lexical form, e.g. "0.5". */
  amount?: string;
  unit?: string;
  startDate?: string;
  endDate?: string;
  note?: string;
}

export interface ServiceNeedSpec {
  iplosCode?: string;
  iplosText?: string;
  description?: string;
  atInstitution?: string;
  /** xs:double lexical form. */
  amountRequested?: string;
  unit?: string;
}

export interface DiagnosisSpec {
  system: 'ICD10' | 'ICPC2';
  code: string;
  text?: string;
  /** Hoveddiagnose; written only when set, except in PLO 1.5 where it is mandatory (default false). */
  isMain?: boolean;
  /** Free text / laterality (DiagnoseBeskrivelse). */
  description?: string;
  /** Dated diagnoses go to TidsperiodeDiagnose in Medisinske opplysninger. */
  startDate?: string;
  endDate?: string;
}

export interface EventSpec {
  /** Hendelsekode (9121): 1 innlagt, 2 utskrevet, 3 utskrivningsklar, 4 avmelding, 13 død. */
  code: '1' | '2' | '3' | '4' | '13';
  /** Date or dateTime; PLO 2.0 needs a dateTime, so a date gets T00:00:00 there. */
  time: string;
  estimated?: boolean;
  description?: string;
  note?: string;
}

export interface AttachmentSpec {
  /** Decoded size of the generated (pseudo) PDF. */
  bytes: number;
  description?: string;
  mimeType?: string;
}

/**
 * Options for {@link buildMessage}. Everything except `kind` and `version` has a realistic default,
 * so a test states only what it asserts on.
 */
export interface BuildMessageOptions {
  kind: MessageKind;
  version: MessageVersion;
  /** Default N. Ignored for Dialogmelding (it has no status field). */
  status?: BuilderStatus;
  /** Default: a random UUID. */
  msgId?: string;
  /** xs:dateTime without zone, as senders write it. Default: a fixed 2024 timestamp. */
  genDate?: string;
  /** MsgHead ProcessingStatus (8113). */
  processingStatus?: 'P' | 'D' | 'T';
  refToParent?: string;
  /** Defaults to refToParent when only that is given (MsgHead requires both). */
  refToConversation?: string;
  /** The standard's own document key (ServProvId, ServReq/Id, Henvisning/DocumentId). Default: a UUID. */
  documentId?: string;
  /** Organisation levels outermost first; each level needs herId or orgNumber (MsgHead Ident is 1..*). */
  sender?: Party;
  receiver?: Party;
  /** MsgHead OtherReceiver with RoleReceiver COP; bare epikrise CopyDest. */
  copyReceivers?: Party[];
  patient?: PatientSpec;
  services?: ServiceSpec[];
  serviceNeeds?: ServiceNeedSpec[];
  diagnoses?: DiagnosisSpec[];
  events?: EventSpec[];
  /** UtTil (8408) for LOG_UTSKREVET, default "1" (bosted). */
  dischargedTo?: { code: string; text: string };
  /** Free text written where the message has a natural note (AnsvarForRapport/Merknad, Notat, ReasonAsText...). */
  note?: string;
  /** The professional responsible for the report (AnsvarForRapport / RollerRelatertNotat). */
  responsible?: { givenName: string; familyName: string; hprNumber: string; type?: 'SP' | 'LE' | 'HP' | 'FT' | 'TL' };
  /** Default UTF-8. ISO-8859-1 writes Latin-1 bytes and a matching declaration. */
  encoding?: 'UTF-8' | 'ISO-8859-1';
  /** Adds a base64 PDF attachment Document (MsgHead-wrapped messages only). */
  attachment?: AttachmentSpec;
  /** Shorthand for `attachment: { bytes }`. */
  attachmentBytes?: number;
}
