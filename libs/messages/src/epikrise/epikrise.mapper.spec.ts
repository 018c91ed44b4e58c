/**
 * Epikrise mapper (issue #18), read from small hand-made Epikrise 1.2 messages (guide §2.5): status
 * ServRprt/ServType, key ServRprt/ServProvId, sender ServProvider, receiver Requester, diagnoses from
 * InfItem of Type H (main) / B dated by the stay or the InfItem's own period, referral diagnoses from
 * ServReq/Diagnosis (first = main), stay and death events.
 */
import { MappingContext } from '../mapping-context.util';
import { MessageException, MessageExceptionCode } from '../message.exception';
import { TEST_UUID } from '../testing/message-fixtures.util';
import { NS } from '../xml/namespaces.constant';
import { parseXml } from '../xml/xml-tree.util';
import { mapEpikrise } from './epikrise.mapper';

const ICD10 = '2.16.578.1.12.4.1.1.7110';
const ICPC2 = '2.16.578.1.12.4.1.1.7170';

const PROVIDER = '<ServProvider><HCP><Inst><Name>Sykehus</Name><Id>59</Id><TypeId V="HER"/></Inst></HCP></ServProvider>';
const REQUESTER = '<Requester><HCP><Inst><Name>Legekontor</Name><Id>56704</Id><TypeId V="HER"/></Inst></HCP></Requester>';

/** A bare Epikrise 1.2 Message; `report` is the content of ServRprt, `null` leaves ServRprt out. */
function epikrise12(report: string | null): string {
  const servRprt = report === null ? '' : `<ServRprt>${report}</ServRprt>`;
  return `<Message xmlns="${NS.EPIKRISE_12}"><Type V="EPIKRISE"/><MIGversion>v1.2</MIGversion><GenDate V="2024-03-01T10:00:00"/><MsgId>${TEST_UUID}</MsgId>${servRprt}</Message>`;
}

function concept(code: string, oid = ICD10): string {
  return `<Concept V="${code}" S="${oid}"/>`;
}

function infItem(type: string, codes: string[], period = ''): string {
  return `<InfItem>${period}<Observation>${codes.map((c) => `<CodedDescr>${concept(c)}</CodedDescr>`).join('')}</Observation><Type V="${type}"/></InfItem>`;
}

function mapped(xml: string) {
  const warnings: string[] = [];
  const ctx: MappingContext = { warn: (w) => warnings.push(w), partial: {} };
  const root = parseXml(xml);
  return { result: mapEpikrise(root, root.ns, ctx), warnings };
}

function failure(xml: string): MessageException {
  try {
    mapped(xml);
  } catch (e) {
    if (e instanceof MessageException) return e;
    throw e;
  }
  throw new Error('expected a MessageException, the epikrise was accepted');
}

const dx = (code: string, isMain: 'true' | 'false', extra: Record<string, string> = {}) => ({
  context: 'EPIKRISE',
  isMain,
  codeSystemOid: ICD10,
  code,
  normalizedCode: code.replace('.', ''),
  codeSystemMismatch: false,
  ...extra,
});

describe('mapEpikrise: structure and parties', () => {
  it('without ServRprt → SCHEMA_VIOLATION', () => {
    const e = failure(epikrise12(null));
    expect(e.code).toBe(MessageExceptionCode.SCHEMA_VIOLATION);
    expect(e.message).toBe('Message/ServRprt is missing');
  });

  it('a ServProvider without any identifier → SENDER_MISSING, even when the Requester has one', () => {
    const e = failure(epikrise12(`<ServType V="N"/><ServProvId>doc-1</ServProvId><ServProvider><HCP><Inst><Name>Sykehus</Name></Inst></HCP></ServProvider>${REQUESTER}`));
    expect(e.code).toBe(MessageExceptionCode.SENDER_MISSING);
    expect(e.message).toBe('ServRprt/ServProvider has no institution or person with an identifier');
  });

  it('a missing ServType → SCHEMA_VIOLATION naming ServRprt/ServType', () => {
    const e = failure(epikrise12(`<ServProvId>doc-1</ServProvId>${PROVIDER}${REQUESTER}`));
    expect(e.code).toBe(MessageExceptionCode.SCHEMA_VIOLATION);
    expect(e.message).toBe('ServRprt/ServType (code list 7309) is missing');
  });

  it('without ServProvId there is no explicit key, with a warning; without Patient, Event and ServReq nothing else is read', () => {
    const { result, warnings } = mapped(epikrise12(`<ServType V="C"/>${PROVIDER}${REQUESTER}`));
    expect(result.facts).toStrictEqual({ status: 'C', services: [], serviceNeeds: [], diagnoses: [], patientEvents: [] });
    expect(result).not.toHaveProperty('patient');
    expect(result.sender).toStrictEqual({ organisation: [{ name: 'Sykehus', herId: '59', identifiers: [{ type: 'HER', id: '59' }] }] });
    expect(result.receiver).toStrictEqual({ role: 'PRIMARY', organisation: [{ name: 'Legekontor', herId: '56704', identifiers: [{ type: 'HER', id: '56704' }] }] });
    expect(result.otherReceivers).toStrictEqual([]);
    expect(warnings).toStrictEqual(['ServRprt/ServProvId is missing; the document key falls back to MsgId']);
  });
});

