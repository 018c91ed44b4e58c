/**
 * Henvisning mappers (issue #18), read from small hand-made referrals (guide §2.6): 1.x as a bare
 * `Message` (status ServReq/ServType, key ServReq/Id, sender Requester, receiver ServProvider, copies
 * CopyDest, first Diagnosis = main condition) and 2.0 inside MsgHead (status Henvisning/ServType, key
 * Henvisning/DocumentId, Diagnosis/Concept + Modifier).
 */
import { MappingContext } from '../mapping-context.util';
import { MessageException, MessageExceptionCode } from '../message.exception';
import { msgHead, parseFailure, parseText, TEST_UUID } from '../testing/message-fixtures.util';
import { NS } from '../xml/namespaces.constant';
import { parseXml } from '../xml/xml-tree.util';
import { mapHenvisning1, mapHenvisning2 } from './henvisning.mapper';

const ICPC2 = '2.16.578.1.12.4.1.1.7170';
const ICD10 = '2.16.578.1.12.4.1.1.7110';

const PATIENT = '<Patient><Name>Danser, Line</Name><OffId>13116900216</OffId><TypeOffId V="FNR"/></Patient>';
const REQUESTER = '<Requester><HCP><Inst><Name>Legekontor</Name><Id>56704</Id><TypeId V="HER"/></Inst><HCProf><Name>Lege</Name><Id>9144900</Id><TypeId V="HPR"/></HCProf></HCP></Requester>';
const PROVIDER = '<ServProvider><HCP><Inst><Name>Sykehus</Name><Id>59</Id><TypeId V="HER"/><Dept><Name>Ortopedi</Name><Id>90998</Id><TypeId V="HER"/></Dept></Inst></HCP></ServProvider>';

/** A bare Henvisning 1.1 Message; `servReq` replaces the content of ServReq, `null` leaves ServReq out. */
function henvisning11(servReq: string | null, type = '<Type V="HENVISNING"/>'): string {
  const request = servReq === null ? '' : `<ServReq>${servReq}</ServReq>`;
  return `<Message xmlns="${NS.HENVISNING_11}">${type}<MIGversion>v1.1</MIGversion><GenDate V="2024-03-01T10:00:00"/><MsgId>${TEST_UUID}</MsgId>${request}</Message>`;
}

const FULL_REQUEST = `<ServType V="N"/><Id>ref-1</Id>${PATIENT}${PROVIDER}${REQUESTER}<CopyDest><HCP><Inst><Name>Kommune</Name><Id>99387</Id><TypeId V="HER"/></Inst></HCP></CopyDest><CopyDest><HCP><Inst><Name>Fastlege</Name><Id>91096</Id><TypeId V="HER"/></Inst></HCP></CopyDest><Diagnosis><Concept V="L88" S="${ICPC2}" DN="Revmatoid artritt"/></Diagnosis><Diagnosis><Concept V="A79" S="${ICPC2}"/></Diagnosis>`;

function context(): { ctx: MappingContext; warnings: string[] } {
  const warnings: string[] = [];
  return { ctx: { warn: (w) => warnings.push(w), partial: {} }, warnings };
}

function mapped1(xml: string) {
  const { ctx, warnings } = context();
  const root = parseXml(xml);
  return { result: mapHenvisning1(root, root.ns, ctx), warnings };
}

function failure1(xml: string): MessageException {
  try {
    mapped1(xml);
  } catch (e) {
    if (e instanceof MessageException) return e;
    throw e;
  }
  throw new Error('expected a MessageException, the referral was accepted');
}

