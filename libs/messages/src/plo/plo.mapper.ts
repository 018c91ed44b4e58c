import { diagnosisFromCode } from '../diagnoses/diagnosis.util';
import { MappingContext, PayloadFacts, readDocumentStatus, schemaViolation } from '../mapping-context.util';
import { DiagnosisFact, PatientEventFact, PatientEventKind, ServiceFact, ServiceNeedFact } from '../model/parsed-message.model';
import { lookup, normalizeDecimal, normalizeDouble, parseBoolean } from '../values/value-normalization.util';
import { XmlElement } from '../xml/xml-element.model';
import { attr, child, childText, childV, children, coded, timeValue } from '../xml/xml-navigation.util';

/** Which PLO version a payload is, and the namespaces its parts live in (guide §2.1 "Namespace layout"). */
export interface PloPayloadInfo {
  version: '1.5' | '1.6' | '2.0';
  /** The message namespace (root and Pasientlogistikk subtype elements). */
  messageNs: string;
  /** The poKomponent namespace of the same version (children of the root). */
  poNs: string;
}

/**
 * MsgInfo/Type (8279) → payload root local names it may carry. The same root name means different
 * messages in different versions, but the pairing with Type is stable (guide §2.1, §7.3). PLO 2.0
 * types are from the draft display file and not in code list 8279 (guide §2.4).
 */
export const PLO_TYPE_ROOTS: Readonly<Record<string, readonly string[]>> = {
  ORIENTERING_TJENESTETILBUD: ['OrienteringOmTjenestetilbud'],
  INNLEGGELSESRAPPORT: ['Innleggelsesrapport'],
  UTSKRIVNINGSRAPPORT: ['TverrfagligEpikrise'],
  TVERRFAGLIG_EPIKRISE: ['TverrfagligEpikrise'],
  HELSEOPPLYSNINGER_LEGE: ['Konsultasjon'],
  KONSULTASJON: ['Konsultasjon'],
  MEDISINSKE_OPPLYSNINGER: ['OverforingMedisinskeOpplysninger'],
  HELSEOPPL_SOKNAD: ['HelseopplysningerVedSoknad', 'HelseopplysningerSaksbehandling'],
  FRAVARSMELDING: ['MeldingFravar'],
  SAMMENFATNING: ['Sammenfatning'],
  LOG_INNLAGT: ['Pasientlogistikk'],
  LOG_UTSKRIVNINGSKLAR: ['Pasientlogistikk'],
  LOG_AVMELDING: ['Pasientlogistikk'],
  LOG_UTSKREVET: ['Pasientlogistikk'],
  LOG_DOD: ['Pasientlogistikk'],
  LOG_TILBAKEMELDING: ['Pasientlogistikk'],
};

/** Pasientlogistikk: exactly one subtype child, chosen by MsgInfo/Type (guide §2.3). */
const LOGISTICS_SUBTYPE: Readonly<Record<string, string>> = {
  LOG_INNLAGT: 'MeldingInnlagtPasient',
  LOG_UTSKRIVNINGSKLAR: 'MeldingUtskrivningsklarPasient',
  LOG_AVMELDING: 'AvmeldingUtskrivningsklarPasient',
  LOG_UTSKREVET: 'MeldingOmUtskrevetPasient',
  LOG_DOD: 'OrienteringOmDod',
  LOG_TILBAKEMELDING: 'TilbakemeldingUtskrivningsklarPasient',
};
const LOGISTICS_SUBTYPES: ReadonlySet<string> = new Set(Object.values(LOGISTICS_SUBTYPE));

/**
 * Subtypes that carry exactly one TidsfestetHendelse of a known meaning (XSD), so an uncoded event there
 * still has a kind. "LOG_DOD → DEATH even if uncoded." Multi-event subtypes get no default.
 */
