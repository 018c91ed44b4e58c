import type { Party } from '@hub/messages';
import {
  FAMILY_NAMES,
  GIVEN_NAMES,
  GP_OFFICES,
  HOSPITALS,
  ICD10_DIAGNOSES,
  ICPC2_DIAGNOSES,
  IPLOS_SERVICES,
  KOMMUNER,
  KOMMUNE_SERVICES,
  STREETS,
} from './message-builder.constant';
import type { BuildMessageOptions, DiagnosisSpec, EventSpec, PatientSpec, ServiceNeedSpec, ServiceSpec } from './message-builder.model';
import { buildMessage, SUPPORTED_MESSAGES, type SupportedMessage } from './build-message.util';
import { dnr, fnr, hnr } from './identifier.util';

/** A seeded pseudo-random source: `next()` returns a float in [0, 1). */
export interface Rng {
  next(): number;
}

/** mulberry32: tiny, fast and good enough for benchmark data; the same seed gives the same sequence. */
export function createRng(seed: number): Rng {
  let state = seed >>> 0;
  return {
    next(): number {
      state = (state + 0x6d2b79f5) >>> 0;
      let t = state;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    },
  };
}

/** Integer in [min, max]. */
export function randomInt(rng: Rng, min: number, max: number): number {
  return min + Math.floor(rng.next() * (max - min + 1));
}

export function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[Math.floor(rng.next() * items.length)];
}

/** RFC 4122 version-4 UUID from the seeded source (so runs are reproducible). */
export function randomUuid(rng: Rng): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(rng.next() * 16).toString(16));
  hex[12] = '4';
  hex[16] = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
  const s = hex.join('');
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
}

const pad = (n: number) => String(n).padStart(2, '0');

function randomDate(rng: Rng, fromYear: number, toYear: number): string {
  const year = randomInt(rng, fromYear, toYear);
  const month = randomInt(rng, 1, 12);
  const day = randomInt(rng, 1, 28);
  return `${year}-${pad(month)}-${pad(day)}`;
}

const SENTENCES = [
  'Pasienten er orientert om vedtaket og har fått informasjon om klageadgang.',
  'Trenger hjelp til morgenstell og påkledning, klarer selv å spise.',
  'Pårørende ønsker å bli kontaktet før endringer i tjenestetilbudet.',
  'Har hatt økende funksjonssvikt siste måneder, og fall i hjemmet to ganger.',
  'Blodsukker følges opp av hjemmesykepleien to ganger i uken.',
  'Bruker rullator innendørs, rullestol ved lengre avstander.',
  'Ønsker vurdering av behov for korttidsopphold etter utskrivning.',
  'Tåler ikke penicillin (utslett). Øvrige legemidler etter liste.',
];

function prose(rng: Rng, approxChars: number): string {
  const parts: string[] = [];
  let length = 0;
  while (length < approxChars) {
    const sentence = pick(rng, SENTENCES);
    parts.push(sentence);
    length += sentence.length + 1;
  }
  return parts.join(' ');
}

function randomPatient(rng: Rng): PatientSpec {
  const birthDate = randomDate(rng, 1925, 2005);
  const roll = rng.next();
  const kommune = pick(rng, KOMMUNER);
  const base: PatientSpec = {
    familyName: pick(rng, FAMILY_NAMES),
    givenName: pick(rng, GIVEN_NAMES),
    birthDate,
    sex: rng.next() < 0.5 ? '1' : '2',
    address: {
      street: `${pick(rng, STREETS)} ${randomInt(rng, 1, 120)}`,
      postalCode: String(randomInt(rng, 1000, 9990)),
      city: kommune.name.replace(/ kommune$/, ''),
    },
  };
  const individ = randomInt(rng, 0, 499);
  const year = Number(birthDate.slice(0, 4));
  const safeIndivid = year >= 2000 ? 500 + individ : individ;
  // Mostly FNR; a few DNR, HNR and FNR+HNR, as the acceptance tests require receivers to handle.
  if (roll < 0.85) return { ...base, fnr: fnr(birthDate, safeIndivid) };
  if (roll < 0.92) return { ...base, dnr: dnr(birthDate, safeIndivid) };
  if (roll < 0.97) return { ...base, hnr: hnr(birthDate, safeIndivid) };
  return { ...base, fnr: fnr(birthDate, safeIndivid), hnr: hnr(birthDate, safeIndivid) };
}

function kommuneParty(rng: Rng): Party {
  const kommune = pick(rng, KOMMUNER);
  return {
    organisation: [
      { name: kommune.name, herId: kommune.herId },
      { name: pick(rng, KOMMUNE_SERVICES), herId: pick(rng, kommune.serviceHerIds) },
    ],
  };
}

