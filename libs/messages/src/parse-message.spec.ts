import * as iconv from 'iconv-lite';
import { assertPatientIdentified } from './identifiers/patient-identification.util';
import { MessageException, MessageExceptionCode } from './message.exception';
import { ParsedMessage } from './model/parsed-message.model';
import { parseMessage } from './parse-message';
import { ident, msgHead, orienteringPayload, parseFailure, parseText, patientXml, TEST_FNR, TEST_UUID } from './testing/message-fixtures.util';
import { NS } from './xml/namespaces.constant';

const PLO16 = { msgNs: 'http://www.kith.no/xmlstds/po/OrienteringOmTjenestetilbud/2012-04-01', poNs: NS.PO_16 };
const PLO15 = { msgNs: 'http://www.kith.no/xmlstds/po/OrienteringOmTjenestetilbud/2009-06-30', poNs: NS.PO_15 };

const parse = parseText;

const failure = parseFailure;

describe('parseMessage: envelope checks', () => {
  it('maps a minimal PLO 1.6 Orientering', () => {
    const m = parse(msgHead({ payload: orienteringPayload(PLO16) }));
    expect(m).toMatchObject({ envelope: 'MsgHead', standard: 'PLO', standardVersion: '1.6', status: 'N', msgId: TEST_UUID });
    expect(m.payloadRoot).toBe('OrienteringOmTjenestetilbud');
    expect(m.services).toEqual([{ iplosCode: '15', privateService: false, amount: '2', startDate: '2024-01-01' }]);
    expect(m.sender.organisation).toEqual([
      { name: 'Alvdal kommune', herId: '99387', orgNumber: '333555666', identifiers: [{ type: 'HER', id: '99387' }, { type: 'ENH', id: '333555666' }] },
      { name: 'Saksbehandling', herId: '5078', identifiers: [{ type: 'HER', id: '5078' }] },
    ]);
    expect(m.receiver.role).toBe('PRIMARY');
    expect(m.encoding).toBe('utf-8');
  });

  it('is prefix-agnostic: the same message with prefixes everywhere', () => {
    const xml = msgHead({ payload: orienteringPayload(PLO16) })
      .replace(`<MsgHead xmlns="${NS.MSGHEAD}">`, `<ns9:MsgHead xmlns:ns9="${NS.MSGHEAD}">`)
      .replace(/<(\/?)(MsgHead|MsgInfo|Type|MIGversion|GenDate|MsgId|Sender|Receiver|Organisation|OrganisationName|Ident|Id|TypeId|Patient|FamilyName|GivenName|Document|RefDoc|MsgType|Content)([ />])/g, '<$1ns9:$2$3')
      .replace('</ns9:MsgHead>', '</ns9:MsgHead>');
    const m = parse(xml);
    expect(m.services).toHaveLength(1);
    expect(m.patient?.identifiers[0]).toMatchObject({ type: 'FNR', valid: true });
  });

  it.each(['12345', 'MSG-2024/000017', 'Æ-melding 1', 'x'.repeat(200)])('a MsgId that is not a UUID (%s) is accepted as sent (issue #12)', (msgId) => {
    expect(parse(msgHead({ msgId, payload: orienteringPayload(PLO16) })).msgId).toBe(msgId);
  });

  it.each([
    ['longer than 200 characters', 'x'.repeat(201), /longer than 200/],
    ['with a tab', 'abc\tdef', /control character/],
    ['with a line break', 'abc&#10;def', /control character/],
    ['with a C1 control character', 'abc&#x85;def', /control character/],
  ])('a MsgId %s → INVALID_MSG_ID (E10) with partial header', (_label, msgId, reason) => {
    const e = failure(msgHead({ msgId, payload: orienteringPayload(PLO16) }));
    expect(e.code).toBe(MessageExceptionCode.INVALID_MSG_ID);
    expect(e.message).toMatch(reason);
    expect(e.partial).toMatchObject({ msgType: 'ORIENTERING_TJENESTETILBUD', genDate: '2024-03-01T10:00:00' });
  });

  it('missing MsgId → INVALID_MSG_ID', () => {
    const e = failure(msgHead({ payload: orienteringPayload(PLO16) }).replace(/<MsgId>.*<\/MsgId>/, ''));
    expect(e.code).toBe(MessageExceptionCode.INVALID_MSG_ID);
  });

  it('Type/payload mismatch → SCHEMA_VIOLATION naming both values', () => {
    const e = failure(msgHead({ msgType: 'INNLEGGELSESRAPPORT', payload: orienteringPayload(PLO16) }));
    expect(e.code).toBe(MessageExceptionCode.SCHEMA_VIOLATION);
    expect(e.message).toContain('INNLEGGELSESRAPPORT');
    expect(e.message).toContain('OrienteringOmTjenestetilbud');
    expect(e.partial?.msgId).toBe(TEST_UUID);
  });

  it('a PLO Type with a Dialogmelding payload → SCHEMA_VIOLATION', () => {
    const e = failure(msgHead({ payload: `<Dialogmelding xmlns="${NS.DIALOG_11}"><Notat/></Dialogmelding>` }));
    expect(e.code).toBe(MessageExceptionCode.SCHEMA_VIOLATION);
    expect(e.message).toContain('Dialogmelding');
  });

  it('a PLO root in the namespace of another PLO message → SCHEMA_VIOLATION', () => {
    const payload = orienteringPayload({ ...PLO16, msgNs: 'http://www.kith.no/xmlstds/po/Innleggelsesrapport/2012-04-01' });
    expect(failure(msgHead({ payload })).code).toBe(MessageExceptionCode.SCHEMA_VIOLATION);
  });

  it('Pasientlogistikk subtype must match the LOG_ type', () => {
    const ns = 'http://www.kith.no/xmlstds/po/Pasientlogistikk/2012-04-01';
    const payload = `<p:Pasientlogistikk xmlns:p="${ns}" xmlns="${NS.PO_16}"><InformasjonOmForsendelsen><Forsendelsesstatus V="N"/></InformasjonOmForsendelsen><p:OrienteringOmDod><TidsfestetHendelse><TidspunktForHendelse V="2024-02-20"/><Anslag>false</Anslag></TidsfestetHendelse></p:OrienteringOmDod></p:Pasientlogistikk>`;
    const e = failure(msgHead({ msgType: 'LOG_INNLAGT', payload }));
    expect(e.code).toBe(MessageExceptionCode.SCHEMA_VIOLATION);
    expect(e.message).toContain('OrienteringOmDod');
    // LOG_DOD without Hendelsekode is still a death.
    const m = parse(msgHead({ msgType: 'LOG_DOD', payload }));
    expect(m.patientEvents).toEqual([{ kind: 'DEATH', time: '2024-02-20', estimated: false }]);
  });

  it('missing sender organisation ident → SENDER_MISSING (test case 1-13a blanks HER and ENH)', () => {
    const sender = `<Sender><Organisation><OrganisationName>Alvdal</OrganisationName><Ident><Id></Id><TypeId V="HER"/></Ident><Ident><Id/><TypeId V="ENH"/></Ident></Organisation></Sender>`;
    const e = failure(msgHead({ sender, payload: orienteringPayload(PLO16) }));
    expect(e.code).toBe(MessageExceptionCode.SENDER_MISSING);
    expect(e.partial?.msgId).toBe(TEST_UUID);
  });

  it('missing Forsendelsesstatus → SCHEMA_VIOLATION; unknown status too', () => {
    expect(failure(msgHead({ payload: orienteringPayload({ ...PLO16, status: '' }) })).code).toBe(MessageExceptionCode.SCHEMA_VIOLATION);
    expect(failure(msgHead({ payload: orienteringPayload({ ...PLO16, status: '<Forsendelsesstatus V="E"/>' }) })).code).toBe(
      MessageExceptionCode.SCHEMA_VIOLATION,
    );
  });

  it('unknown document root → UNSUPPORTED_FORMAT; broken XML → NOT_WELL_FORMED with no partial content', () => {
    expect(failure('<Envelope xmlns="urn:x"/>').code).toBe(MessageExceptionCode.UNSUPPORTED_FORMAT);
    const e = failure(msgHead({ payload: orienteringPayload(PLO16) }).replace('</MsgInfo>', ''));
    expect(e.code).toBe(MessageExceptionCode.NOT_WELL_FORMED);
    expect(e.message).not.toContain(TEST_FNR);
  });

  it('an unknown payload in MsgHead is accepted as OTHER with nothing to project', () => {
    const m = parse(msgHead({ msgType: 'RESEPT', payload: '<Resept xmlns="urn:eresept"><x/></Resept>' }));
    expect(m).toMatchObject({ standard: 'OTHER', standardVersion: '', payloadRoot: 'Resept', status: null, services: [], diagnoses: [] });
  });

  it('exception messages and warnings never contain the fødselsnummer', () => {
    const bad = '15076500566';
    const m = parse(msgHead({ patient: patientXml([bad, 'FNR']), payload: orienteringPayload(PLO16) }));
    expect(m.warnings.join(' ')).not.toContain(bad);
    expect(m.patient?.identifiers[0]).toMatchObject({ value: bad, checksumValid: false, valid: false });
    const e = catchPatient(m);
    expect(e.message).not.toContain(bad);
  });
});