const SUBTYPE_DEFAULT_KIND: Readonly<Record<string, PatientEventKind>> = {
  MeldingInnlagtPasient: 'ADMITTED',
  MeldingOmUtskrevetPasient: 'DISCHARGED',
  OrienteringOmDod: 'DEATH',
};

/** Code list 9121 Hendelsekode → event kind. */
const EVENT_KIND: Readonly<Record<string, PatientEventKind>> = {
  '1': 'ADMITTED',
  '2': 'DISCHARGED',
  '3': 'DISCHARGE_READY',
  '4': 'DISCHARGE_READY_CANCELLED',
  '13': 'DEATH',
};

/**
 * MsgInfo/Type and the PLO payload root must agree (guide §7.28); a mismatch usually means a wrong
 * version mapping at the sender and is routed to dead-letter with both values.
 */
export function checkPloTypeAgreement(msgType: string, root: XmlElement): void {
  const allowed = lookup(PLO_TYPE_ROOTS, msgType);
  if (allowed === undefined || !allowed.includes(root.name)) {
    schemaViolation(`MsgInfo/Type '${clip(msgType)}' does not match the PLO payload root '${root.name}'`);
  }
}

/** True when MsgInfo/Type names a PLO message (so a non-PLO payload is a mismatch). */
export function isPloMsgType(msgType: string): boolean {
  return lookup(PLO_TYPE_ROOTS, msgType) !== undefined;
}

function clip(v: string): string {
  return v.length > 60 ? `${v.slice(0, 60)}…` : v;
}

/**
 * Maps a PLO 1.5 / 1.6 / 2.0 payload (guide §2.2-2.4). C messages are mapped exactly like N and M: the
 * projector, not the parser, decides to retract instead of project (guide §3.1).
 */
export function mapPlo(root: XmlElement, info: PloPayloadInfo, msgType: string, ctx: MappingContext): PayloadFacts {
  checkPloTypeAgreement(msgType, root);
  const po = info.poNs;

  // 1.x: InformasjonOmForsendelsen directly under the root; 2.0: inside FellesAdministrativeOpplysninger.
  const forsendelse =
    child(root, po, 'InformasjonOmForsendelsen') ?? child(child(root, po, 'FellesAdministrativeOpplysninger'), po, 'InformasjonOmForsendelsen');
  const status = readDocumentStatus(childV(forsendelse, po, 'Forsendelsesstatus'), 'InformasjonOmForsendelsen/Forsendelsesstatus', ctx);
  // Read only for its warning; readDocumentStatus has already refused a message without InformasjonOmForsendelsen.
  parseBoolean(childText(forsendelse, po, 'SvarPaaForesporsel'), 'InformasjonOmForsendelsen/SvarPaaForesporsel', ctx.warn);

  const facts: PayloadFacts = { status, services: [], serviceNeeds: [], diagnoses: [], patientEvents: [] };
  let serviceIndex = 0;
  let needIndex = 0;
  // One pass over the root's children; every PLO block we map is a direct child of the root.
  for (const el of root.children) {
    if (el.ns === po) {
      switch (el.name) {
        case 'EksisterendeTjeneste': {
          const service = readService(el, po, `EksisterendeTjeneste[${++serviceIndex}]`, ctx);
          if (service !== undefined) facts.services.push(service);
          break;
        }
        case 'TjenesteBehov': {
          const need = readServiceNeed(el, po, `TjenesteBehov[${++needIndex}]`, ctx);
          if (need !== undefined) facts.serviceNeeds.push(need);
          break;
        }
        case 'InfoMedisinskDiagnose':
          for (const d of children(el, po, 'MedisinskDiagnose')) pushDefined(facts.diagnoses, readMedisinskDiagnose(d, po, 'PLO', ctx));
          break;
        case 'InfoIPLOSrelevantInformasjon':
          for (const period of children(el, po, 'TidsperiodeDiagnose')) pushDefined(facts.diagnoses, readTidsperiodeDiagnose(period, po, ctx));
          for (const event of children(el, po, 'TidsfestetHendelse')) facts.patientEvents.push(readEvent(event, po, undefined, ctx));
          break;
        case 'MedisinskfagligeOpplysninger':
          for (const history of children(el, po, 'InfoTidligereSykdommer')) {
            for (const fragment of children(history, po, 'TidligereSykdomFragment')) pushDefined(facts.diagnoses, readTidligereSykdom(fragment, po));
          }
          break;
        case 'OpplysningOpphold':
          for (const event of children(el, po, 'TidsfestetHendelse')) facts.patientEvents.push(readEvent(event, po, undefined, ctx));
          break;
        default:
          break;
      }
    } else if (el.ns === info.messageNs && LOGISTICS_SUBTYPES.has(el.name)) {
      checkLogisticsSubtype(msgType, el.name);
      facts.patientEvents.push(...readLogisticsSubtype(el, po, ctx));
    }
  }
  if (root.name === 'Pasientlogistikk' && !root.children.some((c) => c.ns === info.messageNs && LOGISTICS_SUBTYPES.has(c.name))) {
    schemaViolation(`Pasientlogistikk has no subtype element for MsgInfo/Type '${clip(msgType)}'`);
  }
  return facts;
}

