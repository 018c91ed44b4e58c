import * as iconv from 'iconv-lite';
import { MessageExceptionCode } from './message.exception';
import { parseMessage } from './parse-message';
import { msgHead, orienteringPayload, parseFailure, parseText, TEST_UUID } from './testing/message-fixtures.util';
import { NS } from './xml/namespaces.constant';

const PLO16 = { msgNs: 'http://www.kith.no/xmlstds/po/OrienteringOmTjenestetilbud/2012-04-01', poNs: NS.PO_16 };
const HENVISNING2 = `<Henvisning xmlns="${NS.HENVISNING_20}"><ServType V="M"/><DocumentId>ref-2</DocumentId></Henvisning>`;
const SYKEHUS = '<ServProvider><HCP><Inst><Name>Sykehus</Name><Id>59</Id><TypeId V="HER"/></Inst></HCP></ServProvider>';
const LEGEKONTOR = '<Requester><HCP><Inst><Name>Legekontor</Name><Id>4711</Id><TypeId V="HER"/></Inst></HCP></Requester>';

describe('parseMessage: dispatch on the document root', () => {
  it.each([
    ['MsgHead in another namespace', '<MsgHead xmlns="urn:not-msghead"><MsgInfo/></MsgHead>', 'MsgHead', 'urn:not-msghead'],
    ['another root in the MsgHead namespace', `<Message xmlns="${NS.MSGHEAD}"/>`, 'Message', NS.MSGHEAD],
    ['an AppRec root in an Epikrise namespace', `<AppRec xmlns="${NS.EPIKRISE_11}"/>`, 'AppRec', NS.EPIKRISE_11],
    ['a Message root in an AppRec namespace', `<Message xmlns="${NS.APPREC_11}"/>`, 'Message', NS.APPREC_11],
    ['a root in no namespace', '<MsgHead/>', 'MsgHead', ''],
  ])('%s → UNSUPPORTED_FORMAT naming root and namespace; the partial header has the namespace', (_label, xml, root, ns) => {
    const e = parseFailure(xml);
    expect(e.code).toBe(MessageExceptionCode.UNSUPPORTED_FORMAT);
    expect(e.message).toBe(`Unsupported document root '${root}' in namespace '${ns}'`);
    expect(e.partial).toStrictEqual({ namespace: ns });
  });

  it('a very long unknown namespace is cut to 120 characters in the message', () => {
    const ns = `urn:${'n'.repeat(200)}`;
    expect(parseFailure(`<Root xmlns="${ns}"/>`).message).toBe(`Unsupported document root 'Root' in namespace '${ns.slice(0, 120)}'`);
  });

  it('bytes that are not XML → NOT_WELL_FORMED with an empty partial header', () => {
    const e = parseFailure('no xml here');
    expect(e.code).toBe(MessageExceptionCode.NOT_WELL_FORMED);
    expect(e.partial).toStrictEqual({});
  });
});

describe('parseMessage: what a failure carries', () => {
  it('a failure in the payload carries the MsgHead header read so far and the payload namespace', () => {
    const e = parseFailure(msgHead({ payload: orienteringPayload({ ...PLO16, status: '' }) }));
    expect(e.code).toBe(MessageExceptionCode.SCHEMA_VIOLATION);
    expect(e.partial).toStrictEqual({ msgId: TEST_UUID, msgType: 'ORIENTERING_TJENESTETILBUD', genDate: '2024-03-01T10:00:00', namespace: PLO16.msgNs });
  });

  it('a failure in the MsgHead header carries the MsgHead namespace', () => {
    const e = parseFailure(msgHead({ payload: orienteringPayload(PLO16) }).replace(/<GenDate>.*<\/GenDate>/, ''));
    expect(e.partial).toStrictEqual({ msgId: TEST_UUID, msgType: 'ORIENTERING_TJENESTETILBUD', namespace: NS.MSGHEAD });
  });
});