describe('mapHenvisning1 (bare Henvisning 1.x Message)', () => {
  it('maps sender = Requester, receiver = ServProvider (primary), copies, status, key, diagnoses and patient', () => {
    const { result, warnings } = mapped1(henvisning11(FULL_REQUEST));
    expect(result.header).toStrictEqual({ msgId: TEST_UUID, msgType: 'HENVISNING', genDate: '2024-03-01T10:00:00' });
    expect(result.sender).toStrictEqual({
      organisation: [{ name: 'Legekontor', herId: '56704', identifiers: [{ type: 'HER', id: '56704' }] }],
      healthcareProfessional: { name: 'Lege', hprNumber: '9144900', identifiers: [{ type: 'HPR', id: '9144900' }] },
    });
    expect(result.receiver).toStrictEqual({
      role: 'PRIMARY',
      organisation: [
        { name: 'Sykehus', herId: '59', identifiers: [{ type: 'HER', id: '59' }] },
        { name: 'Ortopedi', herId: '90998', identifiers: [{ type: 'HER', id: '90998' }] },
      ],
    });
    expect(result.otherReceivers).toStrictEqual([
      { role: 'COP', organisation: [{ name: 'Kommune', herId: '99387', identifiers: [{ type: 'HER', id: '99387' }] }] },
      { role: 'COP', organisation: [{ name: 'Fastlege', herId: '91096', identifiers: [{ type: 'HER', id: '91096' }] }] },
    ]);
    expect(result.facts).toStrictEqual({
      status: 'N',
      explicitDocumentId: 'ref-1',
      services: [],
      serviceNeeds: [],
      diagnoses: [
        { context: 'HENVISNING', isMain: 'true', codeSystemOid: ICPC2, code: 'L88', normalizedCode: 'L88', codeSystemMismatch: false, display: 'Revmatoid artritt' },
        { context: 'HENVISNING', isMain: 'false', codeSystemOid: ICPC2, code: 'A79', normalizedCode: 'A79', codeSystemMismatch: false },
      ],
      patientEvents: [],
    });
    expect(result.patient).toMatchObject({ familyName: 'Danser', givenName: 'Line', identifiers: [{ type: 'FNR', value: '13116900216', valid: true }] });
    expect(warnings).toStrictEqual([]);
  });

  it('Message/Type is optional: without it the referral is a HENVISNING without a warning', () => {
    const { result, warnings } = mapped1(henvisning11(FULL_REQUEST, ''));
    expect(result.header.msgType).toBe('HENVISNING');
    expect(warnings).toStrictEqual([]);
  });

  it('without ServReq → SCHEMA_VIOLATION', () => {
    const e = failure1(henvisning11(null));
    expect(e.code).toBe(MessageExceptionCode.SCHEMA_VIOLATION);
    expect(e.message).toBe('Message/ServReq is missing');
  });

  it('a Requester without any identifier → SENDER_MISSING, even when ServProvider and copies have one', () => {
    const request = `<ServType V="N"/><Id>ref-1</Id>${PROVIDER}<Requester><HCP><Inst><Name>Legekontor</Name></Inst></HCP></Requester><CopyDest><HCP><Inst><Id>99387</Id><TypeId V="HER"/></Inst></HCP></CopyDest>`;
    const e = failure1(henvisning11(request));
    expect(e.code).toBe(MessageExceptionCode.SENDER_MISSING);
    expect(e.message).toBe('ServReq/Requester has no institution or person with an identifier');
  });

  it('a missing ServType → SCHEMA_VIOLATION naming ServReq/ServType', () => {
    const e = failure1(henvisning11(`<Id>ref-1</Id>${REQUESTER}`));
    expect(e.code).toBe(MessageExceptionCode.SCHEMA_VIOLATION);
    expect(e.message).toBe('ServReq/ServType (code list 7309) is missing');
  });

  it('without ServReq/Id there is no explicit document key, with a warning; without Patient no patient; without ServProvider an empty primary receiver', () => {
    const { result, warnings } = mapped1(henvisning11(`<ServType V="C"/>${REQUESTER}`));
    expect(result.facts).toStrictEqual({ status: 'C', services: [], serviceNeeds: [], diagnoses: [], patientEvents: [] });
    expect(result).not.toHaveProperty('patient');
    expect(result.receiver).toStrictEqual({ role: 'PRIMARY', organisation: [] });
    expect(result.otherReceivers).toStrictEqual([]);
    expect(warnings).toStrictEqual(['ServReq/Id is missing; the document key falls back to MsgId']);
  });

  it('through parseMessage: the same referral wrapped in MsgHead keeps its ServReq facts and the MsgHead envelope', () => {
    const xml = msgHead({ msgType: 'HENVISNING', payload: henvisning11(FULL_REQUEST) });
    const m = parseText(xml);
    expect(m).toMatchObject({ envelope: 'MsgHead', standard: 'HENVISNING', standardVersion: '1.1', status: 'N', explicitDocumentId: 'ref-1' });
    expect(m.diagnoses.map((d) => [d.code, d.isMain])).toEqual([
      ['L88', 'true'],
      ['A79', 'false'],
    ]);
    // The MsgHead sender, not the Requester, is the sender of a wrapped message.
    expect(m.sender.organisation[0].herId).toBe('99387');
  });
});