describe('parseMessage: encodings', () => {
  it('decodes an ISO-8859-1 message end to end', () => {
    const xml = msgHead({
      encodingDecl: 'ISO-8859-1',
      payload: orienteringPayload({
        ...PLO16,
        services: `<EksisterendeTjeneste><BetegnelseTjeneste>Rengjøring, måltider og æbler</BetegnelseTjeneste><PrivatTjeneste>true</PrivatTjeneste></EksisterendeTjeneste>`,
      }),
    });
    const m = parseMessage(iconv.encode(xml, 'latin1'));
    expect(m.encoding).toBe('iso-8859-1');
    expect(m.services[0]).toEqual({ description: 'Rengjøring, måltider og æbler', privateService: true });
  });
});

describe('parseMessage: values', () => {
  it('normalises decimals, treats empty booleans and empty elements as absent', () => {
    const services = [
      '<EksisterendeTjeneste><IPLOStjenestetype V="1"/><PrivatTjeneste></PrivatTjeneste><AntallEnheter>0,5</AntallEnheter><Enhet></Enhet></EksisterendeTjeneste>',
      '<EksisterendeTjeneste><IPLOStjenestetype V="5"/><PrivatTjeneste>1</PrivatTjeneste><AntallEnheter>.5</AntallEnheter></EksisterendeTjeneste>',
      '<EksisterendeTjeneste><IPLOStjenestetype V="6"/><PrivatTjeneste>0</PrivatTjeneste><AntallEnheter>+1.50</AntallEnheter></EksisterendeTjeneste>',
      '<EksisterendeTjeneste/>',
    ].join('');
    const m = parse(msgHead({ payload: orienteringPayload({ ...PLO16, services }) }));
    expect(m.services).toEqual([
      { iplosCode: '1', amount: '0.5' },
      { iplosCode: '5', privateService: true, amount: '0.5' },
      { iplosCode: '6', privateService: false, amount: '1.5' },
    ]);
    expect(m.warnings).toEqual(expect.arrayContaining([expect.stringMatching(/EksisterendeTjeneste\[1\]\/AntallEnheter: comma/)]));
    expect(m.warnings).toEqual(expect.arrayContaining([expect.stringMatching(/EksisterendeTjeneste\[4\] is empty/)]));
  });

  it('keeps GenDate lexical, reads ConversationRef and ProcessingStatus', () => {
    const xml = msgHead({ genDate: '2009-09-10T11:31:54.148+02:00', payload: orienteringPayload(PLO16) }).replace(
      '<Sender>',
      '<ProcessingStatus V="T"/><ConversationRef><RefToParent>a</RefToParent><RefToConversation>b</RefToConversation></ConversationRef><Sender>',
    );
    const m = parse(xml);
    expect(m.genDate).toBe('2009-09-10T11:31:54.148+02:00');
    expect(m.processingStatus).toBe('T');
    expect(m.conversationRef).toEqual({ refToParent: 'a', refToConversation: 'b' });
  });

  it('collects all patient identifiers with their checks (FNR + HNR, test case 1-16d)', () => {
    const m = parse(msgHead({ patient: patientXml([TEST_FNR, 'FNR'], ['25436000305', 'HNR']), payload: orienteringPayload(PLO16) }));
    expect(m.patient?.identifiers).toEqual([
      { type: 'FNR', value: TEST_FNR, checksumValid: true, valid: true },
      { type: 'HNR', value: '25436000305', checksumValid: false, valid: false },
    ]);
    expect(() => assertPatientIdentified(m)).not.toThrow();
  });

  it('reads attachments with their decoded size and OtherReceivers with role', () => {
    const attachment = `<Document><RefDoc><MsgType V="A"/><MimeType>application/pdf</MimeType><Description>EKG</Description><Content><Base64Container xmlns="${NS.BASE64}">JVBERi0x\nLjQK</Base64Container></Content></RefDoc></Document>`;
    const xml = msgHead({ msgType: 'DIALOG_NOTAT', payload: `<Dialogmelding xmlns="${NS.DIALOG_10}"><Notat><TemaKodet V="1"/></Notat></Dialogmelding>`, extraDocuments: attachment }).replace(
      '<Patient>',
      `<OtherReceiver><RoleReceiver V="COP"/><Organisation><OrganisationName>Kopi</OrganisationName>${ident('4711', 'HER')}</Organisation></OtherReceiver><Patient>`,
    );
    const m = parse(xml);
    expect(m).toMatchObject({ standard: 'DIALOGMELDING', standardVersion: '1.0', status: null });
    expect(m.attachments).toEqual([{ mimeType: 'application/pdf', description: 'EKG', sizeBytes: 9 }]);
    expect(m.otherReceivers).toEqual([{ role: 'COP', organisation: [{ name: 'Kopi', herId: '4711', identifiers: [{ type: 'HER', id: '4711' }] }] }]);
  });
});