describe('parseMessage: warnings and encoding of the result', () => {
  it('keeps at most 100 warnings, the first ones', () => {
    const idents = Array.from({ length: 150 }, (_, i) => `<Ident><Id>${i}</Id></Ident>`).join('');
    const m = parseText(
      msgHead({ msgType: 'DIALOG_NOTAT', payload: `<Dialogmelding xmlns="${NS.DIALOG_10}"><Notat/></Dialogmelding>`, patient: `<Patient>${idents}</Patient>` }),
    );
    expect(m.warnings).toHaveLength(100);
    expect(new Set(m.warnings)).toEqual(new Set(['Patient Ident without Id or TypeId ignored']));
  });

  it('the decoder warnings come first in the warnings, and the encoding actually used is reported', () => {
    const xml = msgHead({
      encodingDecl: 'ISO-8859-1',
      msgType: 'DIALOG_NOTAT',
      payload: `<Dialogmelding xmlns="${NS.DIALOG_10}"><Notat/></Dialogmelding>`,
    }).replace('Legesenter', 'Legesenter “Sentrum”');
    const m = parseMessage(iconv.encode(xml, 'win1252'));
    expect(m.encoding).toBe('windows-1252');
    expect(m.receiver.organisation[0].name).toBe('Legesenter “Sentrum”');
    expect(m.warnings).toEqual(['Declared ISO-8859-1 but bytes 0x80-0x9F occur; decoded as windows-1252']);
  });
});

