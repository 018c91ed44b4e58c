/**
 * mapPlo block by block (issue #18): what each poKomponent block of a PLO message becomes, read from
 * small hand-made PLO 1.6 / 2.0 payloads. Expected values follow from the message content and the
 * standard (guide §2.2–2.4: services, service needs, diagnoses, timed events, Pasientlogistikk subtypes),
 * and toStrictEqual is used so a field that is absent in the message is absent in the fact, not
 * present as undefined.
 */
import { MessageExceptionCode } from '../message.exception';
import { msgHead, orienteringPayload, parseFailure, parseText, ploPayload } from '../testing/message-fixtures.util';
import { NS } from '../xml/namespaces.constant';

const ORIENTERING_16 = { msgNs: 'http://www.kith.no/xmlstds/po/OrienteringOmTjenestetilbud/2012-04-01', poNs: NS.PO_16 };
const MEDISINSKE_16 = { root: 'OverforingMedisinskeOpplysninger', msgNs: 'http://www.kith.no/xmlstds/po/MedisinskeOpplysninger/2012-04-01', poNs: NS.PO_16 };
const SOKNAD_16 = { root: 'HelseopplysningerVedSoknad', msgNs: 'http://www.kith.no/xmlstds/po/HelseopplysningerVedSoknad/2012-04-01', poNs: NS.PO_16 };
const UTSKRIVNING_16 = { root: 'TverrfagligEpikrise', msgNs: 'http://www.kith.no/xmlstds/po/TverrfagligEpikrise/2012-04-01', poNs: NS.PO_16 };
const LOGISTICS_16 = { root: 'Pasientlogistikk', msgNs: 'http://www.kith.no/xmlstds/po/Pasientlogistikk/2012-04-01', poNs: NS.PO_16 };
const SAKSBEHANDLING_20 = 'http://ehelse.no/xmlstds/po/HelseopplysningerSaksbehandling/2016-05-30';

const ICD10 = '2.16.578.1.12.4.1.1.7110';

/** A Pasientlogistikk 1.6 message of MsgInfo/Type `msgType` whose pl-namespace subtype `subtype` holds `content`. */
function logistics(msgType: string, subtype: string, content: string, extra = ''): string {
  return msgHead({ msgType, payload: ploPayload({ ...LOGISTICS_16, body: `<pl:${subtype}>${content}</pl:${subtype}>${extra}` }) });
}

/** A TidsfestetHendelse (1.x: the time is a kith:TS with its value in @V). */
function event(o: { code?: string; time?: string; estimated?: string; description?: string }): string {
  return `<TidsfestetHendelse>${o.code === undefined ? '' : `<Hendelsekode V="${o.code}" S="2.16.578.1.12.4.1.1.9121"/>`}${
    o.description === undefined ? '' : `<BeskrivelseAvHendelse>${o.description}</BeskrivelseAvHendelse>`
  }${o.time === undefined ? '' : `<TidspunktForHendelse V="${o.time}"/>`}${o.estimated === undefined ? '' : `<Anslag>${o.estimated}</Anslag>`}</TidsfestetHendelse>`;
}

describe('mapPlo: blocks a message does not carry stay empty', () => {
  it('an Orientering with one service has no service needs, diagnoses or events, and no warnings', () => {
    const m = parseText(msgHead({ payload: orienteringPayload(ORIENTERING_16) }));
    expect(m.services).toStrictEqual([{ iplosCode: '15', privateService: false, amount: '2', startDate: '2024-01-01' }]);
    expect(m.serviceNeeds).toStrictEqual([]);
    expect(m.diagnoses).toStrictEqual([]);
    expect(m.patientEvents).toStrictEqual([]);
    expect(m.warnings).toStrictEqual([]);
  });

  it('a Medisinske opplysninger with only diagnoses has no services', () => {
    const body = '<InfoMedisinskDiagnose><MedisinskDiagnose><Diagnosekode V="I50.9" S="2.16.578.1.12.4.1.1.7110"/></MedisinskDiagnose></InfoMedisinskDiagnose>';
    const m = parseText(msgHead({ msgType: 'MEDISINSKE_OPPLYSNINGER', payload: ploPayload({ ...MEDISINSKE_16, body }) }));
    expect(m.services).toStrictEqual([]);
    expect(m.diagnoses).toHaveLength(1);
  });
});

