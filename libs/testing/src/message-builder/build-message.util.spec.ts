import { XMLParser } from 'fast-xml-parser';
import * as iconv from 'iconv-lite';
import {
  buildMessage,
  SUPPORTED_MESSAGES,
  supportedMessage,
  type SupportedMessage,
} from './build-message.util';
import type { BuildMessageOptions } from './message-builder.model';
import { createRng, randomMessage } from './random-message.util';
import { corpusXsdDir, STUBBED_NAMESPACES, validateAgainstXsd, type SchemaSetId } from '../xsd/xsd-validation.util';
import { fnr, hnr } from './identifier.util';

const xsdDir = corpusXsdDir();
const describeWithCorpus = xsdDir ? describe : describe.skip;
if (!xsdDir) {
  // Visible in the test output: the validation suites below are skipped, not passed.
  console.warn('XSD corpus not found at ../shared/corpus/xsd: skipping schema validation of built messages');
}

function schemaSetFor(m: Pick<SupportedMessage, 'kind' | 'version'>): SchemaSetId {
  if (m.kind === 'EPIKRISE') return `epikrise-${m.version}` as SchemaSetId;
  if (m.kind.startsWith('HENVISNING')) return m.version === '2.0' ? 'msghead-henvisning-2.0' : (`henvisning-${m.version}` as SchemaSetId);
  if (m.kind.startsWith('DIALOG_')) return `msghead-dialog-${m.version}` as SchemaSetId;
  return `msghead-plo-${m.version}` as SchemaSetId;
}

/** A message with every optional part the kind can carry, so validation covers the full shape. */
function richOptions(m: SupportedMessage, encoding: 'UTF-8' | 'ISO-8859-1'): BuildMessageOptions {
  const o: BuildMessageOptions = {
    kind: m.kind,
    version: m.version,
    status: 'N',
    encoding,
    processingStatus: 'T',
    note: 'Pårørende (datter Åse Ødegård) ønsker kontakt før endringer. Tegn som må escapes: <&> "sitat" \'apostrof\'.',
    patient: {
      familyName: 'Ødegård',
      givenName: 'Bjørg Æse',
      birthDate: '1938-02-11',
      sex: '2',
      fnr: fnr('1938-02-11', 123),
      hnr: hnr('1938-02-11', 123),
      address: { street: 'Åsveien 3', postalCode: '2560', city: 'Alvdal', kommunenummer: '3428' },
      phone: '+4791234567',
    },
    refToParent: m.msgHead ? '3c2a8a8e-5a9e-4e61-9d7e-1a2b3c4d5e6f' : undefined,
  };
  const isLog = m.kind.startsWith('LOG_');
  if (!isLog && m.kind !== 'ORIENTERING_TJENESTETILBUD' && !m.kind.startsWith('DIALOG_')) {
    o.diagnoses = [
      { system: 'ICD10', code: 'I509', text: 'Hjertesvikt', isMain: true, description: 'Venstresidig' },
      { system: 'ICPC2', code: 'T90', text: 'Diabetes type 2', startDate: '2019-05-01', endDate: '2024-01-01' },
    ];
  }
  if (m.kind === 'ORIENTERING_TJENESTETILBUD' || m.kind === 'INNLEGGELSESRAPPORT' || (m.kind === 'HELSEOPPL_SOKNAD' && m.version === '2.0')) {
    const all = [
      { iplosCode: '15', description: 'Dusj hver mandag', amount: '0.5', unit: 'timer hver uke', startDate: '2023-01-03', note: 'Nøkkel i nøkkelboks' },
      { iplosCode: '5', amount: '1', unit: 'måltider hver dag', startDate: '2023-02-01', endDate: '2024-02-01' },
    ];
    o.services = m.version === '2.0' ? all.slice(0, 1) : all;
  }
  if (['UTSKRIVNINGSRAPPORT', 'MEDISINSKE_OPPLYSNINGER'].includes(m.kind) || (m.kind === 'HELSEOPPL_SOKNAD' && m.version !== '2.0')) {
    o.serviceNeeds = [{ iplosCode: '21', description: 'Langtidsopphold', atInstitution: 'Alvdal helsetun', amountRequested: '1', unit: 'plass' }];
  }
  if (m.kind === 'UTSKRIVNINGSRAPPORT' || m.kind === 'EPIKRISE') {
    o.events = [
      { code: '1', time: '2024-03-01T08:10:00' },
      { code: '2', time: '2024-03-10T12:00:00' },
    ];
  }
  if (m.kind === 'LOG_UTSKRIVNINGSKLAR') {
    o.events = [
      { code: '1', time: '2024-03-01T08:10:00' },
      { code: '3', time: '2024-03-09', estimated: true, note: 'Forventet utskrivningsklar' },
    ];
  }
  if (m.msgHead && (m.kind.startsWith('DIALOG_') || m.version === '2.0')) o.attachmentBytes = 3000;
  if (m.kind === 'EPIKRISE' || (m.msgHead && m.kind !== 'HENVISNING_VIDERE')) {
    o.copyReceivers = [{ organisation: [{ name: 'Fjellheim legekontor', herId: '103412', orgNumber: '974600951' }] }];
  }
  return o;
}