/** A Henvisning 2.0 payload (root Henvisning, guide §2.6) with the given children. */
function henvisning20(content: string): string {
  return `<Henvisning xmlns="${NS.HENVISNING_20}">${content}</Henvisning>`;
}

function mapped2(payload: string) {
  const { ctx, warnings } = context();
  const root = parseXml(payload);
  return { facts: mapHenvisning2(root, root.ns, ctx), warnings };
}

describe('mapHenvisning2 (Henvisning 2.0 in MsgHead)', () => {
  it('status from ServType, key from DocumentId, diagnoses with the asterisk code of a Modifier, first = main', () => {
    const content =
      `<ServType V="M"/><IssueDate>2024-03-01T10:00:00</IssueDate><DocumentId>cf4efb50-3198-11e8-b566-0800200c9a66</DocumentId>` +
      `<Diagnosis><Concept V="A18.0" S="${ICD10}"/><Modifier><Name V="S"/><Value V="M49.0" S="${ICD10}"/></Modifier></Diagnosis>` +
      `<Diagnosis><Concept V="L88" S="${ICPC2}"/></Diagnosis>`;
    const { facts, warnings } = mapped2(henvisning20(content));
    expect(facts).toStrictEqual({
      status: 'M',
      explicitDocumentId: 'cf4efb50-3198-11e8-b566-0800200c9a66',
      services: [],
      serviceNeeds: [],
      diagnoses: [
        { context: 'HENVISNING', isMain: 'true', codeSystemOid: ICD10, code: 'A18.0', normalizedCode: 'A180', codeSystemMismatch: false },
        { context: 'HENVISNING', isMain: 'false', codeSystemOid: ICD10, code: 'M49.0', normalizedCode: 'M490', codeSystemMismatch: false, modifierOf: 'A180' },
        { context: 'HENVISNING', isMain: 'false', codeSystemOid: ICPC2, code: 'L88', normalizedCode: 'L88', codeSystemMismatch: false },
      ],
      patientEvents: [],
    });
    expect(warnings).toStrictEqual([]);
  });

  it('without DocumentId there is no explicit document key, with a warning', () => {
    const { facts, warnings } = mapped2(henvisning20('<ServType V="C"/>'));
    expect(facts).toStrictEqual({ status: 'C', services: [], serviceNeeds: [], diagnoses: [], patientEvents: [] });
    expect(warnings).toStrictEqual(['Henvisning/DocumentId is missing; the document key falls back to MsgId']);
  });

  it('through parseMessage: a missing ServType → SCHEMA_VIOLATION naming Henvisning/ServType', () => {
    const e = parseFailure(msgHead({ msgType: 'HENVISNING_NYTILSTAND', payload: henvisning20('<DocumentId>d-1</DocumentId>') }));
    expect(e.code).toBe(MessageExceptionCode.SCHEMA_VIOLATION);
    expect(e.message).toBe('Henvisning/ServType (code list 7309) is missing');
  });

  it('through parseMessage: a Henvisning 2.0 under MsgHead is mapped with its document key', () => {
    const m = parseText(msgHead({ msgType: 'HENVISNING_VIDERE', payload: henvisning20('<ServType V="N"/><DocumentId>d-1</DocumentId>') }));
    expect(m).toMatchObject({ standard: 'HENVISNING', standardVersion: '2.0', status: 'N', explicitDocumentId: 'd-1' });
    expect(m.warnings).toStrictEqual([]);
  });
});