describe('parseMessage: other versions built from the XSDs', () => {
  it('PLO 1.5 Orientering', () => {
    const m = parse(msgHead({ payload: orienteringPayload(PLO15) }));
    expect(m).toMatchObject({ standard: 'PLO', standardVersion: '1.5', status: 'N' });
    expect(m.services).toHaveLength(1);
  });

  it('PLO 2.0 Pasientlogistikk: status under FellesAdministrativeOpplysninger, time as element text', () => {
    const ns = 'http://ehelse.no/xmlstds/po/Pasientlogistikk/2016-05-30';
    const payload = `<p:Pasientlogistikk xmlns:p="${ns}" xmlns:po="${NS.PO_20}"><po:FellesAdministrativeOpplysninger><po:InformasjonOmForsendelsen><po:Forsendelsesstatus V="C"/></po:InformasjonOmForsendelsen></po:FellesAdministrativeOpplysninger><p:MeldingInnlagtPasient><po:TidsfestetHendelse><po:Hendelsekode V="1"/><po:TidspunktForHendelse>2024-01-29T10:00:00</po:TidspunktForHendelse><po:Anslag>false</po:Anslag></po:TidsfestetHendelse></p:MeldingInnlagtPasient></p:Pasientlogistikk>`;
    const m = parse(msgHead({ msgType: 'LOG_INNLAGT', payload }));
    expect(m).toMatchObject({ standard: 'PLO', standardVersion: '2.0', status: 'C' });
    expect(m.patientEvents).toEqual([{ kind: 'ADMITTED', eventCode: '1', time: '2024-01-29T10:00:00', estimated: false }]);
  });

  it('PLO 1.6 Medisinske opplysninger: tri-state main, dated and historical diagnoses, code-system mismatch', () => {
    const ns = 'http://www.kith.no/xmlstds/po/MedisinskeOpplysninger/2012-04-01';
    const payload = `<p:OverforingMedisinskeOpplysninger xmlns:p="${ns}" xmlns="${NS.PO_16}">
      <InformasjonOmForsendelsen><Forsendelsesstatus V="N"/></InformasjonOmForsendelsen>
      <InfoMedisinskDiagnose>
        <MedisinskDiagnose><Diagnosekode V="K77" S="2.16.578.1.12.4.1.1.7110"/></MedisinskDiagnose>
        <MedisinskDiagnose><Hoveddiagnose>false</Hoveddiagnose><DiagnoseBeskrivelse>venstre side</DiagnoseBeskrivelse></MedisinskDiagnose>
        <MedisinskDiagnose><Hoveddiagnose>true</Hoveddiagnose><Diagnosekode V="i50.9" S="2.16.578.1.12.4.1.1.7110"/></MedisinskDiagnose>
        <MedisinskDiagnose><Diagnosekode V="C03C A01" S="2.16.578.1.12.4.1.1.7180"/></MedisinskDiagnose>
      </InfoMedisinskDiagnose>
      <InfoIPLOSrelevantInformasjon><TidsperiodeDiagnose><StartdatoDiagnose>2020-01-01</StartdatoDiagnose><SluttdatoDiagnose>2021-01-01</SluttdatoDiagnose><MedisinskDiagnose><Diagnosekode V="T90" S="2.16.578.1.12.4.1.1.7170"/></MedisinskDiagnose></TidsperiodeDiagnose></InfoIPLOSrelevantInformasjon>
      <MedisinskfagligeOpplysninger><InfoTidligereSykdommer><TidligereSykdomFragment><FunksjonshemmingKroniskSykdom>false</FunksjonshemmingKroniskSykdom><TidligereSykdom>Hofte</TidligereSykdom><Diagnosekode V="L89" S="2.16.578.1.12.4.1.1.7170"/></TidligereSykdomFragment></InfoTidligereSykdommer></MedisinskfagligeOpplysninger>
      <TjenesteBehov><IPLOStjenestetype V="15"/><AntallEnheterOnsket>1E1</AntallEnheterOnsket></TjenesteBehov>
    </p:OverforingMedisinskeOpplysninger>`;
    const m = parse(msgHead({ msgType: 'MEDISINSKE_OPPLYSNINGER', payload }));
    expect(m.diagnoses).toEqual([
      { context: 'PLO', isMain: 'unknown', codeSystemOid: '2.16.578.1.12.4.1.1.7110', code: 'K77', normalizedCode: 'K77', codeSystemMismatch: false },
      { context: 'PLO', isMain: 'false', text: 'venstre side' },
      { context: 'PLO', isMain: 'true', codeSystemOid: '2.16.578.1.12.4.1.1.7110', code: 'i50.9', normalizedCode: 'I509', codeSystemMismatch: false },
      { context: 'PLO', isMain: 'unknown', codeSystemOid: '2.16.578.1.12.4.1.1.7180', code: 'C03C A01', normalizedCode: 'C03CA01', codeSystemMismatch: true },
      {
        context: 'PLO_DATED',
        isMain: 'unknown',
        codeSystemOid: '2.16.578.1.12.4.1.1.7170',
        code: 'T90',
        normalizedCode: 'T90',
        codeSystemMismatch: false,
        startDate: '2020-01-01',
        endDate: '2021-01-01',
      },
      { context: 'PLO_HISTORY', isMain: 'unknown', codeSystemOid: '2.16.578.1.12.4.1.1.7170', code: 'L89', normalizedCode: 'L89', codeSystemMismatch: false, text: 'Hofte' },
    ]);
    expect(m.serviceNeeds).toEqual([{ iplosCode: '15', amountRequested: '1E1' }]);
  });

  it('Epikrise 1.0 (namespace without date, optional Type) and 1.1 (Type E)', () => {
    for (const [ns, type, version] of [
      [NS.EPIKRISE_10, '', '1.0'],
      [NS.EPIKRISE_11, '<Type V="E"/>', '1.1'],
    ] as const) {
      const m = parse(bareEpikrise(ns, type));
      expect(m).toMatchObject({ envelope: 'Message', standard: 'EPIKRISE', standardVersion: version, msgType: 'EPIKRISE', status: 'M' });
      expect(m.explicitDocumentId).toBe('doc-1');
      expect(m.genDate).toBe('2010-01-02T03:04:05');
      expect(m.sender.organisation.map((o) => o.herId)).toEqual(['111', '112']);
      expect(m.receiver).toMatchObject({ role: 'PRIMARY', organisation: [{ herId: '222' }] });
      expect(m.otherReceivers).toMatchObject([{ role: 'COP', organisation: [{ herId: '333' }] }]);
      expect(m.diagnoses.map((d) => [d.code, d.isMain, d.context, d.startDate, d.modifierOf])).toEqual([
        ['I330', 'true', 'EPIKRISE', '2010-01-01', undefined],
        ['B951', 'false', 'EPIKRISE', '2010-01-01', 'I330'],
        ['E119', 'false', 'EPIKRISE', '2010-01-01', undefined],
      ]);
      expect(m.patientEvents).toEqual([
        { kind: 'ADMITTED', time: '2010-01-01' },
        { kind: 'DISCHARGED', time: '2010-01-02' },
        { kind: 'DEATH', time: '2010-01-02' },
      ]);
      expect(m.patient).toMatchObject({ familyName: 'Danser', givenName: 'Line', identifiers: [{ type: 'FNR', valid: true }] });
    }
  });

  it('Henvisning 1.0 with Type H: sender = Requester, receiver = ServProvider, first diagnosis main', () => {
    const ns = NS.HENVISNING_10;
    const xml = `<Message xmlns="${ns}"><Type V="H"/><MIGversion>1.0</MIGversion><GenDate V="2010-01-02"/><MsgId>${TEST_UUID}</MsgId>
      <ServReq><ServType V="C"/><Id>ref-1</Id>
        <Patient><Name>Danser, Line</Name><OffId>13116900216</OffId><TypeOffId V="FNR"/></Patient>
        <ServProvider><HCP><Inst><Name>Sykehus</Name><Id>59</Id><TypeId V="HER"/></Inst></HCP></ServProvider>
        <Requester><HCP><HCProf><Name>Lege</Name><Id>9144900</Id><TypeId V="HPR"/></HCProf></HCP></Requester>
        <Diagnosis><Concept V="L88" S="2.16.578.1.12.4.1.1.7170"/></Diagnosis><Diagnosis><Concept V="A79" S="2.16.578.1.12.4.1.1.7170"/></Diagnosis>
      </ServReq></Message>`;
    const m = parse(xml);
    expect(m).toMatchObject({ standard: 'HENVISNING', standardVersion: '1.0', msgType: 'HENVISNING', status: 'C', explicitDocumentId: 'ref-1' });
    expect(m.sender).toEqual({ organisation: [], healthcareProfessional: { name: 'Lege', hprNumber: '9144900', identifiers: [{ type: 'HPR', id: '9144900' }] } });
    expect(m.receiver.organisation[0].herId).toBe('59');
    expect(m.diagnoses.map((d) => [d.code, d.isMain, d.context])).toEqual([
      ['L88', 'true', 'HENVISNING'],
      ['A79', 'false', 'HENVISNING'],
    ]);
  });

  it('AppRec 1.1 is read into appRec', () => {
    const xml = `<AppRec xmlns="${NS.APPREC_11}"><MsgType V="APPREC"/><MIGversion>v1.1 2012-02-15</MIGversion><GenDate>2024-01-01T10:00:00</GenDate><Id>${TEST_UUID}</Id>
      <Sender><Role V="PRIM"/><HCP><Inst><Name>Kommune</Name><Id>99387</Id><TypeId V="HER"/><Dept><Name>Tjeneste</Name><Id>5078</Id><TypeId V="HER"/></Dept></Inst></HCP></Sender>
      <Receiver><Role V="AVS"/><HCP><Inst><Name>Sykehus</Name><Id>59</Id><TypeId V="HER"/></Inst></HCP></Receiver>
      <Status V="2"/><Error V="E21" DN="Mottaker finnes ikke" S="2.16.578.1.12.4.1.1.8221" OT="detalj"/>
      <OriginalMsgId><MsgType V="LOG_INNLAGT"/><IssueDate>2024-01-01T09:00:00</IssueDate><Id>13a5da20-05c6-11e8-8f1a-0800200c9a66</Id></OriginalMsgId></AppRec>`;
    const m = parse(xml);
    expect(m).toMatchObject({ envelope: 'AppRec', standard: 'APPREC', standardVersion: '1.1', msgType: 'APPREC', status: null });
    expect(m.appRec).toEqual({
      status: '2',
      originalMsgId: '13a5da20-05c6-11e8-8f1a-0800200c9a66',
      originalMsgType: 'LOG_INNLAGT',
      errors: [{ code: 'E21', text: 'Mottaker finnes ikke', detail: 'detalj' }],
    });
    expect(m.sender).toMatchObject({ role: 'PRIM', organisation: [{ herId: '99387' }, { herId: '5078' }] });
    expect(failure(xml.replace(/<OriginalMsgId>.*<\/OriginalMsgId>/s, '')).code).toBe(MessageExceptionCode.SCHEMA_VIOLATION);
  });
});

