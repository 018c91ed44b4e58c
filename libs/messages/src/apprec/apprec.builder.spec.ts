import { XMLParser } from 'fast-xml-parser';
import { corpusXsdDir, validateAgainstXsd } from '@hub/testing';
import type { Party } from '../model/parsed-message.model';
import { appRecErrorCode, MessageExceptionCode } from '../message.exception';
import { appRecVersionFor, buildAppRec, type AppRecBuildInput } from './apprec.builder';
import { APPREC_NAMESPACE } from './apprec.constant';
import { AppRecException } from './apprec.exception';

const xsdDir = corpusXsdDir();
const describeWithCorpus = xsdDir ? describe : describe.skip;
if (!xsdDir) console.warn('XSD corpus not found at ../shared/corpus/xsd: skipping AppRec schema validation');

const kommune: Party = {
  organisation: [
    { name: 'Alvdal kommune', herId: '99387', orgNumber: '964952135' },
    { name: 'Sykepleietjeneste', herId: '5078' },
  ],
};
const hospital: Party = {
  organisation: [
    { name: 'St. Olavs hospital HF', herId: '59' },
    { name: 'Medisinsk klinikk', herId: '90998' },
  ],
  healthcareProfessional: { name: 'Rita Lin', herId: '91439', hprNumber: '9144900' },
};

const base: AppRecBuildInput = {
  version: '1.1',
  status: 'OK',
  original: { msgId: 'c9454120-068b-11e8-b566-0800200c9a66', msgType: 'LOG_UTSKREVET', genDate: '2024-03-14T10:15:00', sender: hospital, receiver: kommune },
  receipt: { id: '0d7f3a2b-1c00-4c2e-9d55-6f1d3c7a8a8b', genDate: '2024-03-14T10:16:02' },
  software: { name: 'Hendelseslager', version: '0.1.0' },
};

/** Cases covering OK, both rejection kinds, both versions, copy role and unknown originals. */
const cases: Array<[string, AppRecBuildInput]> = (['1.0', '1.1'] as const).flatMap((version) => [
  [`${version} OK`, { ...base, version }],
  [`${version} OK as copy receiver`, { ...base, version, role: 'COPY' as const }],
  [
    `${version} REJECTED E10`,
    { ...base, version, status: 'REJECTED' as const, original: { ...base.original, msgId: 'not-a-uuid' }, errors: [{ code: 'E10', detail: 'MsgId er ikke en UUID' }] },
  ],
  [
    `${version} REJECTED T01 with nothing known`,
    {
      ...base,
      version,
      status: 'REJECTED' as const,
      original: {},
      errors: [{ code: 'T01', detail: 'Dokumentet er ikke velformet XML (linje 3: <Type> & "V")' }],
      hubIdentity: { name: 'Hendelseslager Alvdal', herId: '8142519' },
    },
  ],
  [
    `${version} REJECTED T01 without hub identity, date-only original`,
    { ...base, version, status: 'REJECTED' as const, original: { genDate: '2024-03-14' }, errors: [{ code: 'T01' }, { code: 'X99', text: 'Annen feil', detail: 'æøå\u0001' }] },
  ],
]);

describeWithCorpus('buildAppRec: schema validity against the national AppRec XSDs', () => {
  it.each(['1.0', '1.1'] as const)('AppRec %s', (version) => {
    const mine = cases.filter(([, input]) => input.version === version);
    const results = validateAgainstXsd(`apprec-${version}`, mine.map(([, input]) => Buffer.from(buildAppRec(input), 'utf8')));
    const failures = results.flatMap((r, i) => (r.valid ? [] : [`${mine[i][0]}: ${r.errors.join('; ')}`]));
    expect(failures).toEqual([]);
  });

  it('is not vacuous: an AppRec without Status fails', () => {
    const broken = buildAppRec(base).replace(/\s*<Status [^>]*\/>/, '');
    expect(validateAgainstXsd('apprec-1.1', [Buffer.from(broken)])[0].valid).toBe(false);
  });
});