describeWithCorpus('buildMessage: every supported message validates against the national XSDs', () => {
  const bySet = new Map<SchemaSetId, Array<{ label: string; bytes: Buffer }>>();
  for (const m of SUPPORTED_MESSAGES) {
    for (const encoding of ['UTF-8', 'ISO-8859-1'] as const) {
      for (const variant of ['minimal', 'rich', 'C'] as const) {
        const options: BuildMessageOptions =
          variant === 'rich' ? richOptions(m, encoding) : { kind: m.kind, version: m.version, encoding, status: variant === 'C' ? 'C' : 'N' };
        const list = bySet.get(schemaSetFor(m)) ?? [];
        list.push({ label: `${m.kind} ${m.version} ${encoding} ${variant}`, bytes: buildMessage(options) });
        bySet.set(schemaSetFor(m), list);
      }
    }
  }

  it.each([...bySet.keys()])('schema set %s', (set) => {
    const docs = bySet.get(set) ?? [];
    const results = validateAgainstXsd(set, docs.map((d) => d.bytes));
    const failures = results.flatMap((r, i) => (r.valid ? [] : [`${docs[i].label}:\n  ${r.errors.join('\n  ')}`]));
    expect(failures).toEqual([]);
  });

  it('is not vacuous: a message with a missing mandatory element fails', () => {
    const good = buildMessage({ kind: 'ORIENTERING_TJENESTETILBUD', version: '1.6' }).toString('utf8');
    const bad = good.replace(/<PrivatTjeneste>false<\/PrivatTjeneste>/g, '');
    const unknownPayload = good.replace(/OrienteringOmTjenestetilbud\/2012-04-01/, 'OrienteringOmTjenestetilbud/1999-01-01');
    const [okResult, badResult, strictResult] = validateAgainstXsd('msghead-plo-1.6', [good, bad, unknownPayload].map((x) => Buffer.from(x)));
    expect(okResult.valid).toBe(true);
    expect(badResult.valid).toBe(false);
    expect(badResult.errors.join('\n')).toContain('PrivatTjeneste');
    // Content is processContents="strict": an undeclared payload root must not slip through.
    expect(strictResult.valid).toBe(false);
  });

  it('never uses the namespaces that are only stubbed in the wrapper schema', () => {
    for (const docs of bySet.values()) {
      for (const { bytes } of docs) {
        for (const ns of STUBBED_NAMESPACES) expect(bytes.includes(ns)).toBe(false);
      }
    }
  });

  it('validates a seeded random mix (benchmark data)', () => {
    const rng = createRng(1234);
    const bySetRandom = new Map<SchemaSetId, Buffer[]>();
    for (let i = 0; i < 150; i++) {
      const { options, bytes } = randomMessage(rng, { attachmentShare: 0.1 });
      const set = schemaSetFor(options);
      bySetRandom.set(set, [...(bySetRandom.get(set) ?? []), bytes]);
    }
    for (const [set, docs] of bySetRandom) {
      const invalid = validateAgainstXsd(set, docs).filter((r) => !r.valid);
      expect(invalid.map((r) => r.errors.join('\n'))).toEqual([]);
    }
  });
});