describe('assertPatientIdentified', () => {
  const payload = orienteringPayload(PLO16);

  it('passes a valid FNR, DNR, or an unchecked type', () => {
    expect(() => assertPatientIdentified(parse(msgHead({ payload })))).not.toThrow();
    expect(() => assertPatientIdentified(parse(msgHead({ payload, patient: patientXml(['X123', 'DUF']) })))).not.toThrow();
  });

  it('PATIENT_ID_MISSING without patient or identifiers', () => {
    expect(catchPatient(parse(msgHead({ payload, patient: '' }))).code).toBe(MessageExceptionCode.PATIENT_ID_MISSING);
    expect(catchPatient(parse(msgHead({ payload, patient: '<Patient><FamilyName>X</FamilyName><Ident><Id></Id><TypeId V="FNR"/></Ident></Patient>' }))).code).toBe(
      MessageExceptionCode.PATIENT_ID_MISSING,
    );
  });

  it('PATIENT_ID_INVALID when the only FNR/DNR fail (DNR with checksum but no date too)', () => {
    const e = catchPatient(parse(msgHead({ payload, patient: patientXml(['15076500566', 'FNR']) })));
    expect(e.code).toBe(MessageExceptionCode.PATIENT_ID_INVALID);
    expect(e.partial?.msgId).toBe(TEST_UUID);
    expect(catchPatient(parse(msgHead({ payload, patient: patientXml(['45406500520', 'DNR']) }))).code).toBe(MessageExceptionCode.PATIENT_ID_INVALID);
    expect(catchPatient(parse(msgHead({ payload, patient: patientXml(['25436000305', 'HNR']) }))).code).toBe(MessageExceptionCode.PATIENT_ID_INVALID);
  });
});