describe('parseMessage: the envelopes', () => {
  it('a bare Henvisning 1.1 Message: envelope, standard, version, header, parties and facts from the Message', () => {
    const xml = `<Message xmlns="${NS.HENVISNING_11}"><Type V="HENVISNING"/><MIGversion>1.1</MIGversion><GenDate V="2011-05-06T07:08:09"/><MsgId>${TEST_UUID}</MsgId><Status V="P"/>
      <ServReq><ServType V="N"/><Id>ref-1</Id>${SYKEHUS}${LEGEKONTOR}
        <CopyDest><HCP><Inst><Name>Kopi</Name><Id>333</Id><TypeId V="HER"/></Inst></HCP></CopyDest>
      </ServReq></Message>`;
    expect(parseText(xml)).toStrictEqual({
      envelope: 'Message',
      standard: 'HENVISNING',
      standardVersion: '1.1',
      payloadNamespace: NS.HENVISNING_11,
      payloadRoot: 'Message',
      msgId: TEST_UUID,
      msgType: 'HENVISNING',
      genDate: '2011-05-06T07:08:09',
      processingStatus: 'P',
      status: 'N',
      explicitDocumentId: 'ref-1',
      sender: { organisation: [{ name: 'Legekontor', herId: '4711', identifiers: [{ type: 'HER', id: '4711' }] }] },
      receiver: { role: 'PRIMARY', organisation: [{ name: 'Sykehus', herId: '59', identifiers: [{ type: 'HER', id: '59' }] }] },
      otherReceivers: [{ role: 'COP', organisation: [{ name: 'Kopi', herId: '333', identifiers: [{ type: 'HER', id: '333' }] }] }],
      services: [],
      serviceNeeds: [],
      diagnoses: [],
      patientEvents: [],
      attachments: [],
      warnings: [],
      encoding: 'utf-8',
    });
  });

  it('an AppRec 1.0: envelope AppRec, its header, parties and receipt, and nothing to project', () => {
    const xml = `<AppRec xmlns="${NS.APPREC_10}"><MsgType V="APPREC"/><MIGversion>v1.0 2004-11-21</MIGversion><GenDate>2024-01-01T10:00:00</GenDate><Id>${TEST_UUID}</Id>
      <Sender><Role V="PRIM"/><HCP><Inst><Name>Kommune</Name><Id>99387</Id><TypeId V="HER"/></Inst></HCP></Sender>
      <Receiver><Role V="AVS"/><HCP><Inst><Name>Sykehus</Name><Id>59</Id><TypeId V="HER"/></Inst></HCP></Receiver>
      <Status V="1"/><OriginalMsgId><MsgType V="EPIKRISE"/><IssueDate>2024-01-01T09:00:00</IssueDate><Id>original-1</Id></OriginalMsgId></AppRec>`;
    expect(parseText(xml)).toStrictEqual({
      envelope: 'AppRec',
      standard: 'APPREC',
      standardVersion: '1.0',
      payloadNamespace: NS.APPREC_10,
      payloadRoot: 'AppRec',
      msgId: TEST_UUID,
      msgType: 'APPREC',
      genDate: '2024-01-01T10:00:00',
      status: null,
      sender: { role: 'PRIM', organisation: [{ name: 'Kommune', herId: '99387', identifiers: [{ type: 'HER', id: '99387' }] }] },
      receiver: { role: 'AVS', organisation: [{ name: 'Sykehus', herId: '59', identifiers: [{ type: 'HER', id: '59' }] }] },
      appRec: { status: '1', originalMsgId: 'original-1', originalMsgType: 'EPIKRISE', errors: [] },
      otherReceivers: [],
      services: [],
      serviceNeeds: [],
      diagnoses: [],
      patientEvents: [],
      attachments: [],
      warnings: [],
      encoding: 'utf-8',
    });
  });

  it('a bare Message without Status has no processing status', () => {
    const xml = `<Message xmlns="${NS.HENVISNING_10}"><Type V="H"/><MIGversion>1.0</MIGversion><GenDate V="2010-01-02"/><MsgId>${TEST_UUID}</MsgId>
      <ServReq><ServType V="N"/><Id>ref-1</Id>${SYKEHUS}${LEGEKONTOR}</ServReq></Message>`;
    const m = parseText(xml);
    expect(m).toMatchObject({ envelope: 'Message', standard: 'HENVISNING', standardVersion: '1.0' });
    expect(m).not.toHaveProperty('processingStatus');
    expect(m).not.toHaveProperty('patient');
  });

  it('a MsgHead without Patient has no patient', () => {
    const m = parseText(msgHead({ msgType: 'DIALOG_NOTAT', payload: `<Dialogmelding xmlns="${NS.DIALOG_10}"><Notat/></Dialogmelding>`, patient: '' }));
    expect(m).not.toHaveProperty('patient');
  });

  it('a MsgHead without an XML Document has no payload namespace or root', () => {
    const m = parseText(msgHead({ msgType: 'DIALOG_NOTAT', payload: '' }));
    expect(m).toMatchObject({ envelope: 'MsgHead', standard: 'OTHER', standardVersion: '', payloadNamespace: '', payloadRoot: '' });
    expect(m).not.toHaveProperty('explicitDocumentId');
    expect(m).not.toHaveProperty('processingStatus');
    expect(m).not.toHaveProperty('conversationRef');
  });
});