describe('mapEpikrise: stay, diagnoses and death', () => {
  it('an InfItem type is read case-insensitively (h = main, b = secondary); other types carry no diagnosis', () => {
    const event = `<Event><ReportedEvent><StartDateTime V="2024-01-10"/><EndDateTime V="2024-01-20"/></ReportedEvent>${infItem('h', ['I21.0'])}${infItem('b', ['E11.9', 'I10'])}${infItem('FUNN', ['R07.4'])}${infItem('CAVE', ['Z88.0'])}</Event>`;
    const { result } = mapped(epikrise12(`<ServType V="N"/><ServProvId>doc-1</ServProvId>${event}${PROVIDER}${REQUESTER}`));
    const stay = { startDate: '2024-01-10', endDate: '2024-01-20' };
    expect(result.facts.diagnoses).toStrictEqual([dx('I21.0', 'true', stay), dx('E11.9', 'false', stay), dx('I10', 'false', stay)]);
    expect(result.facts.patientEvents).toStrictEqual([
      { kind: 'ADMITTED', time: '2024-01-10' },
      { kind: 'DISCHARGED', time: '2024-01-20' },
    ]);
  });

  it("an InfItem's own StartDateTime / EndDateTime dates its diagnosis instead of the stay (Epikrise 1.0 style)", () => {
    const own = '<StartDateTime V="2023-06-01"/><EndDateTime V="2023-06-30"/>';
    const event = `<Event><ReportedEvent><StartDateTime V="2024-01-10"/><EndDateTime V="2024-01-20"/></ReportedEvent>${infItem('B', ['J44.9'], own)}${infItem('B', ['J45.9'], '<StartDateTime V="2023-07-01"/>')}</Event>`;
    const { result } = mapped(epikrise12(`<ServType V="N"/>${event}${PROVIDER}${REQUESTER}`));
    expect(result.facts.diagnoses).toStrictEqual([
      dx('J44.9', 'false', { startDate: '2023-06-01', endDate: '2023-06-30' }),
      dx('J45.9', 'false', { startDate: '2023-07-01', endDate: '2024-01-20' }),
    ]);
  });

  it('an Event without ReportedEvent gives undated diagnoses and no stay events; an admission without discharge gives only ADMITTED', () => {
    const events = `<Event>${infItem('H', ['K35.8'])}</Event><Event><ReportedEvent><StartDateTime V="2024-02-01T08:00:00"/></ReportedEvent></Event>`;
    const { result } = mapped(epikrise12(`<ServType V="N"/>${events}${PROVIDER}${REQUESTER}`));
    expect(result.facts.diagnoses).toStrictEqual([dx('K35.8', 'true')]);
    expect(result.facts.patientEvents).toStrictEqual([{ kind: 'ADMITTED', time: '2024-02-01T08:00:00' }]);
  });

  it('referral diagnoses: the first Diagnosis with a code is the main one, an empty Diagnosis before it does not count', () => {
    const servReq = `<ServReq><Diagnosis/><Diagnosis>${concept('L88', ICPC2)}</Diagnosis><Diagnosis>${concept('A79', ICPC2)}</Diagnosis></ServReq>`;
    const { result } = mapped(epikrise12(`<ServType V="N"/>${servReq}${PROVIDER}${REQUESTER}`));
    const referral = (code: string, isMain: 'true' | 'false') => ({ context: 'HENVISNINGSDIAGNOSE', isMain, codeSystemOid: ICPC2, code, normalizedCode: code, codeSystemMismatch: false });
    expect(result.facts.diagnoses).toStrictEqual([referral('L88', 'true'), referral('A79', 'false')]);
  });

  it('a Patient with DateOfDeath gives a DEATH event; one without gives none', () => {
    const patient = (death: string) => `<Patient>${death}<Name>Danser, Line</Name><OffId>13116900216</OffId><TypeOffId V="FNR"/></Patient>`;
    const dead = mapped(epikrise12(`<ServType V="N"/>${patient('<DateOfDeath V="2024-01-19"/>')}${PROVIDER}${REQUESTER}`)).result;
    expect(dead.facts.patientEvents).toStrictEqual([{ kind: 'DEATH', time: '2024-01-19' }]);
    expect(dead.patient).toMatchObject({ familyName: 'Danser', givenName: 'Line' });
    const alive = mapped(epikrise12(`<ServType V="N"/>${patient('')}${PROVIDER}${REQUESTER}`)).result;
    expect(alive.facts.patientEvents).toStrictEqual([]);
  });
});