function catchPatient(m: ParsedMessage): MessageException {
  try {
    assertPatientIdentified(m);
  } catch (e) {
    expect(e).toBeInstanceOf(MessageException);
    return e as MessageException;
  }
  throw new Error('expected a MessageException');
}

function bareEpikrise(ns: string, type: string): string {
  return `<Message xmlns="${ns}">${type}<MIGversion>v1</MIGversion><GenDate V="2010-01-02T03:04:05"/><MsgId>${TEST_UUID}</MsgId>
    <ServRprt><ServType V="M"/><ServProvId>doc-1</ServProvId>
      <Event><ReportedEvent><StartDateTime V="2010-01-01"/><EndDateTime V="2010-01-02"/></ReportedEvent>
        <InfItem><Observation><CodedDescr><Concept V="I330" S="2.16.578.1.12.4.1.1.7110"/><Modifier><Name V="S"/><Value V="B951" S="2.16.578.1.12.4.1.1.7110"/></Modifier></CodedDescr></Observation><Type V="H"/></InfItem>
        <InfItem><Observation><CodedDescr><Concept V="E119" S="2.16.578.1.12.4.1.1.7110"/></CodedDescr></Observation><Type V="B"/></InfItem>
        <InfItem><Observation><Description>fritekst</Description></Observation><Type V="ANAM"/></InfItem>
      </Event>
      <Patient><DateOfDeath V="2010-01-02"/><Name>Danser, Line</Name><OffId>13116900216</OffId><TypeOffId V="FNR"/></Patient>
      <ServProvider><HCP><Inst><Name>Sykehus</Name><Id>111</Id><TypeId V="HER"/><Dept><Name>Avd</Name><Id>112</Id><TypeId V="HER"/></Dept></Inst></HCP></ServProvider>
      <CopyDest><HCP><Inst><Name>Kopi</Name><Id>333</Id><TypeId V="HER"/></Inst></HCP></CopyDest>
      <Requester><HCP><Inst><Name>Legekontor</Name><Id>222</Id><TypeId V="HER"/></Inst></HCP></Requester>
    </ServRprt></Message>`;
}
