import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { messageKey, RawMessageRecord, uuidV5 } from '@hub/contracts';
import { KommuneDirectory } from '@hub/directory';
import { assertPatientIdentified, buildAppRec, MessageException, MessageExceptionCode, ParsedMessage, parseMessage } from '@hub/messages';
import { buildMessage, fnr } from '@hub/testing';
import { toDocumentEvent } from './document-event.mapper';
import { allPartyHerIds, messageKeyOf } from './document-event.mapper';
import { resolvePatientPseudonyms } from './patient-identity';

/**
 * Issue #12, items 1-3 below intake: identifiers as senders write them, MsgIds that are not UUIDs,
 * and messages without a patient, from the parsed message through routing (the demo directory) to
 * the document event. Built with the project's message builder, and as variants of the national
 * examples in ../shared/corpus read at test time (never copied).
 */
const ROOT = resolve(__dirname, '../../..');
const CORPUS = resolve(ROOT, '../shared/corpus');
const corpusPresent = existsSync(join(CORPUS, 'Dialogmelding'));
if (!corpusPresent) {
  console.warn(`Corpus variants skipped: ${CORPUS} is absent (CI always has ../shared/corpus).`);
}
const KEY = 'test-pseudonym-key';
const ALVDAL = '3428';
const demoDirectory = new KommuneDirectory(resolve(ROOT, 'config/directory.demo.yaml'));

function raw(parsed: ParsedMessage, knr = ALVDAL): RawMessageRecord {
  return {
    hubMessageId: 'h', kommunenummer: knr, receivedAt: 0, gatewayClient: 'gw', msgId: parsed.msgId, msgType: parsed.msgType, standard: parsed.standard,
    standardVersion: parsed.standardVersion, senderHerIds: [], receiverHerIds: [], patientPseudonym: null, contentType: 'application/xml',
    declaredEncoding: null, sha256: 's', sizeBytes: 0, payload: Buffer.alloc(0), transport: null,
  };
}

function refusal(fn: () => void): MessageException {
  try {
    fn();
  } catch (e) {
    if (e instanceof MessageException) return e;
    throw e;
  }
  throw new Error('expected a MessageException');
}