describe('buildMessage: encoding', () => {
  const options: BuildMessageOptions = {
    kind: 'ORIENTERING_TJENESTETILBUD',
    version: '1.6',
    patient: { familyName: 'Ærø', givenName: 'Åsmund Øystein', birthDate: '1950-01-01', fnr: fnr('1950-01-01') },
    services: [{ iplosCode: '15', description: 'Stell på badet – morgen' }],
  };

  it('writes UTF-8 by default with a matching declaration', () => {
    const bytes = buildMessage(options);
    expect(bytes.subarray(0, 40).toString('latin1')).toContain('encoding="UTF-8"');
    expect(bytes.toString('utf8')).toContain('<FamilyName>Ærø</FamilyName>');
  });

  it('writes ISO-8859-1 bytes on request so æøå round-trip, and refs for characters outside Latin-1', () => {
    const bytes = buildMessage({ ...options, encoding: 'ISO-8859-1' });
    expect(bytes.subarray(0, 45).toString('latin1')).toContain('encoding="ISO-8859-1"');
    // "Æ" is one byte (0xC6) in Latin-1, two in UTF-8.
    expect(bytes.includes(Buffer.from([0x3e, 0xc6, 0x72, 0xf8, 0x3c]))).toBe(true);
    const text = iconv.decode(bytes, 'latin1');
    expect(text).toContain('<GivenName>Åsmund Øystein</GivenName>');
    // The en dash is outside Latin-1 and must become a character reference.
    expect(text).toContain('Stell på badet &#8211; morgen');
  });
});

