/**
 * PLO blocks the main message specs do not reach: empty and half-filled services and service
 * needs, numbered warnings, Pasientlogistikk without its subtype and a discharge known only from
 * UtskrevetTil, and MsgInfo/Type values the PLO table does not know (HIS 1143–1149, guide §2.2–2.4).
 */
import { MessageExceptionCode } from './message.exception';
import { msgHead, orienteringPayload, parseFailure, parseText } from './testing/message-fixtures.util';
import { NS } from './xml/namespaces.constant';

const PLO16 = { msgNs: 'http://www.kith.no/xmlstds/po/OrienteringOmTjenestetilbud/2012-04-01', poNs: NS.PO_16 };
const LOGISTICS_20 = 'http://ehelse.no/xmlstds/po/Pasientlogistikk/2016-05-30';

const parse = parseText;

const failure = parseFailure;

function logistics(subtype: string): string {
  return `<p:Pasientlogistikk xmlns:p="${LOGISTICS_20}" xmlns:po="${NS.PO_20}"><po:FellesAdministrativeOpplysninger><po:InformasjonOmForsendelsen><po:Forsendelsesstatus V="N"/></po:InformasjonOmForsendelsen></po:FellesAdministrativeOpplysninger>${subtype}</p:Pasientlogistikk>`;
}

describe('parseMessage: PLO services and service needs', () => {
  it('an empty EksisterendeTjeneste is ignored with a warning naming its position; the next one is still read', () => {
    const services = `<EksisterendeTjeneste/><EksisterendeTjeneste><IPLOStjenestetype V="15"/><Startdato>2024-01-01</Startdato></EksisterendeTjeneste>`;
    const m = parse(msgHead({ payload: orienteringPayload({ ...PLO16, services }) }));
    expect(m.services).toEqual([{ iplosCode: '15', startDate: '2024-01-01' }]);
    expect(m.warnings).toContain('EksisterendeTjeneste[1] is empty, ignored');
    expect(m.warnings).not.toContain('EksisterendeTjeneste[2] is empty, ignored');
  });

  it('a service with neither IPLOStjenestetype nor BetegnelseTjeneste is kept, with a warning; either one alone is enough', () => {
    const services = `<EksisterendeTjeneste><Startdato>2024-01-01</Startdato></EksisterendeTjeneste><EksisterendeTjeneste><BetegnelseTjeneste>Trygghetsalarm</BetegnelseTjeneste></EksisterendeTjeneste><EksisterendeTjeneste><IPLOStjenestetype V="15" DN="Hjemmesykepleie"/></EksisterendeTjeneste>`;
    const m = parse(msgHead({ payload: orienteringPayload({ ...PLO16, services }) }));
    expect(m.services).toEqual([{ startDate: '2024-01-01' }, { description: 'Trygghetsalarm' }, { iplosCode: '15', iplosText: 'Hjemmesykepleie' }]);
    expect(m.warnings.filter((w) => w.includes('has neither IPLOStjenestetype nor BetegnelseTjeneste'))).toEqual([
      'EksisterendeTjeneste[1] has neither IPLOStjenestetype nor BetegnelseTjeneste',
    ]);
  });

  it('every field of a service is read (decimal normalised, booleans parsed)', () => {
    const services = `<EksisterendeTjeneste><IPLOStjenestetype V="15"/><BetegnelseTjeneste>Hjemmesykepleie</BetegnelseTjeneste><PrivatTjeneste>1</PrivatTjeneste><TjenestenLevertAv>Sone nord</TjenestenLevertAv><AntallEnheter>+02.50</AntallEnheter><Enhet>timer per uke</Enhet><Startdato>2024-01-01</Startdato><Sluttdato>2024-12-31</Sluttdato><Merknad>kveld</Merknad></EksisterendeTjeneste>`;
    expect(parse(msgHead({ payload: orienteringPayload({ ...PLO16, services }) })).services).toEqual([
      {
        iplosCode: '15',
        description: 'Hjemmesykepleie',
        privateService: true,
        providedBy: 'Sone nord',
        amount: '2.5',
        unit: 'timer per uke',
        startDate: '2024-01-01',
        endDate: '2024-12-31',
        note: 'kveld',
      },
    ]);
  });

  it('TjenesteBehov: empty ones are ignored with a numbered warning; description falls back to BeskrivelseAvTjeneste', () => {
    const needs = `<TjenesteBehov/><TjenesteBehov><IPLOStjenestetype V="15" DN="Hjemmesykepleie"/><BeskrivelseAvTjeneste>Sårstell</BeskrivelseAvTjeneste><VedInstitusjon>Sykehjem</VedInstitusjon><AntallEnheterOnsket>3</AntallEnheterOnsket><Enhet>besøk</Enhet></TjenesteBehov><TjenesteBehov><BetegnelseTjeneste>Matombringing</BetegnelseTjeneste><BeskrivelseAvTjeneste>ikke denne</BeskrivelseAvTjeneste></TjenesteBehov>`;
    const m = parse(msgHead({ payload: orienteringPayload({ ...PLO16, services: needs }) }));
    expect(m.serviceNeeds).toEqual([
      { iplosCode: '15', iplosText: 'Hjemmesykepleie', description: 'Sårstell', atInstitution: 'Sykehjem', amountRequested: '3', unit: 'besøk' },
      { description: 'Matombringing' },
    ]);
    expect(m.warnings).toContain('TjenesteBehov[1] is empty, ignored');
    expect(m.warnings).not.toContain('TjenesteBehov[2] is empty, ignored');
  });
});