describe('mapPlo: InformasjonOmForsendelsen', () => {
  it('a missing Forsendelsesstatus is a SCHEMA_VIOLATION naming the field and its code list', () => {
    const e = parseFailure(msgHead({ payload: orienteringPayload({ ...ORIENTERING_16, status: '' }) }));
    expect(e.code).toBe(MessageExceptionCode.SCHEMA_VIOLATION);
    expect(e.message).toBe('InformasjonOmForsendelsen/Forsendelsesstatus (code list 7309) is missing');
  });

  it('a SvarPaaForesporsel that is not an xs:boolean is warned about by its path; a valid one is not', () => {
    const bad = parseText(msgHead({ payload: orienteringPayload({ ...ORIENTERING_16, status: '<Forsendelsesstatus V="N"/><SvarPaaForesporsel>ja</SvarPaaForesporsel>' }) }));
    expect(bad.status).toBe('N');
    expect(bad.warnings).toStrictEqual(['InformasjonOmForsendelsen/SvarPaaForesporsel: not an xs:boolean, ignored']);
    const good = parseText(msgHead({ payload: orienteringPayload({ ...ORIENTERING_16, status: '<Forsendelsesstatus V="M"/><SvarPaaForesporsel>true</SvarPaaForesporsel>' }) }));
    expect(good.status).toBe('M');
    expect(good.warnings).toStrictEqual([]);
  });

  it('PLO 2.0: status and SvarPaaForesporsel are read inside FellesAdministrativeOpplysninger', () => {
    const payload = `<pl:HelseopplysningerSaksbehandling xmlns:pl="${SAKSBEHANDLING_20}" xmlns:po="${NS.PO_20}"><po:TypeInnholdIMelding><po:TypeInnhold V="1"/></po:TypeInnholdIMelding><po:FellesAdministrativeOpplysninger><po:InformasjonOmForsendelsen><po:Forsendelsesstatus V="c"/><po:SvarPaaForesporsel>kanskje</po:SvarPaaForesporsel></po:InformasjonOmForsendelsen></po:FellesAdministrativeOpplysninger><po:EksisterendeTjeneste><po:BetegnelseTjeneste>Praktisk bistand</po:BetegnelseTjeneste><po:PrivatTjeneste>false</po:PrivatTjeneste></po:EksisterendeTjeneste></pl:HelseopplysningerSaksbehandling>`;
    const m = parseText(msgHead({ msgType: 'HELSEOPPL_SOKNAD', payload }));
    expect(m).toMatchObject({ standard: 'PLO', standardVersion: '2.0', status: 'C' });
    expect(m.services).toStrictEqual([{ description: 'Praktisk bistand', privateService: false }]);
    expect(m.warnings).toStrictEqual(['InformasjonOmForsendelsen/SvarPaaForesporsel: not an xs:boolean, ignored']);
  });
});