describe('parseMessage: payloads inside MsgHead', () => {
  it('a Henvisning 2.0 payload: standard, version, status and key from the payload; a HENVISNING type gives no warning', () => {
    const m = parseText(msgHead({ msgType: 'HENVISNING', payload: HENVISNING2 }));
    expect(m).toMatchObject({ standard: 'HENVISNING', standardVersion: '2.0', status: 'M', explicitDocumentId: 'ref-2', payloadRoot: 'Henvisning' });
    expect(m.warnings).toEqual([]);
  });

  it('a Henvisning 2.0 payload under another MsgInfo/Type is mapped with a warning naming the type', () => {
    const m = parseText(msgHead({ msgType: 'DIALOG_NOTAT', payload: HENVISNING2 }));
    expect(m.standard).toBe('HENVISNING');
    expect(m.warnings).toEqual(["MsgInfo/Type 'DIALOG_NOTAT' is unusual for a Henvisning payload"]);
  });

  it('a Dialogmelding 1.1 payload: DIALOGMELDING 1.1 without status', () => {
    const m = parseText(msgHead({ msgType: 'DIALOG_FORESPORSEL', payload: `<Dialogmelding xmlns="${NS.DIALOG_11}"><Foresporsel/></Dialogmelding>` }));
    expect(m).toMatchObject({ standard: 'DIALOGMELDING', standardVersion: '1.1', status: null });
    expect(m.warnings).toEqual([]);
  });

  it('a payload root that is not the standard root of its namespace is an unknown payload (OTHER)', () => {
    const m = parseText(msgHead({ msgType: 'DIALOG_NOTAT', payload: `<Notat xmlns="${NS.DIALOG_10}"/>` }));
    expect(m).toMatchObject({ standard: 'OTHER', standardVersion: '', status: null, payloadNamespace: NS.DIALOG_10, payloadRoot: 'Notat' });
    expect(m).not.toHaveProperty('explicitDocumentId');
  });

  it('another root in the namespace of a bare standard is an unknown payload (OTHER), not a wrapped Message', () => {
    const m = parseText(msgHead({ msgType: 'EPIKRISE', payload: `<ServRprt xmlns="${NS.EPIKRISE_12}"><ServType V="N"/></ServRprt>` }));
    expect(m).toMatchObject({ standard: 'OTHER', standardVersion: '', status: null, payloadRoot: 'ServRprt' });
  });

  it('a wrapped bare Message without Patient in a MsgHead without Patient leaves the patient out', () => {
    const payload = `<Message xmlns="${NS.EPIKRISE_12}"><Type V="EPIKRISE"/><MIGversion>v1.2</MIGversion><GenDate V="2012-01-02"/><MsgId>inner-1</MsgId>
      <ServRprt><ServType V="N"/><ServProvId>doc-8</ServProvId>${SYKEHUS}${LEGEKONTOR}</ServRprt></Message>`;
    const m = parseText(msgHead({ msgType: 'EPIKRISE', payload, patient: '' }));
    expect(m).toMatchObject({ standard: 'EPIKRISE', explicitDocumentId: 'doc-8' });
    expect(m).not.toHaveProperty('patient');
  });

  it('an AppRec wrapped in MsgHead is not mapped as a receipt: OTHER', () => {
    const m = parseText(msgHead({ msgType: 'APPREC', payload: `<AppRec xmlns="${NS.APPREC_11}"/>` }));
    expect(m).toMatchObject({ envelope: 'MsgHead', standard: 'OTHER', standardVersion: '', status: null });
    expect(m).not.toHaveProperty('appRec');
  });

  it('a bare Epikrise 1.2 Message wrapped in MsgHead is mapped as Epikrise with the parties of MsgHead', () => {
    const payload = `<Message xmlns="${NS.EPIKRISE_12}"><Type V="EPIKRISE"/><MIGversion>v1.2</MIGversion><GenDate V="2012-01-02"/><MsgId>inner-1</MsgId>
      <ServRprt><ServType V="C"/><ServProvId>doc-7</ServProvId>${SYKEHUS}${LEGEKONTOR}</ServRprt></Message>`;
    const m = parseText(msgHead({ msgType: 'EPIKRISE', payload }));
    expect(m).toMatchObject({ envelope: 'MsgHead', standard: 'EPIKRISE', standardVersion: '1.2', status: 'C', explicitDocumentId: 'doc-7', msgId: TEST_UUID });
    expect(m.sender.organisation[0].herId).toBe('99387');
    expect(m.patient?.familyName).toBe('Gundersen');
  });

  it('a PLO root in the namespace of another PLO message names both in the SCHEMA_VIOLATION', () => {
    const payload = orienteringPayload({ ...PLO16, msgNs: 'http://www.kith.no/xmlstds/po/Innleggelsesrapport/2012-04-01' });
    expect(parseFailure(msgHead({ payload })).message).toBe(
      "PLO payload root 'OrienteringOmTjenestetilbud' is not in the namespace of that message (found 'Innleggelsesrapport')",
    );
  });

  it('a PLO Type over a non-PLO payload names the type and the payload root', () => {
    expect(parseFailure(msgHead({ payload: HENVISNING2 })).message).toBe(
      "MsgInfo/Type 'ORIENTERING_TJENESTETILBUD' does not match the payload root 'Henvisning'",
    );
  });
});