describe('buildMessage: content', () => {
  const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', removeNSPrefix: true, parseTagValue: false });

  it('mirrors the requested identifiers, parties and status into MsgHead and payload', () => {
    const msgId = '6f1d3c7a-8a8b-4c2e-9d55-0d7f3a2b1c00';
    const xml = buildMessage({
      kind: 'LOG_UTSKREVET',
      version: '1.6',
      status: 'C',
      msgId,
      genDate: '2024-05-01T10:00:00',
      refToParent: 'parent-id',
      sender: { organisation: [{ name: 'St. Olavs hospital HF', herId: '59' }, { name: 'Medisinsk klinikk', herId: '90998' }] },
      receiver: { organisation: [{ name: 'Alvdal kommune', herId: '99387', orgNumber: '964952135' }, { name: 'Sykepleietjeneste', herId: '5078' }] },
      dischargedTo: { code: '11', text: 'Sykehjem' },
    }).toString('utf8');
    const doc = parser.parse(xml);
    const info = doc.MsgHead.MsgInfo;
    expect(info.Type['@V']).toBe('LOG_UTSKREVET');
    expect(info.MsgId).toBe(msgId);
    expect(info.ConversationRef).toEqual({ RefToParent: 'parent-id', RefToConversation: 'parent-id' });
    expect(info.Sender.Organisation.Organisation.Ident.Id).toBe('90998');
    expect(info.Receiver.Organisation.Ident.map((i: { Id: string }) => i.Id)).toEqual(['99387', '964952135']);
    const payload = doc.MsgHead.Document.RefDoc.Content.Pasientlogistikk;
    expect(payload.InformasjonOmForsendelsen.Forsendelsesstatus['@V']).toBe('C');
    expect(payload.MeldingOmUtskrevetPasient.UtskrevetTil.UtTil['@V']).toBe('11');
    expect(payload.MeldingOmUtskrevetPasient.TidsfestetHendelse.Hendelsekode['@V']).toBe('2');
  });

  it('writes Hoveddiagnose in PLO 1.5 always, in 1.6 only when known', () => {
    const diagnoses = [{ system: 'ICD10' as const, code: 'I509' }];
    const v15 = buildMessage({ kind: 'INNLEGGELSESRAPPORT', version: '1.5', diagnoses }).toString('utf8');
    const v16 = buildMessage({ kind: 'INNLEGGELSESRAPPORT', version: '1.6', diagnoses }).toString('utf8');
    expect(v15).toContain('<Hoveddiagnose>false</Hoveddiagnose>');
    expect(v16).not.toContain('Hoveddiagnose');
  });

  it('adds an attachment Document whose base64 decodes to the requested size', () => {
    const xml = buildMessage({ kind: 'DIALOG_HELSEFAGLIG', version: '1.1', attachmentBytes: 12345 }).toString('utf8');
    const doc = parser.parse(xml);
    const attachment = doc.MsgHead.Document[1].RefDoc;
    expect(attachment.MsgType['@V']).toBe('A');
    const base64 = String(attachment.Content.Base64Container['#text'] ?? attachment.Content.Base64Container).replace(/\s+/g, '');
    const pdf = Buffer.from(base64, 'base64');
    expect(pdf.length).toBe(12345);
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
  });

  it('writes bare Epikrise 1.1 with Type E and HER-ids on Inst/Dept', () => {
    const doc = parser.parse(buildMessage({ kind: 'EPIKRISE', version: '1.1', documentId: 'doc-1' }).toString('utf8'));
    expect(doc.Message.Type['@V']).toBe('E');
    expect(doc.Message.ServRprt.ServProvId).toBe('doc-1');
    expect(doc.Message.ServRprt.ServProvider.HCP.Inst.Dept.Id).toBe('90998');
  });

  it('refuses combinations the standard cannot carry, without echoing content', () => {
    expect(() => buildMessage({ kind: 'LOG_DOD', version: '1.6', diagnoses: [{ system: 'ICD10', code: 'I219' }] })).toThrow(/carries no diagnoses/);
    expect(() => buildMessage({ kind: 'ORIENTERING_TJENESTETILBUD', version: '2.0' })).toThrow(/not supported/);
    expect(() => buildMessage({ kind: 'EPIKRISE', version: '1.2', attachmentBytes: 10 })).toThrow(/MsgHead/);
    expect(() => supportedMessage('DIALOG_HELSEFAGLIG', '1.0')).toThrow(/not supported/);
  });
});

describe('randomMessage', () => {
  it('is reproducible for a seed', () => {
    const a = randomMessage(createRng(42));
    const b = randomMessage(createRng(42));
    expect(a.bytes.equals(b.bytes)).toBe(true);
  });

  it('produces a realistic mix of types, kommuner and sizes', () => {
    const rng = createRng(7);
    const sample = Array.from({ length: 400 }, () => randomMessage(rng, { attachmentShare: 0 }));
    const kinds = new Set(sample.map((s) => s.options.kind));
    const receivers = new Set(sample.map((s) => s.options.receiver?.organisation[0]?.herId));
    const patients = new Set(sample.map((s) => JSON.stringify(s.options.patient)));
    const sizes = sample.map((s) => s.bytes.length).sort((x, y) => x - y);
    expect(kinds.size).toBeGreaterThan(15);
    expect(receivers.size).toBeGreaterThan(8);
    expect(patients.size).toBeGreaterThan(390);
    expect(sizes[Math.floor(sizes.length * 0.05)]).toBeGreaterThanOrEqual(2500);
    expect(sizes[Math.floor(sizes.length * 0.95)]).toBeLessThanOrEqual(22000);
    expect(sample.some((s) => s.options.encoding === 'ISO-8859-1')).toBe(true);
  });
});