describe('mapPlo: EksisterendeTjeneste', () => {
  it('an IPLOS code without display text gives no iplosText, a display text without code gives no iplosCode', () => {
    const services =
      '<EksisterendeTjeneste><IPLOStjenestetype V="15" S="2.16.578.1.12.4.1.1.9151"/><PrivatTjeneste>false</PrivatTjeneste></EksisterendeTjeneste>' +
      '<EksisterendeTjeneste><IPLOStjenestetype DN="Hjemmesykepleie"/><PrivatTjeneste>true</PrivatTjeneste></EksisterendeTjeneste>';
    const m = parseText(msgHead({ payload: orienteringPayload({ ...ORIENTERING_16, services }) }));
    expect(m.services).toStrictEqual([
      { iplosCode: '15', privateService: false },
      { iplosText: 'Hjemmesykepleie', privateService: true },
    ]);
    // A display text is not a code: the second service is identified by neither code nor BetegnelseTjeneste.
    expect(m.warnings).toStrictEqual(['EksisterendeTjeneste[2] has neither IPLOStjenestetype nor BetegnelseTjeneste']);
  });

  it('an invalid PrivatTjeneste or AntallEnheter is left out with a warning naming the service position', () => {
    const services =
      '<EksisterendeTjeneste><IPLOStjenestetype V="1"/><PrivatTjeneste>false</PrivatTjeneste></EksisterendeTjeneste>' +
      '<EksisterendeTjeneste><IPLOStjenestetype V="5"/><PrivatTjeneste>nei</PrivatTjeneste><AntallEnheter>to</AntallEnheter><Enhet>timer per uke</Enhet></EksisterendeTjeneste>';
    const m = parseText(msgHead({ payload: orienteringPayload({ ...ORIENTERING_16, services }) }));
    expect(m.services).toStrictEqual([
      { iplosCode: '1', privateService: false },
      { iplosCode: '5', unit: 'timer per uke' },
    ]);
    expect(m.warnings).toStrictEqual([
      'EksisterendeTjeneste[2]/PrivatTjeneste: not an xs:boolean, ignored',
      'EksisterendeTjeneste[2]/AntallEnheter: not an xs:decimal, ignored',
    ]);
  });

  it('an EksisterendeTjeneste outside the poKomponent namespace is not a service', () => {
    const services =
      '<x:EksisterendeTjeneste xmlns:x="urn:example:other"><x:IPLOStjenestetype V="1"/></x:EksisterendeTjeneste>' +
      '<EksisterendeTjeneste><IPLOStjenestetype V="15"/></EksisterendeTjeneste>';
    const m = parseText(msgHead({ payload: orienteringPayload({ ...ORIENTERING_16, services }) }));
    expect(m.services).toStrictEqual([{ iplosCode: '15' }]);
  });
});

describe('mapPlo: TjenesteBehov', () => {
  it('reads the IPLOS display text alone, and numbers service needs separately from services', () => {
    const body =
      '<EksisterendeTjeneste><IPLOStjenestetype V="15"/></EksisterendeTjeneste>' +
      '<TjenesteBehov><IPLOStjenestetype DN="Praktisk bistand"/></TjenesteBehov><TjenesteBehov></TjenesteBehov>';
    const m = parseText(msgHead({ payload: orienteringPayload({ ...ORIENTERING_16, services: body }) }));
    expect(m.services).toStrictEqual([{ iplosCode: '15' }]);
    expect(m.serviceNeeds).toStrictEqual([{ iplosText: 'Praktisk bistand' }]);
    expect(m.warnings).toStrictEqual(['TjenesteBehov[2] is empty, ignored']);
  });

  it('AntallEnheterOnsket is an xs:double: a comma is fixed, a word is left out, both with a warning naming the need', () => {
    const body =
      '<TjenesteBehov><IPLOStjenestetype V="15"/><AntallEnheterOnsket>1,5</AntallEnheterOnsket></TjenesteBehov>' +
      '<TjenesteBehov><IPLOStjenestetype V="6"/><AntallEnheterOnsket>mange</AntallEnheterOnsket><Enhet>besøk</Enhet></TjenesteBehov>';
    const m = parseText(msgHead({ msgType: 'MEDISINSKE_OPPLYSNINGER', payload: ploPayload({ ...MEDISINSKE_16, body }) }));
    expect(m.serviceNeeds).toStrictEqual([
      { iplosCode: '15', amountRequested: '1.5' },
      { iplosCode: '6', unit: 'besøk' },
    ]);
    expect(m.warnings).toStrictEqual([
      'TjenesteBehov[1]/AntallEnheterOnsket: comma used as decimal separator, normalised',
      'TjenesteBehov[2]/AntallEnheterOnsket: not an xs:double, ignored',
    ]);
  });
});