function pushDefined<T>(target: T[], value: T | undefined): void {
  if (value !== undefined) target.push(value);
}

function checkLogisticsSubtype(msgType: string, subtype: string): void {
  const expected = lookup(LOGISTICS_SUBTYPE, msgType);
  if (expected !== subtype) {
    schemaViolation(`MsgInfo/Type '${clip(msgType)}' does not match the Pasientlogistikk element '${subtype}'`);
  }
}

function readService(el: XmlElement, po: string, where: string, ctx: MappingContext): ServiceFact | undefined {
  const iplos = coded(child(el, po, 'IPLOStjenestetype'));
  const service: ServiceFact = {};
  if (iplos?.v !== undefined) service.iplosCode = iplos.v;
  if (iplos?.dn !== undefined) service.iplosText = iplos.dn;
  set(service, 'description', childText(el, po, 'BetegnelseTjeneste'));
  set(service, 'privateService', parseBoolean(childText(el, po, 'PrivatTjeneste'), `${where}/PrivatTjeneste`, ctx.warn));
  set(service, 'providedBy', childText(el, po, 'TjenestenLevertAv'));
  set(service, 'amount', normalizeDecimal(childText(el, po, 'AntallEnheter'), `${where}/AntallEnheter`, ctx.warn));
  set(service, 'unit', childText(el, po, 'Enhet'));
  set(service, 'startDate', childText(el, po, 'Startdato'));
  set(service, 'endDate', childText(el, po, 'Sluttdato'));
  set(service, 'note', childText(el, po, 'Merknad'));
  if (Object.keys(service).length === 0) {
    ctx.warn(`${where} is empty, ignored`);
    return undefined;
  }
  if (service.iplosCode === undefined && service.description === undefined) {
    ctx.warn(`${where} has neither IPLOStjenestetype nor BetegnelseTjeneste`);
  }
  return service;
}

function readServiceNeed(el: XmlElement, po: string, where: string, ctx: MappingContext): ServiceNeedFact | undefined {
  const iplos = coded(child(el, po, 'IPLOStjenestetype'));
  const need: ServiceNeedFact = {};
  if (iplos?.v !== undefined) need.iplosCode = iplos.v;
  if (iplos?.dn !== undefined) need.iplosText = iplos.dn;
  set(need, 'description', childText(el, po, 'BetegnelseTjeneste') ?? childText(el, po, 'BeskrivelseAvTjeneste'));
  set(need, 'atInstitution', childText(el, po, 'VedInstitusjon'));
  set(need, 'amountRequested', normalizeDouble(childText(el, po, 'AntallEnheterOnsket'), `${where}/AntallEnheterOnsket`, ctx.warn));
  set(need, 'unit', childText(el, po, 'Enhet'));
  if (Object.keys(need).length === 0) {
    ctx.warn(`${where} is empty, ignored`);
    return undefined;
  }
  return need;
}