function hospitalParty(rng: Rng): Party {
  const hospital = pick(rng, HOSPITALS);
  const dept = pick(rng, hospital.departments);
  return { organisation: [{ name: hospital.name, herId: hospital.herId }, { name: dept.name, herId: dept.herId }] };
}

function gpParty(rng: Rng): Party {
  const office = pick(rng, GP_OFFICES);
  return {
    organisation: [{ name: office.name, herId: office.herId }],
    healthcareProfessional: { name: `${pick(rng, GIVEN_NAMES)} ${pick(rng, FAMILY_NAMES)}`, herId: String(randomInt(rng, 100000, 999999)) },
  };
}

function randomServices(rng: Rng, count: number, startYear: number): ServiceSpec[] {
  return Array.from({ length: count }, () => {
    const s = pick(rng, IPLOS_SERVICES);
    return {
      iplosCode: s.code,
      iplosText: s.text,
      description: rng.next() < 0.5 ? s.text : undefined,
      privateService: rng.next() < 0.05,
      amount: pick(rng, ['0.5', '1', '2', '3.5', '5', '7']),
      unit: s.unit,
      startDate: randomDate(rng, startYear, 2024),
      endDate: rng.next() < 0.15 ? randomDate(rng, 2024, 2025) : undefined,
      note: rng.next() < 0.4 ? prose(rng, 80) : undefined,
    };
  });
}

function randomNeeds(rng: Rng, count: number): ServiceNeedSpec[] {
  return Array.from({ length: count }, () => {
    const s = pick(rng, IPLOS_SERVICES);
    return { iplosCode: s.code, iplosText: s.text, description: prose(rng, 60), amountRequested: String(randomInt(rng, 1, 14)), unit: s.unit };
  });
}

function randomDiagnoses(rng: Rng, count: number, dated: boolean): DiagnosisSpec[] {
  return Array.from({ length: count }, (_, i) => {
    const icd = rng.next() < 0.7;
    const d = pick(rng, icd ? ICD10_DIAGNOSES : ICPC2_DIAGNOSES);
    return {
      system: icd ? ('ICD10' as const) : ('ICPC2' as const),
      code: d.code,
      text: d.text,
      isMain: i === 0 ? true : undefined,
      description: rng.next() < 0.3 ? prose(rng, 60) : undefined,
      startDate: dated && rng.next() < 0.5 ? randomDate(rng, 2015, 2024) : undefined,
    };
  });
}

export interface RandomMessageOptions {
  /** Restrict to these (kind, version) pairs; default: all supported. */
  only?: readonly SupportedMessage[];
  /** Share of ISO-8859-1 messages, default 0.1. */
  latin1Share?: number;
  /** Share of messages with a PDF attachment (MsgHead messages only), default 0.02. */
  attachmentShare?: number;
  /** Fixed GenDate base year range, default 2023-2024. */
  years?: [number, number];
}

export interface RandomMessage {
  options: BuildMessageOptions;
  bytes: Buffer;
}

/** Relative frequency in a municipal hub: PLO dominates, logistics most of all. */
function weight(m: SupportedMessage): number {
  if (m.kind.startsWith('LOG_')) return m.version === '2.0' ? 0.5 : 6;
  if (m.version === '1.6') return 8;
  if (m.version === '1.5') return 2;
  if (m.version === '2.0') return 1;
  return 2;
}

/**
 * A seeded, realistic message mix for benchmarks: many patients and kommuner, N/M/C statuses, sizes
 * of roughly 3-20 KB (attachments excepted). Same rng state, same output.
 */