describe('mapPlo: diagnoses', () => {
  it('diagnosis blocks with neither a code nor a text give no diagnosis', () => {
    const body =
      '<InfoMedisinskDiagnose><MedisinskDiagnose><Hoveddiagnose>true</Hoveddiagnose></MedisinskDiagnose></InfoMedisinskDiagnose>' +
      '<InfoIPLOSrelevantInformasjon><TidsperiodeDiagnose><StartdatoDiagnose>2020-01-01</StartdatoDiagnose></TidsperiodeDiagnose>' +
      '<TidsperiodeDiagnose><StartdatoDiagnose>2021-01-01</StartdatoDiagnose><MedisinskDiagnose><Hoveddiagnose>false</Hoveddiagnose></MedisinskDiagnose></TidsperiodeDiagnose></InfoIPLOSrelevantInformasjon>' +
      '<MedisinskfagligeOpplysninger><InfoTidligereSykdommer><TidligereSykdomFragment><FunksjonshemmingKroniskSykdom>true</FunksjonshemmingKroniskSykdom></TidligereSykdomFragment></InfoTidligereSykdommer></MedisinskfagligeOpplysninger>';
    const m = parseText(msgHead({ msgType: 'MEDISINSKE_OPPLYSNINGER', payload: ploPayload({ ...MEDISINSKE_16, body }) }));
    expect(m.diagnoses).toStrictEqual([]);
    expect(m.warnings).toStrictEqual([]);
  });

  it('a Hoveddiagnose that is not an xs:boolean leaves the main flag unknown, with a warning', () => {
    const body = `<InfoMedisinskDiagnose><MedisinskDiagnose><Hoveddiagnose>ja</Hoveddiagnose><Diagnosekode V="J44" S="${ICD10}" DN="KOLS"/></MedisinskDiagnose></InfoMedisinskDiagnose>`;
    const m = parseText(msgHead({ msgType: 'UTSKRIVNINGSRAPPORT', payload: ploPayload({ ...UTSKRIVNING_16, body }) }));
    expect(m.diagnoses).toStrictEqual([
      { context: 'PLO', isMain: 'unknown', codeSystemOid: ICD10, code: 'J44', normalizedCode: 'J44', codeSystemMismatch: false, display: 'KOLS' },
    ]);
    expect(m.warnings).toStrictEqual(['MedisinskDiagnose/Hoveddiagnose: not an xs:boolean, ignored']);
  });

  it('a dated diagnosis without SluttdatoDiagnose has a start date only; several InfoMedisinskDiagnose blocks are all read', () => {
    const body =
      `<InfoMedisinskDiagnose><MedisinskDiagnose><Hoveddiagnose>true</Hoveddiagnose><Diagnosekode V="I50" S="${ICD10}"/></MedisinskDiagnose></InfoMedisinskDiagnose>` +
      `<InfoMedisinskDiagnose><MedisinskDiagnose><DiagnoseBeskrivelse>demens</DiagnoseBeskrivelse></MedisinskDiagnose></InfoMedisinskDiagnose>` +
      `<InfoIPLOSrelevantInformasjon><TidsperiodeDiagnose><StartdatoDiagnose>2022-05-01</StartdatoDiagnose><MedisinskDiagnose><Diagnosekode V="F03" S="${ICD10}"/></MedisinskDiagnose></TidsperiodeDiagnose></InfoIPLOSrelevantInformasjon>`;
    const m = parseText(msgHead({ msgType: 'MEDISINSKE_OPPLYSNINGER', payload: ploPayload({ ...MEDISINSKE_16, body }) }));
    expect(m.diagnoses).toStrictEqual([
      { context: 'PLO', isMain: 'true', codeSystemOid: ICD10, code: 'I50', normalizedCode: 'I50', codeSystemMismatch: false },
      { context: 'PLO', isMain: 'unknown', text: 'demens' },
      { context: 'PLO_DATED', isMain: 'unknown', codeSystemOid: ICD10, code: 'F03', normalizedCode: 'F03', codeSystemMismatch: false, startDate: '2022-05-01' },
    ]);
  });
});