function isMainFrom(value: boolean | undefined): DiagnosisFact['isMain'] {
  if (value === undefined) return 'unknown';
  return value ? 'true' : 'false';
}

function readMedisinskDiagnose(
  el: XmlElement,
  po: string,
  context: 'PLO' | 'PLO_DATED',
  ctx: MappingContext,
  dates: { startDate?: string; endDate?: string } = {},
): DiagnosisFact | undefined {
  // Hoveddiagnose is 1..1 in 1.5 but 0..1 later and often false everywhere: keep the tri-state (guide §7.16).
  const isMain = isMainFrom(parseBoolean(childText(el, po, 'Hoveddiagnose'), 'MedisinskDiagnose/Hoveddiagnose', ctx.warn));
  return diagnosisFromCode(coded(child(el, po, 'Diagnosekode')), {
    context,
    isMain,
    text: childText(el, po, 'DiagnoseBeskrivelse'),
    ...dates,
  });
}

function readTidsperiodeDiagnose(el: XmlElement, po: string, ctx: MappingContext): DiagnosisFact | undefined {
  const diagnosis = child(el, po, 'MedisinskDiagnose');
  if (diagnosis === undefined) return undefined;
  return readMedisinskDiagnose(diagnosis, po, 'PLO_DATED', ctx, {
    startDate: childText(el, po, 'StartdatoDiagnose'),
    endDate: childText(el, po, 'SluttdatoDiagnose'),
  });
}

function readTidligereSykdom(el: XmlElement, po: string): DiagnosisFact | undefined {
  return diagnosisFromCode(coded(child(el, po, 'Diagnosekode')), {
    context: 'PLO_HISTORY',
    isMain: 'unknown',
    text: childText(el, po, 'TidligereSykdom'),
  });
}

function readEvent(el: XmlElement, po: string, defaultKind: PatientEventKind | undefined, ctx: MappingContext): PatientEventFact {
  const code = childV(el, po, 'Hendelsekode');
  // The kind comes from the code (or the subtype), never from BeskrivelseAvHendelse text.
  const kind = (code !== undefined ? lookup(EVENT_KIND, code) : undefined) ?? (code === undefined ? defaultKind : undefined) ?? 'OTHER';
  const event: PatientEventFact = { kind };
  if (code !== undefined) event.eventCode = code;
  set(event, 'description', childText(el, po, 'BeskrivelseAvHendelse'));
  // 1.x: kith:TS with the value in @V; 2.0: xs:dateTime as text (guide §2.2).
  set(event, 'time', timeValue(child(el, po, 'TidspunktForHendelse')));
  set(event, 'estimated', parseBoolean(childText(el, po, 'Anslag'), 'TidsfestetHendelse/Anslag', ctx.warn));
  return event;
}

function readLogisticsSubtype(el: XmlElement, po: string, ctx: MappingContext): PatientEventFact[] {
  const events = children(el, po, 'TidsfestetHendelse').map((e) => readEvent(e, po, lookup(SUBTYPE_DEFAULT_KIND, el.name), ctx));
  const dischargedTo = child(el, po, 'UtskrevetTil');
  if (dischargedTo !== undefined) {
    let discharge = events.find((e) => e.kind === 'DISCHARGED');
    if (discharge === undefined) {
      discharge = { kind: 'DISCHARGED' };
      events.push(discharge);
    }
    set(discharge, 'dischargedTo', attr(child(dischargedTo, po, 'UtTil'), 'V'));
    set(discharge, 'dischargeCondition', attr(child(dischargedTo, po, 'Uttilstand'), 'V'));
  }
  return events;
}

function set<T extends object, K extends keyof T>(target: T, key: K, value: T[K] | undefined): void {
  if (value !== undefined) target[key] = value;
}