describe('buildAppRec: content', () => {
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@',
    parseTagValue: false,
    isArray: (name) => ['Dept', 'Error', 'AdditionalId', 'HCPerson'].includes(name),
  });
  const parse = (xml: string) => parser.parse(xml).AppRec;

  it('writes a positive 1.1 receipt mirroring the original parties', () => {
    const ar = parse(buildAppRec(base));
    expect(ar['@xmlns']).toBe(APPREC_NAMESPACE['1.1']);
    expect(ar.MIGversion).toBe('v1.1 2012-02-15');
    expect(ar.Status['@V']).toBe('1');
    expect(ar.Error).toBeUndefined();
    expect(ar.OriginalMsgId).toEqual({ MsgType: { '@V': 'LOG_UTSKREVET' }, IssueDate: '2024-03-14T10:15:00', Id: base.original.msgId });
    // Sender = the original receiver (the kommune), Receiver = the original sender (the hospital).
    expect(ar.Sender.Role['@V']).toBe('PRIM');
    const senderInst = ar.Sender.HCP.Inst;
    expect(senderInst.Name).toBe('Alvdal kommune');
    expect(senderInst.Id).toBe('99387');
    expect(senderInst.TypeId['@V']).toBe('HER');
    expect(senderInst.Dept).toEqual([{ Name: 'Sykepleietjeneste', Id: '5078', TypeId: { '@V': 'HER', '@DN': 'HER-id' } }]);
    expect(senderInst.AdditionalId).toEqual([{ Id: '964952135', Type: { '@V': 'ENH', '@DN': 'Organisasjonsnummer' } }]);
    expect(ar.Receiver.Role['@V']).toBe('AVS');
    const receiverInst = ar.Receiver.HCP.Inst;
    expect(receiverInst.Id).toBe('59');
    expect(receiverInst.Dept[0].Id).toBe('90998');
    expect(receiverInst.HCPerson[0]).toMatchObject({ Name: 'Rita Lin', Id: '91439', AdditionalId: [{ Id: '9144900' }] });
  });

  it('writes a rejected E10 receipt with the standard text and our detail', () => {
    const ar = parse(buildAppRec({ ...base, status: 'REJECTED', errors: [{ code: 'E10', detail: 'MsgId er ikke en UUID' }] }));
    expect(ar.Status).toEqual({ '@V': '2', '@DN': 'Avvist' });
    expect(ar.Error).toEqual([{ '@V': 'E10', '@S': '2.16.578.1.12.4.1.1.8221', '@DN': 'Ugyldig meldingsidentifikator', '@OT': 'MsgId er ikke en UUID' }]);
  });

  it('uses placeholders and the hub identity when nothing is known (T01)', () => {
    const ar = parse(
      buildAppRec({
        ...base,
        version: '1.0',
        status: 'REJECTED',
        original: {},
        errors: [{ code: appRecErrorCode(MessageExceptionCode.NOT_WELL_FORMED) }],
        hubIdentity: { name: 'Hendelseslager Alvdal', herId: '8142519' },
      }),
    );
    expect(ar['@xmlns']).toBe(APPREC_NAMESPACE['1.0']);
    expect(ar.MIGversion).toBe('1.0 2004-11-21');
    expect(ar.Sender.Role).toBeUndefined();
    expect(ar.Sender.HCP.Inst).toMatchObject({ Name: 'Hendelseslager Alvdal', Id: '8142519' });
    expect(ar.Receiver.HCP.Inst).toEqual({ Name: 'Ukjent' });
    expect(ar.Error[0]['@V']).toBe('T01');
    expect(ar.OriginalMsgId).toEqual({ MsgType: { '@V': 'UKJENT' }, IssueDate: base.receipt.genDate, Id: 'UKJENT' });
  });

  it('uses COP for a copy receiver in both versions', () => {
    expect(parse(buildAppRec({ ...base, role: 'COPY' })).Sender.Role['@V']).toBe('COP');
    expect(parse(buildAppRec({ ...base, version: '1.0', role: 'COPY' })).Sender.Role['@V']).toBe('COP');
  });

  it('escapes text and attributes and replaces characters XML forbids', () => {
    const xml = buildAppRec({
      ...base,
      status: 'REJECTED',
      original: { ...base.original, msgId: 'a<b>&"c"', receiver: { organisation: [{ name: 'Åse & Co <AS>', herId: '1' }] } },
      errors: [{ code: 'X99', detail: 'linje 1:\t"<x>" & \u0007' }],
    });
    const ar = parse(xml);
    expect(ar.OriginalMsgId.Id).toBe('a<b>&"c"');
    expect(ar.Sender.HCP.Inst.Name).toBe('Åse & Co <AS>');
    // fast-xml-parser leaves numeric references undecoded by default, so check the raw attribute too.
    expect(xml).toContain('OT="linje 1:&#9;&quot;&lt;x&gt;&quot; &amp; \uFFFD"');
    expect(ar.Error[0]['@OT']).toBe('linje 1:&#9;"<x>" & \uFFFD');
  });

  it('turns a date-only original GenDate into a dateTime', () => {
    expect(parse(buildAppRec({ ...base, original: { ...base.original, genDate: '2017-05-05' } })).OriginalMsgId.IssueDate).toBe('2017-05-05T00:00:00');
  });

  it('refuses inconsistent input without echoing content', () => {
    expect(() => buildAppRec({ ...base, status: 'REJECTED' })).toThrow(AppRecException);
    expect(() => buildAppRec({ ...base, errors: [{ code: 'E10' }] })).toThrow(AppRecException);
    expect(() => buildAppRec({ ...base, status: 'REJECTED', errors: [{ code: 'bogus' }] })).toThrow(AppRecException);
    expect(() => buildAppRec({ ...base, receipt: { ...base.receipt, genDate: '14.03.2024' } })).toThrow(AppRecException);
    expect(() => buildAppRec({ ...base, receipt: { ...base.receipt, id: '' } })).toThrow(AppRecException);
  });
});

describe('appRecVersionFor', () => {
  it.each([
    ['PLO', '1.5', '1.0'],
    ['PLO', '1.6', '1.1'],
    ['PLO', '2.0', '1.1'],
    ['DIALOGMELDING', '1.0', '1.0'],
    ['DIALOGMELDING', '1.1', '1.1'],
    ['EPIKRISE', '1.0', '1.0'],
    ['EPIKRISE', '1.1', '1.0'],
    ['EPIKRISE', '1.2', '1.1'],
    ['HENVISNING', '1.0', '1.0'],
    ['HENVISNING', '1.1', '1.1'],
    ['HENVISNING', '2.0', '1.1'],
    ['OTHER', '', '1.1'],
  ] as const)('%s %s -> AppRec %s', (standard, version, expected) => {
    expect(appRecVersionFor(standard, version)).toBe(expected);
  });
});