describe('mapPlo: TidsfestetHendelse outside Pasientlogistikk', () => {
  it('OpplysningOpphold (Helseopplysninger ved søknad): a coded discharge-ready date with description and estimate flag', () => {
    const body = `<OpplysningOpphold>${event({ code: '3', description: 'Forventet utskrivningsklar', time: '2024-03-10', estimated: 'true' })}</OpplysningOpphold>`;
    const m = parseText(msgHead({ msgType: 'HELSEOPPL_SOKNAD', payload: ploPayload({ ...SOKNAD_16, body }) }));
    expect(m.patientEvents).toStrictEqual([
      { kind: 'DISCHARGE_READY', eventCode: '3', description: 'Forventet utskrivningsklar', time: '2024-03-10', estimated: true },
    ]);
  });

  it('InfoIPLOSrelevantInformasjon: an uncoded event is OTHER whatever its description says (no Pasientlogistikk default)', () => {
    const body = `<InfoIPLOSrelevantInformasjon>${event({ description: 'Pasient innlagt', time: '2024-01-15', estimated: 'false' })}</InfoIPLOSrelevantInformasjon>`;
    const m = parseText(msgHead({ msgType: 'MEDISINSKE_OPPLYSNINGER', payload: ploPayload({ ...MEDISINSKE_16, body }) }));
    expect(m.patientEvents).toStrictEqual([{ kind: 'OTHER', description: 'Pasient innlagt', time: '2024-01-15', estimated: false }]);
  });

  it('an Anslag that is not an xs:boolean is left out with a warning', () => {
    const body = `<OpplysningOpphold>${event({ code: '1', time: '2024-03-01T08:00:00', estimated: 'kanskje' })}</OpplysningOpphold>`;
    const m = parseText(msgHead({ msgType: 'UTSKRIVNINGSRAPPORT', payload: ploPayload({ ...UTSKRIVNING_16, body }) }));
    expect(m.patientEvents).toStrictEqual([{ kind: 'ADMITTED', eventCode: '1', time: '2024-03-01T08:00:00' }]);
    expect(m.warnings).toStrictEqual(['TidsfestetHendelse/Anslag: not an xs:boolean, ignored']);
  });
});