describe('parseMessage: Pasientlogistikk', () => {
  it('without its subtype element → SCHEMA_VIOLATION naming the Type', () => {
    const e = failure(msgHead({ msgType: 'LOG_INNLAGT', payload: logistics('') }));
    expect(e.code).toBe(MessageExceptionCode.SCHEMA_VIOLATION);
    expect(e.message).toBe("Pasientlogistikk has no subtype element for MsgInfo/Type 'LOG_INNLAGT'");
  });

  it('a discharge known only from UtskrevetTil becomes a DISCHARGED event with its destination', () => {
    const m = parse(
      msgHead({
        msgType: 'LOG_UTSKREVET',
        payload: logistics('<p:MeldingOmUtskrevetPasient><po:UtskrevetTil><po:UtTil V="3"/></po:UtskrevetTil></p:MeldingOmUtskrevetPasient>'),
      }),
    );
    expect(m.patientEvents).toEqual([{ kind: 'DISCHARGED', dischargedTo: '3' }]);
  });

  it('UtskrevetTil beside a dated discharge adds the destination to that event instead of a second one', () => {
    const subtype =
      '<p:MeldingOmUtskrevetPasient><po:TidsfestetHendelse><po:Hendelsekode V="2"/><po:TidspunktForHendelse>2024-02-01T12:00:00</po:TidspunktForHendelse></po:TidsfestetHendelse><po:UtskrevetTil><po:UtTil V="1"/></po:UtskrevetTil></p:MeldingOmUtskrevetPasient>';
    const m = parse(msgHead({ msgType: 'LOG_UTSKREVET', payload: logistics(subtype) }));
    expect(m.patientEvents).toEqual([{ kind: 'DISCHARGED', eventCode: '2', time: '2024-02-01T12:00:00', dischargedTo: '1' }]);
  });
});

describe('parseMessage: PLO MsgInfo/Type', () => {
  it('a Type the PLO table does not know with a PLO payload → SCHEMA_VIOLATION with both values, a long Type clipped', () => {
    const long = `ORIENTERING_${'X'.repeat(80)}`;
    const e = failure(msgHead({ msgType: long, payload: orienteringPayload(PLO16) }));
    expect(e.code).toBe(MessageExceptionCode.SCHEMA_VIOLATION);
    expect(e.message).toBe(`MsgInfo/Type '${long.slice(0, 60)}…' does not match the PLO payload root 'OrienteringOmTjenestetilbud'`);
  });
});