export function randomMessage(rng: Rng, opts: RandomMessageOptions = {}): RandomMessage {
  const pool = opts.only ?? SUPPORTED_MESSAGES;
  const total = pool.reduce((sum, m) => sum + weight(m), 0);
  let roll = rng.next() * total;
  let chosen = pool[0];
  for (const m of pool) {
    roll -= weight(m);
    if (roll < 0) {
      chosen = m;
      break;
    }
  }
  const { kind, version } = chosen;
  const [fromYear, toYear] = opts.years ?? [2023, 2024];
  const day = randomDate(rng, fromYear, toYear);
  const genDate = `${day}T${pad(randomInt(rng, 6, 22))}:${pad(randomInt(rng, 0, 59))}:${pad(randomInt(rng, 0, 59))}`;
  const statusRoll = rng.next();
  const allowsM = ['INNLEGGELSESRAPPORT', 'UTSKRIVNINGSRAPPORT', 'HELSEOPPL_SOKNAD', 'EPIKRISE', 'HENVISNING', 'HENVISNING_NYTILSTAND', 'HENVISNING_VIDERE'].includes(kind);
  const status = statusRoll < 0.8 ? 'N' : statusRoll < 0.9 && allowsM ? 'M' : 'C';
  const msgId = randomUuid(rng);
  const options: BuildMessageOptions = {
    kind,
    version,
    status,
    msgId,
    genDate,
    documentId: randomUuid(rng),
    patient: randomPatient(rng),
    encoding: rng.next() < (opts.latin1Share ?? 0.1) ? 'ISO-8859-1' : 'UTF-8',
    responsible: { givenName: pick(rng, GIVEN_NAMES), familyName: pick(rng, FAMILY_NAMES), hprNumber: String(randomInt(rng, 1000000, 9999999)) },
  };
  // Changes and cancellations point at the previous message; bare messages have no ConversationRef.
  if (status !== 'N' && chosen.msgHead) options.refToParent = randomUuid(rng);

  const big = rng.next() < 0.35;
  const note = prose(rng, big ? randomInt(rng, 3000, 9000) : randomInt(rng, 100, 1500));
  const events: EventSpec[] = [];
  switch (kind) {
    case 'ORIENTERING_TJENESTETILBUD':
      Object.assign(options, { sender: kommuneParty(rng), receiver: gpParty(rng), services: randomServices(rng, randomInt(rng, 1, big ? 14 : 5), 2015), note });
      break;
    case 'INNLEGGELSESRAPPORT':
      Object.assign(options, {
        sender: kommuneParty(rng),
        receiver: hospitalParty(rng),
        services: randomServices(rng, randomInt(rng, 0, 6), 2018),
        diagnoses: randomDiagnoses(rng, randomInt(rng, 0, 5), false),
        note,
      });
      break;
    case 'UTSKRIVNINGSRAPPORT':
      events.push({ code: '1', time: `${day}T08:00:00` }, { code: '2', time: `${day}T14:00:00` });
      Object.assign(options, {
        sender: hospitalParty(rng),
        receiver: kommuneParty(rng),
        diagnoses: randomDiagnoses(rng, randomInt(rng, 1, 6), false),
        serviceNeeds: randomNeeds(rng, randomInt(rng, 0, 4)),
        events,
        note,
      });
      break;
    case 'HELSEOPPLYSNINGER_LEGE':
      Object.assign(options, { sender: kommuneParty(rng), receiver: gpParty(rng), diagnoses: randomDiagnoses(rng, randomInt(rng, 0, 3), false), note });
      break;
    case 'MEDISINSKE_OPPLYSNINGER':
      Object.assign(options, {
        sender: gpParty(rng),
        receiver: kommuneParty(rng),
        diagnoses: randomDiagnoses(rng, randomInt(rng, 1, 6), true),
        serviceNeeds: randomNeeds(rng, randomInt(rng, 0, 3)),
        note,
      });
      break;
    case 'HELSEOPPL_SOKNAD':
      Object.assign(options, {
        sender: hospitalParty(rng),
        receiver: kommuneParty(rng),
        diagnoses: randomDiagnoses(rng, randomInt(rng, 0, 4), false),
        serviceNeeds: version === '2.0' ? undefined : randomNeeds(rng, randomInt(rng, 0, 3)),
        services: version === '2.0' && rng.next() < 0.5 ? randomServices(rng, 1, 2018) : undefined,
        note,
      });
      break;
    case 'EPIKRISE':
      events.push({ code: '1', time: `${day}T08:00:00` }, { code: '2', time: `${day}T15:30:00` });
      Object.assign(options, { sender: hospitalParty(rng), receiver: gpParty(rng), diagnoses: randomDiagnoses(rng, randomInt(rng, 1, 6), false), events, note });
      break;
    case 'HENVISNING':
    case 'HENVISNING_NYTILSTAND':
    case 'HENVISNING_VIDERE':
      Object.assign(options, {
        sender: gpParty(rng),
        receiver: hospitalParty(rng),
        diagnoses: randomDiagnoses(rng, randomInt(rng, 1, 3), false),
        note,
        attachmentBytes: version === '2.0' && rng.next() < (opts.attachmentShare ?? 0.02) ? randomInt(rng, 20000, 80000) : undefined,
      });
      break;
    default:
      if (kind.startsWith('DIALOG_')) {
        Object.assign(options, {
          sender: kommuneParty(rng),
          receiver: gpParty(rng),
          note,
          attachmentBytes: rng.next() < (opts.attachmentShare ?? 0.02) ? randomInt(rng, 20000, 200000) : undefined,
        });
      } else {
        // Pasientlogistikk: short by nature; defaults give the right events per type.
        Object.assign(options, { sender: hospitalParty(rng), receiver: kommuneParty(rng), note: prose(rng, randomInt(rng, 50, 600)) });
      }
  }
  return { options, bytes: buildMessage(options) };
}