describe('mapPlo: Pasientlogistikk subtypes', () => {
  it('LOG_DOD: an event coded 13 is a death', () => {
    const m = parseText(logistics('LOG_DOD', 'OrienteringOmDod', event({ code: '13', time: '2024-02-20T03:15:00', estimated: 'false' })));
    expect(m.patientEvents).toStrictEqual([{ kind: 'DEATH', eventCode: '13', time: '2024-02-20T03:15:00', estimated: false }]);
  });

  it('LOG_INNLAGT: the Hendelsekode wins over the subtype default; an unknown code is OTHER, not ADMITTED', () => {
    const m = parseText(logistics('LOG_INNLAGT', 'MeldingInnlagtPasient', event({ code: '99', time: '2024-01-29' })));
    expect(m.patientEvents).toStrictEqual([{ kind: 'OTHER', eventCode: '99', time: '2024-01-29' }]);
  });

  it('LOG_INNLAGT: an uncoded event is the admission', () => {
    const m = parseText(logistics('LOG_INNLAGT', 'MeldingInnlagtPasient', event({ time: '2024-01-29T10:00:00' })));
    expect(m.patientEvents).toStrictEqual([{ kind: 'ADMITTED', time: '2024-01-29T10:00:00' }]);
  });

  it('LOG_UTSKRIVNINGSKLAR carries several events: coded ones by their code, an uncoded one has no default', () => {
    const m = parseText(
      logistics(
        'LOG_UTSKRIVNINGSKLAR',
        'MeldingUtskrivningsklarPasient',
        event({ code: '1', time: '2024-01-29' }) + event({ code: '3', time: '2024-02-05' }) + event({ time: '2024-02-06' }),
      ),
    );
    expect(m.patientEvents).toStrictEqual([
      { kind: 'ADMITTED', eventCode: '1', time: '2024-01-29' },
      { kind: 'DISCHARGE_READY', eventCode: '3', time: '2024-02-05' },
      { kind: 'OTHER', time: '2024-02-06' },
    ]);
    expect(m.warnings).toStrictEqual([]);
  });

  it('LOG_AVMELDING: code 4 cancels a discharge-ready notice', () => {
    const m = parseText(logistics('LOG_AVMELDING', 'AvmeldingUtskrivningsklarPasient', event({ code: '4', time: '2024-02-07' })));
    expect(m.patientEvents).toStrictEqual([{ kind: 'DISCHARGE_READY_CANCELLED', eventCode: '4', time: '2024-02-07' }]);
  });

  it('LOG_UTSKREVET: UtTil and Uttilstand go onto the (uncoded, so default) discharge event', () => {
    const content = `${event({ time: '2024-02-10T11:00:00', estimated: 'false' })}<UtskrevetTil><Uttilstand V="1" DN="Som levende"/><UtTil V="11" DN="Sykehjem"/></UtskrevetTil>`;
    const m = parseText(logistics('LOG_UTSKREVET', 'MeldingOmUtskrevetPasient', content));
    expect(m.patientEvents).toStrictEqual([{ kind: 'DISCHARGED', time: '2024-02-10T11:00:00', estimated: false, dischargedTo: '11', dischargeCondition: '1' }]);
  });

  it('LOG_UTSKREVET: an empty UtskrevetTil still means a discharge, with no destination or condition', () => {
    const m = parseText(logistics('LOG_UTSKREVET', 'MeldingOmUtskrevetPasient', '<UtskrevetTil/>'));
    expect(m.patientEvents).toStrictEqual([{ kind: 'DISCHARGED' }]);
  });

  it('LOG_UTSKREVET: a discharge event is added after a non-discharge event when only UtskrevetTil tells of it', () => {
    const content = `${event({ code: '1', time: '2024-02-01' })}<UtskrevetTil><Uttilstand V="2"/></UtskrevetTil>`;
    const m = parseText(logistics('LOG_UTSKREVET', 'MeldingOmUtskrevetPasient', content));
    expect(m.patientEvents).toStrictEqual([
      { kind: 'ADMITTED', eventCode: '1', time: '2024-02-01' },
      { kind: 'DISCHARGED', dischargeCondition: '2' },
    ]);
  });

  it('a subtype element in the poKomponent namespace instead of the message namespace is no subtype', () => {
    const payload = ploPayload({ ...LOGISTICS_16, body: `<MeldingInnlagtPasient>${event({ code: '1', time: '2024-01-29' })}</MeldingInnlagtPasient>` });
    const e = parseFailure(msgHead({ msgType: 'LOG_INNLAGT', payload }));
    expect(e.code).toBe(MessageExceptionCode.SCHEMA_VIOLATION);
    expect(e.message).toBe("Pasientlogistikk has no subtype element for MsgInfo/Type 'LOG_INNLAGT'");
  });

  it('another element in the message namespace beside the subtype is neither a subtype nor a mismatch', () => {
    const m = parseText(logistics('LOG_INNLAGT', 'MeldingInnlagtPasient', event({ code: '1', time: '2024-01-29' }), '<pl:Tillegg/>'));
    expect(m.patientEvents).toStrictEqual([{ kind: 'ADMITTED', eventCode: '1', time: '2024-01-29' }]);
  });

  it('an element with a subtype name in a foreign namespace beside the real subtype is ignored, events and all', () => {
    const foreign = `<x:MeldingInnlagtPasient xmlns:x="urn:example:other">${event({ code: '2', time: '2024-02-01' })}</x:MeldingInnlagtPasient>`;
    const m = parseText(logistics('LOG_INNLAGT', 'MeldingInnlagtPasient', event({ code: '1', time: '2024-01-29' }), foreign));
    expect(m.patientEvents).toStrictEqual([{ kind: 'ADMITTED', eventCode: '1', time: '2024-01-29' }]);
  });

  it('only another element in the message namespace is still a Pasientlogistikk without its subtype', () => {
    const e = parseFailure(msgHead({ msgType: 'LOG_DOD', payload: ploPayload({ ...LOGISTICS_16, body: '<pl:Tillegg/>' }) }));
    expect(e.message).toBe("Pasientlogistikk has no subtype element for MsgInfo/Type 'LOG_DOD'");
  });

  it('a subtype that does not match MsgInfo/Type is a SCHEMA_VIOLATION naming both', () => {
    const e = parseFailure(logistics('LOG_UTSKREVET', 'MeldingInnlagtPasient', event({ code: '1', time: '2024-01-29' })));
    expect(e.code).toBe(MessageExceptionCode.SCHEMA_VIOLATION);
    expect(e.message).toBe("MsgInfo/Type 'LOG_UTSKREVET' does not match the Pasientlogistikk element 'MeldingInnlagtPasient'");
  });
});

