import { XMLParser } from 'fast-xml-parser';
import { corpusXsdDir, validateAgainstXsd } from '@hub/testing';
import type { Party } from '../model/parsed-message.model';
import { appRecErrorCode, MessageExceptionCode } from '../message.exception';
import { appRecVersionFor, buildAppRec, type AppRecBuildInput, type AppRecErrorInput } from './apprec.builder';
import { APPREC_ERROR_TEXT, APPREC_MIG_VERSION, APPREC_NAMESPACE } from './apprec.constant';
import { AppRecException, AppRecExceptionCode } from './apprec.exception';

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

  it('refuses inconsistent input with a coded reason and without echoing content', () => {
    const refusal = (input: AppRecBuildInput) => {
      try {
        buildAppRec(input);
      } catch (e) {
        expect(e).toBeInstanceOf(AppRecException);
        return { code: (e as AppRecException).code, message: (e as AppRecException).message };
      }
      throw new Error('expected a refusal');
    };
    const cases: Array<[AppRecBuildInput, AppRecExceptionCode, string[]]> = [
      [{ ...base, status: 'REJECTED' }, AppRecExceptionCode.STATUS_ERRORS_MISMATCH, []],
      [{ ...base, status: 'REJECTED', errors: [] }, AppRecExceptionCode.STATUS_ERRORS_MISMATCH, []],
      [{ ...base, errors: [{ code: 'E10', detail: 'Kari Nordmann 13116900216' }] }, AppRecExceptionCode.STATUS_ERRORS_MISMATCH, ['Kari', '13116900216']],
      [{ ...base, status: 'REJECTED', errors: [{ code: 'bogus' }] }, AppRecExceptionCode.INVALID_ERROR_CODE, ['bogus']],
      [{ ...base, status: 'REJECTED', errors: [{ code: 'E10' }, { code: 'e10' }] }, AppRecExceptionCode.INVALID_ERROR_CODE, ['e10']],
      [{ ...base, status: 'REJECTED', errors: [{ code: 'E100' }] }, AppRecExceptionCode.INVALID_ERROR_CODE, ['E100']],
      [{ ...base, status: 'REJECTED', errors: [{ code: 'XE10' }] }, AppRecExceptionCode.INVALID_ERROR_CODE, ['XE10']],
      [{ ...base, receipt: { ...base.receipt, genDate: '14.03.2024' } }, AppRecExceptionCode.INVALID_DATE_TIME, ['14.03.2024']],
      [{ ...base, receipt: { ...base.receipt, genDate: '2024-03-14' } }, AppRecExceptionCode.INVALID_DATE_TIME, ['2024-03-14']],
      [{ ...base, receipt: { ...base.receipt, genDate: 'x2024-03-14T10:16:02' } }, AppRecExceptionCode.INVALID_DATE_TIME, ['x2024']],
      [{ ...base, receipt: { ...base.receipt, genDate: '2024-03-14T10:16:02x' } }, AppRecExceptionCode.INVALID_DATE_TIME, ['02x']],
      [{ ...base, receipt: { ...base.receipt, id: '' } }, AppRecExceptionCode.MISSING_RECEIPT_ID, []],
      [{ ...base, receipt: { ...base.receipt, id: '  ' } }, AppRecExceptionCode.MISSING_RECEIPT_ID, []],
    ];
    for (const [input, code, secrets] of cases) {
      const { code: actual, message } = refusal(input);
      expect({ actual, message: message.length > 0 }).toEqual({ actual: code, message: true });
      for (const secret of secrets) expect(message).not.toContain(secret);
    }
    expect(refusal({ ...base, status: 'REJECTED' }).message).toBe('A rejected AppRec needs at least one error');
    expect(refusal({ ...base, errors: [{ code: 'E10' }] }).message).toBe('A positive AppRec cannot carry errors');
  });

  it('accepts the xs:dateTime forms of a receipt time (fraction, Z, offset), trimmed', () => {
    for (const genDate of ['2024-03-14T10:16:02.123', '2024-03-14T10:16:02Z', '2024-03-14T10:16:02+01:00', ' 2024-03-14T10:16:02 ']) {
      expect(parse(buildAppRec({ ...base, receipt: { ...base.receipt, genDate } })).GenDate).toBe(genDate.trim());
    }
  });

  it('writes every mandatory element of the receipt: its own type, MIG version, software, time and id', () => {
    for (const version of ['1.0', '1.1'] as const) {
      const ar = parse(buildAppRec({ ...base, version, receipt: { id: ' r-1 ', genDate: '2024-03-14T10:16:02' } }));
      expect(ar.MsgType).toEqual({ '@V': 'APPREC', '@DN': 'Applikasjonskvittering' });
      expect(ar.MIGversion).toBe(APPREC_MIG_VERSION[version]);
      expect([ar.SoftwareName, ar.SoftwareVersion, ar.GenDate, ar.Id]).toEqual(['Hendelseslager', '0.1.0', '2024-03-14T10:16:02', 'r-1']);
      expect(ar.Status).toEqual({ '@V': '1', '@DN': 'OK' });
    }
  });

  it('states the roles AppRec 1.1 defines: PRIM or COP for the Sender, AVS for the Receiver; 1.0 only COP', () => {
    const roles = (input: AppRecBuildInput) => {
      const ar = parse(buildAppRec(input));
      return [ar.Sender.Role, ar.Receiver.Role];
    };
    expect(roles(base)).toEqual([{ '@V': 'PRIM', '@DN': 'Primærmottaker' }, { '@V': 'AVS', '@DN': 'Avsender' }]);
    expect(roles({ ...base, role: 'COPY' })).toEqual([{ '@V': 'COP', '@DN': 'Kopimottaker' }, { '@V': 'AVS', '@DN': 'Avsender' }]);
    expect(roles({ ...base, version: '1.0' })).toEqual([undefined, undefined]);
    expect(roles({ ...base, version: '1.0', role: 'COPY' })).toEqual([{ '@V': 'COP', '@DN': 'Kopimottaker' }, undefined]);
    expect(roles({ ...base, role: 'PRIMARY' })[0]).toEqual({ '@V': 'PRIM', '@DN': 'Primærmottaker' });
  });

  it('mirrors the original: its type, issue date and id, trimmed; placeholders for what is unknown or blank', () => {
    const original = (o: AppRecBuildInput['original']) => parse(buildAppRec({ ...base, original: { ...base.original, ...o } })).OriginalMsgId;
    expect(original({ msgType: ' LOG_DOD ', msgId: ' abc ', genDate: ' 2024-01-02T03:04:05+01:00 ' })).toEqual({ MsgType: { '@V': 'LOG_DOD' }, IssueDate: '2024-01-02T03:04:05+01:00', Id: 'abc' });
    expect(original({ msgType: ' ', msgId: '', genDate: 'igår' })).toEqual({ MsgType: { '@V': 'UKJENT' }, IssueDate: base.receipt.genDate, Id: 'UKJENT' });
    expect(original({ genDate: '2024-01-02+01:00' }).IssueDate).toBe('2024-01-02T00:00:00+01:00');
    expect(original({ genDate: '2024-01-02Z' }).IssueDate).toBe('2024-01-02T00:00:00Z');
    expect(original({ genDate: '  ' }).IssueDate).toBe(base.receipt.genDate);
  });

  it('gives every error its 8221 code system and standard text, unless the caller names another text', () => {
    const errors = (e: AppRecErrorInput[]) => parse(buildAppRec({ ...base, status: 'REJECTED', errors: e })).Error;
    expect(errors([{ code: 'E31', text: ' ', detail: ' ' }, { code: 'X99', text: 'Egen tekst', detail: 'detalj' }, { code: 'Z01' }])).toEqual([
      { '@V': 'E31', '@S': '2.16.578.1.12.4.1.1.8221', '@DN': 'Pasientens fødselsnummer er feil' },
      { '@V': 'X99', '@S': '2.16.578.1.12.4.1.1.8221', '@DN': 'Egen tekst', '@OT': 'detalj' },
      // A code without a standard text here is sent without DN.
      { '@V': 'Z01', '@S': '2.16.578.1.12.4.1.1.8221' },
    ]);
  });

  it('has a non-empty standard text for every 8221 code it knows, and that text is what is sent', () => {
    for (const [code, dn] of Object.entries(APPREC_ERROR_TEXT)) {
      expect(dn.trim()).not.toBe('');
      expect(parse(buildAppRec({ ...base, status: 'REJECTED', errors: [{ code }] })).Error[0]['@DN']).toBe(dn);
    }
    expect(Object.keys(APPREC_ERROR_TEXT).sort()).toEqual(['E10', 'E20', 'E21', 'E30', 'E31', 'E32', 'E35', 'E36', 'E53', 'E54', 'S01', 'S02', 'S03', 'S99', 'T01', 'T02', 'T10', 'T99', 'X99']);
  });

  it('mirrors every identifier of every level: HER first, the organisation number as AdditionalId, trimmed', () => {
    const receiver: Party = {
      organisation: [
        { name: 'Kommune', orgNumber: ' 964952135 ' },
        { name: 'Avdeling', herId: ' 5078 ', orgNumber: '999' },
        { name: 'Tom', herId: ' ', orgNumber: '' },
        {},
      ],
      healthcareProfessional: { name: ' ', hprNumber: ' 9144900 ' },
    };
    const inst = parse(buildAppRec({ ...base, original: { ...base.original, receiver } })).Sender.HCP.Inst;
    expect(inst).toEqual({
      Name: 'Kommune', Id: '964952135', TypeId: { '@V': 'ENH', '@DN': 'Organisasjonsnummer' },
      Dept: [
        { Name: 'Avdeling', Id: '5078', TypeId: { '@V': 'HER', '@DN': 'HER-id' }, AdditionalId: [{ Id: '999', Type: { '@V': 'ENH', '@DN': 'Organisasjonsnummer' } }] },
        { Name: 'Tom' },
      ],
      HCPerson: [{ Id: '9144900', TypeId: { '@V': 'HPR', '@DN': 'HPR-nummer' } }],
    });
    const professional = (healthcareProfessional: Party['healthcareProfessional']) =>
      parse(buildAppRec({ ...base, original: { ...base.original, sender: { organisation: [{ name: 'S', herId: '1' }], healthcareProfessional } } })).Receiver.HCP.Inst.HCPerson;
    expect(professional({ name: 'Lege', herId: ' 91439 ', hprNumber: '9144900' })).toEqual([
      { Name: 'Lege', Id: '91439', TypeId: { '@V': 'HER', '@DN': 'HER-id' }, AdditionalId: [{ Id: '9144900', Type: { '@V': 'HPR', '@DN': 'HPR-nummer' } }] },
    ]);
    expect(professional({ name: 'Lege' })).toEqual([{ Name: 'Lege' }]);
    // A professional with neither name nor id is left out rather than sent empty.
    expect(professional({ name: ' ', herId: '' })).toBeUndefined();
  });

  it('names an unknown party "Ukjent", without the hub identity on the receiver side', () => {
    const ar = parse(buildAppRec({ ...base, original: { ...base.original, receiver: { organisation: [{ orgNumber: '1' }] }, sender: { organisation: [{ name: ' ' }] } }, hubIdentity: { name: 'Hub', herId: '8' } }));
    expect(ar.Sender.HCP.Inst).toEqual({ Name: 'Ukjent', Id: '1', TypeId: { '@V': 'ENH', '@DN': 'Organisasjonsnummer' } });
    expect(ar.Receiver.HCP.Inst).toEqual({ Name: 'Ukjent' });
    const unknown = parse(buildAppRec({ ...base, original: {} }));
    expect([unknown.Sender.HCP.Inst, unknown.Receiver.HCP.Inst]).toEqual([{ Name: 'Ukjent' }, { Name: 'Ukjent' }]);
    expect(parse(buildAppRec({ ...base, original: {}, hubIdentity: { name: 'Hub', herId: '8' } })).Sender.HCP.Inst).toEqual({ Name: 'Hub', Id: '8', TypeId: { '@V': 'HER', '@DN': 'HER-id' } });
  });

  it('escapes a carriage return in text and attributes, and every special character in text', () => {
    const xml = buildAppRec({ ...base, status: 'REJECTED', errors: [{ code: 'X99', detail: 'a\r\nb' }], software: { name: 'A&B <C>\r', version: '1' } });
    expect(xml).toContain('<SoftwareName>A&amp;B &lt;C&gt;&#13;</SoftwareName>');
    expect(xml).toContain('OT="a&#13;&#10;b"');
    // Lone surrogates are not XML characters either.
    expect(buildAppRec({ ...base, software: { name: 'x\uD800y\uDC00z\uFFFE', version: '1' } })).toContain('<SoftwareName>x\uFFFDy\uFFFDz\uFFFD</SoftwareName>');
    expect(buildAppRec({ ...base, software: { name: 'x\uD83D\uDE00', version: '1' } })).toContain('<SoftwareName>x\uD83D\uDE00</SoftwareName>');
  });

  it('is laid out one element per line, indented by one tab per level', () => {
    const xml = buildAppRec({ ...base, status: 'REJECTED', errors: [{ code: 'E10' }], original: { ...base.original, receiver: { ...kommune, healthcareProfessional: { name: 'A', herId: '1', hprNumber: '2' } } } });
    const [declaration, ...lines] = xml.split('\n');
    expect(declaration).toBe('<?xml version="1.0" encoding="UTF-8"?>');
    expect(lines.pop()).toBe('');
    let depth = 0;
    for (const line of lines) {
      const closing = /^\t*<\//.test(line);
      if (closing) depth--;
      expect({ line, tabs: /^\t*/.exec(line)![0].length }).toEqual({ line, tabs: depth });
      if (!closing && !/\/>$/.test(line) && !/<\/[^>]+>$/.test(line)) depth++;
    }
    expect(depth).toBe(0);
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