describe('identifiers as senders write them (issue #12 item 1)', () => {
  it.each([
    ['digit grouping with a space', '99 387', '5 078'],
    ['digit grouping with a dot', '99.387', '5.078'],
    ['a no-break space', '99\u00a0387', '5078'],
    ['leading zeros', '099387', '05078'],
  ])('HER-ids written with %s are the numeric HER-ids: parties, routing and the event', (_label, top, service) => {
    const parsed = parseMessage(
      buildMessage({
        kind: 'ORIENTERING_TJENESTETILBUD', version: '1.6',
        // Unknown to the directory otherwise: only the kommune's own HER-ids can route it.
        sender: { organisation: [{ name: 'Alvdal kommune', herId: top }, { name: 'Saksbehandling', herId: service }] },
        receiver: { organisation: [{ name: 'Ukjent legekontor', herId: '7700002' }] },
      }),
    );
    expect(parsed.sender.organisation.map((o) => o.herId)).toEqual(['99387', '5078']);
    expect(demoDirectory.kommunerFor(allPartyHerIds(parsed))).toEqual([ALVDAL]);
    expect(toDocumentEvent(parsed, raw(parsed), KEY).document.senderHerIds).toEqual(['99387', '5078']);
  });

  it('a HER-id that is not a number is kept as sent and routes nowhere', () => {
    const parsed = parseMessage(
      buildMessage({
        kind: 'ORIENTERING_TJENESTETILBUD', version: '1.6',
        sender: { organisation: [{ name: 'Alvdal kommune', herId: '99-387' }] },
        receiver: { organisation: [{ name: 'Ukjent legekontor', herId: '7700002' }] },
      }),
    );
    expect(parsed.sender.organisation[0].herId).toBe('99-387');
    expect(demoDirectory.kommunerFor(allPartyHerIds(parsed))).toEqual([]);
  });

  it('a HER-id in an HCPerson AdditionalId (Epikrise 1.2, builder) counts as the party HER-id for routing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hl-dir-'));
    try {
      writeFileSync(join(dir, 'd.yaml'), 'kommuner:\n  - kommunenummer: "9901"\n    navn: Personkommune\n    herIds: ["91 439"]\n');
      const directory = new KommuneDirectory(join(dir, 'd.yaml'));
      const body = buildMessage({
        kind: 'EPIKRISE', version: '1.2',
        receiver: { organisation: [{ name: 'Ukjent legekontor', herId: '7700002' }], healthcareProfessional: { name: 'Rita Lin', hprNumber: '9144900', herId: '091439' } },
      });
      expect(body.toString('utf8')).toMatch(/<AdditionalId>\s*<Id>091439<\/Id>\s*<Type V="HER"/);
      const parsed = parseMessage(body);
      expect(allPartyHerIds(parsed)).toContain('91439');
      expect(directory.kommunerFor(allPartyHerIds(parsed))).toEqual(['9901']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a fødselsnummer grouped with spaces is the same patient (same pseudonym), lower-case type codes are the codes', () => {
    const birth = '1961-03-04';
    const number = fnr(birth, 17);
    const plain = parseMessage(buildMessage({ kind: 'INNLEGGELSESRAPPORT', version: '1.6', msgId: '11111111-2222-4333-8444-555555555555', patient: { familyName: 'A', givenName: 'B', birthDate: birth, fnr: number } }));
    const text = buildMessage({ kind: 'INNLEGGELSESRAPPORT', version: '1.6', patient: { familyName: 'A', givenName: 'B', birthDate: birth, fnr: number } })
      .toString('utf8')
      .replace(`<Id>${number}</Id>`, `<Id>${number.slice(0, 6)} ${number.slice(6)}</Id>`)
      .replace(/(<Ident>\s*<Id>[^<]*<\/Id>\s*<TypeId V=")FNR"/, '$1fnr"');
    expect(text).toContain(`${number.slice(0, 6)} ${number.slice(6)}`);
    const written = parseMessage(Buffer.from(text));
    expect(() => assertPatientIdentified(written)).not.toThrow();
    expect(written.patient?.identifiers[0]).toMatchObject({ type: 'FNR', value: number, valid: true });
    expect(resolvePatientPseudonyms(KEY, ALVDAL, written.patient, undefined)?.primary).toBe(resolvePatientPseudonyms(KEY, ALVDAL, plain.patient, undefined)?.primary);
  });

  (corpusPresent ? it : it.skip)('corpus variant: the Dialogmelding example with its HER-ids grouped routes as the original does', () => {
    const original = readFileSync(join(CORPUS, 'Dialogmelding/Dialogmelding-v1-1/Helsefaglig dialog.xml'), 'utf8');
    const variant = original.replace('<Id>56704</Id>', '<Id>56 704</Id>').replace('<Id>258521</Id>', '<Id>258.521</Id>').replace('<Id>59</Id>', '<Id>059</Id>');
    expect(variant).not.toBe(original);
    const a = parseMessage(Buffer.from(original));
    const b = parseMessage(Buffer.from(variant));
    expect(allPartyHerIds(b)).toEqual(allPartyHerIds(a));
    expect(demoDirectory.kommunerFor(allPartyHerIds(b))).toEqual(demoDirectory.kommunerFor(allPartyHerIds(a)));
    expect(demoDirectory.kommunerFor(allPartyHerIds(b)).length).toBeGreaterThan(0);
  });

  (corpusPresent ? it : it.skip)('corpus variant: Epikrise 1.2 whose requester is known only by its HCPerson HER-id in AdditionalId', () => {
    const original = readFileSync(join(CORPUS, 'Epikrise/Epikrise_v1-2/epikrise_v1.2_n.xml'), 'utf8');
    // The Requester (Inst 91393, HCPerson HER 91439): the Inst becomes unknown, the person is HPR + AdditionalId HER.
    const variant = original.replace(
      /(<Requester>[\s\S]*?<Inst>[\s\S]*?<Id>)91393(<\/Id>[\s\S]*?<HCPerson>[\s\S]*?)<Id>91439<\/Id>\s*<TypeId V="HER" DN="HER-id"\/>/,
      '$17700009$2<Id>9144900</Id><TypeId V="HPR" DN="HPR-nummer"/><AdditionalId><Id>91 439</Id><Type V="her"/></AdditionalId>',
    );
    expect(variant).not.toBe(original);
    const parsed = parseMessage(Buffer.from(variant));
    expect(allPartyHerIds(parsed)).toContain('91439');
    const dir = mkdtempSync(join(tmpdir(), 'hl-dir-'));
    try {
      writeFileSync(join(dir, 'd.yaml'), 'kommuner:\n  - kommunenummer: "9902"\n    navn: Personkommune\n    herIds: [91439]\n');
      expect(new KommuneDirectory(join(dir, 'd.yaml')).kommunerFor(allPartyHerIds(parsed))).toEqual(['9902']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('MsgIds that are not UUIDs (issue #12 item 2)', () => {
  const sender = (herId: string) => ({ organisation: [{ name: 'Alvdal kommune', herId }, { name: 'Saksbehandling', herId: '5078' }] });

  it('is accepted and identified by the sender top HER-id with the MsgId; event ids are deterministic and per sender', () => {
    const build = (herId: string) => parseMessage(buildMessage({ kind: 'ORIENTERING_TJENESTETILBUD', version: '1.6', msgId: 'MELDING-17', sender: sender(herId) }));
    const alvdal = build('99387');
    const again = build('099 387');
    const other = build('112374');
    expect(alvdal.msgId).toBe('MELDING-17');
    expect(messageKeyOf(alvdal)).toBe('her:99387|MELDING-17');
    const e1 = toDocumentEvent(alvdal, raw(alvdal), KEY);
    const e2 = toDocumentEvent(again, raw(again), KEY);
    const e3 = toDocumentEvent(other, raw(other), KEY);
    expect(e2.envelope.eventId).toBe(e1.envelope.eventId);
    expect(e3.envelope.eventId).not.toBe(e1.envelope.eventId);
    expect(e1.document.msgId).toBe('her:99387|MELDING-17');
    expect(e3.document.msgId).toBe('her:112374|MELDING-17');
    // The MsgId as sent stays the correlation id.
    expect(e1.envelope.correlationId).toBe('MELDING-17');
  });

  it('a UUID MsgId keeps the ids it always had', () => {
    const msgId = '0f9c1f6e-3b1a-4c55-9a51-3c2b9a4d7e10';
    const parsed = parseMessage(buildMessage({ kind: 'ORIENTERING_TJENESTETILBUD', version: '1.6', msgId, sender: sender('99387') }));
    expect(messageKeyOf(parsed)).toBe(msgId);
    expect(toDocumentEvent(parsed, raw(parsed), KEY).envelope.eventId).toBe(uuidV5(`${ALVDAL}|${msgId}|document-event`));
  });

  it('an Endring names its original by the same sender-scoped key, so the document chain holds', () => {
    const n = parseMessage(buildMessage({ kind: 'ORIENTERING_TJENESTETILBUD', version: '1.6', msgId: 'N-1', sender: sender('99387') }));
    const m = parseMessage(buildMessage({ kind: 'ORIENTERING_TJENESTETILBUD', version: '1.6', status: 'M', msgId: 'M-1', refToParent: 'N-1', sender: sender('99.387') }));
    expect(toDocumentEvent(m, raw(m), KEY).document.refToParent).toBe(toDocumentEvent(n, raw(n), KEY).document.msgId);
    expect(messageKey('N-1', '99387')).toBe('her:99387|N-1');
  });
});

describe('an AppRec answering a message with a non-UUID MsgId (issue #12 item 2)', () => {
  it('names the original by the key of the original sender (the AppRec Receiver), however that sender writes its HER-id', () => {
    const original = parseMessage(buildMessage({ kind: 'DIALOG_NOTAT', version: '1.1', msgId: 'D-42', sender: { organisation: [{ name: 'Alvdal kommune', herId: '99387' }] } }));
    const grouped = { ...original, sender: { organisation: [{ name: 'Alvdal kommune', herId: '99 387' }] } };
    const appRec = parseMessage(
      Buffer.from(
        buildAppRec({
          version: '1.1', status: 'OK', errors: [],
          original: { msgId: original.msgId, msgType: original.msgType, genDate: original.genDate, sender: grouped.sender, receiver: original.receiver },
          receipt: { id: '6a2b1d1e-0c55-4c1b-9d3e-2f1e0b7c8a90', genDate: '2024-03-01T10:00:00' },
          software: { name: 'test', version: '1' },
        }),
      ),
    );
    expect(appRec.appRec?.originalMsgId).toBe('D-42');
    expect(toDocumentEvent(appRec, raw(appRec), KEY).appRec?.originalMsgId).toBe(messageKeyOf(original));
    expect(messageKeyOf(original)).toBe('her:99387|D-42');
  });
});

describe('messages without a patient (issue #12 item 3)', () => {
  it.each(['DIALOG_NOTAT', 'DIALOG_FORESPORSEL'] as const)('a Dialogmelding (%s) naming no patient is valid and yields no patient facts', (kind) => {
    const parsed = parseMessage(buildMessage({ kind, version: '1.1', patient: undefined }));
    expect(parsed.patient).toBeUndefined();
    expect(() => assertPatientIdentified(parsed)).not.toThrow();
    const event = toDocumentEvent(parsed, raw(parsed), KEY);
    expect(event.patient).toBeNull();
    expect(event.envelope.patientPseudonym).toBeNull();
    expect(event.envelope.eventType).toBe('NOT_PROJECTED');
    expect([...event.services, ...event.serviceNeeds, ...event.diagnoses, ...event.patientEvents]).toEqual([]);
  });

  it.each([
    ['ORIENTERING_TJENESTETILBUD', '1.6'],
    ['EPIKRISE', '1.2'],
    ['HENVISNING', '1.1'],
  ] as const)('%s %s, whose standard requires the patient, is still refused without one (E30)', (kind, version) => {
    const parsed = parseMessage(buildMessage({ kind, version, patient: undefined }));
    expect(refusal(() => assertPatientIdentified(parsed)).code).toBe(MessageExceptionCode.PATIENT_ID_MISSING);
  });

  it('a Dialogmelding that names a patient must still identify it (E31 for a broken FNR)', () => {
    const good = fnr('1950-01-02', 11);
    const broken = good.slice(0, 10) + String((Number(good[10]) + 1) % 10);
    const parsed = parseMessage(buildMessage({ kind: 'DIALOG_NOTAT', version: '1.1', patient: { familyName: 'A', givenName: 'B', birthDate: '1950-01-02', fnr: broken } }));
    expect(refusal(() => assertPatientIdentified(parsed)).code).toBe(MessageExceptionCode.PATIENT_ID_INVALID);
  });

  (corpusPresent ? it : it.skip)('corpus variant: the Dialogmelding example without its Patient element', () => {
    const original = readFileSync(join(CORPUS, 'Dialogmelding/Dialogmelding-v1-1/Helsefaglig dialog.xml'), 'utf8');
    const variant = original.replace(/<Patient>[\s\S]*?<\/Patient>/, '');
    expect(variant).not.toBe(original);
    const parsed = parseMessage(Buffer.from(variant));
    expect(() => assertPatientIdentified(parsed)).not.toThrow();
    expect(toDocumentEvent(parsed, raw(parsed), KEY).patient).toBeNull();
  });
});