describe('mapPlo: the rarely seen PLO types (guide §2.1, §2.4)', () => {
  /** A PLO 2.0 payload: InformasjonOmForsendelsen inside FellesAdministrativeOpplysninger, then `body`. */
  const plo20 = (root: string, segment: string, body: string) =>
    `<pl:${root} xmlns:pl="http://ehelse.no/xmlstds/po/${segment}/2016-05-30" xmlns:po="${NS.PO_20}"><po:TypeInnholdIMelding><po:TypeInnhold V="1"/></po:TypeInnholdIMelding><po:FellesAdministrativeOpplysninger><po:InformasjonOmForsendelsen><po:Forsendelsesstatus V="N"/></po:InformasjonOmForsendelsen></po:FellesAdministrativeOpplysninger>${body}</pl:${root}>`;

  it.each([
    ['TVERRFAGLIG_EPIKRISE', ploPayload({ ...UTSKRIVNING_16, body: '' }), 'TverrfagligEpikrise', '1.6'],
    ['KONSULTASJON', ploPayload({ root: 'Konsultasjon', msgNs: 'http://www.kith.no/xmlstds/po/HelseopplysningerTilLege/2012-04-01', poNs: NS.PO_16, body: '' }), 'Konsultasjon', '1.6'],
    ['FRAVARSMELDING', ploPayload({ root: 'MeldingFravar', msgNs: 'http://www.kith.no/xmlstds/po/MeldingFravar/2009-06-30', poNs: NS.PO_15, body: '' }), 'MeldingFravar', '1.5'],
    ['SAMMENFATNING', plo20('Sammenfatning', 'Sammenfatning', ''), 'Sammenfatning', '2.0'],
  ])('%s with its payload root is accepted', (msgType, payload, root, version) => {
    const m = parseText(msgHead({ msgType, payload }));
    expect(m).toMatchObject({ standard: 'PLO', standardVersion: version, payloadRoot: root, status: 'N' });
  });

  it('LOG_TILBAKEMELDING (2.0): TilbakemeldingUtskrivningsklarPasient is its subtype, with no default event kind', () => {
    const subtype =
      '<pl:TilbakemeldingUtskrivningsklarPasient><po:TidsfestetHendelse><po:Hendelsekode V="3"/><po:TidspunktForHendelse>2024-02-05T09:00:00</po:TidspunktForHendelse></po:TidsfestetHendelse>' +
      '<po:TidsfestetHendelse><po:TidspunktForHendelse>2024-02-06T09:00:00</po:TidspunktForHendelse></po:TidsfestetHendelse></pl:TilbakemeldingUtskrivningsklarPasient>';
    const m = parseText(msgHead({ msgType: 'LOG_TILBAKEMELDING', payload: plo20('Pasientlogistikk', 'Pasientlogistikk', subtype) }));
    expect(m.patientEvents).toStrictEqual([
      { kind: 'DISCHARGE_READY', eventCode: '3', time: '2024-02-05T09:00:00' },
      { kind: 'OTHER', time: '2024-02-06T09:00:00' },
    ]);
  });
});

describe('mapPlo: MsgInfo/Type in error messages', () => {
  it('a Type of 60 characters is quoted whole, one of 61 is clipped to 60 and marked', () => {
    const sixty = `LOG_${'X'.repeat(56)}`;
    expect(parseFailure(msgHead({ msgType: sixty, payload: orienteringPayload(ORIENTERING_16) })).message).toBe(
      `MsgInfo/Type '${sixty}' does not match the PLO payload root 'OrienteringOmTjenestetilbud'`,
    );
    const sixtyOne = `${sixty}Y`;
    expect(parseFailure(msgHead({ msgType: sixtyOne, payload: orienteringPayload(ORIENTERING_16) })).message).toBe(
      `MsgInfo/Type '${sixty}…' does not match the PLO payload root 'OrienteringOmTjenestetilbud'`,
    );
  });

  it('a known PLO Type with another PLO root is a mismatch, a Type with two roots accepts either', () => {
    expect(parseFailure(msgHead({ msgType: 'HELSEOPPL_SOKNAD', payload: ploPayload({ ...MEDISINSKE_16, body: '' }) })).message).toBe(
      "MsgInfo/Type 'HELSEOPPL_SOKNAD' does not match the PLO payload root 'OverforingMedisinskeOpplysninger'",
    );
    expect(parseText(msgHead({ msgType: 'HELSEOPPL_SOKNAD', payload: ploPayload({ ...SOKNAD_16, body: '' }) })).payloadRoot).toBe('HelseopplysningerVedSoknad');
  });
});
