/**
 * Parties, patients and the less common envelopes as parseMessage reads them: OtherReceivers that
 * name a person instead of an organisation, 1.x Inst trees with AdditionalId, several HCPersons and
 * an HCProf, bare Patient names, MsgHead wrapping a bare 1.x Message, and payload-less MsgHeads.
 * Expected values follow the standards (MsgHead 1.2, Epikrise / Henvisning 1.x, guide §7.15 and
 * §7.19), not the code.
 */
import { MessageExceptionCode } from './message.exception';
import { ParsedMessage } from './model/parsed-message.model';
import { ident, msgHead, parseFailure, parseText, patientXml, TEST_FNR, TEST_UUID } from './testing/message-fixtures.util';
import { NS } from './xml/namespaces.constant';

const parse = parseText;

const failure = parseFailure;

const DIALOG = `<Dialogmelding xmlns="${NS.DIALOG_10}"><Notat><TemaKodet V="1"/></Notat></Dialogmelding>`;

/** A bare Henvisning 1.0 Message with the given ServReq content (Requester and ServProvider included unless replaced). */
function henvisning1(servReq: string, opts: { requester?: string } = {}): string {
  const requester = opts.requester ?? '<Requester><HCP><Inst><Name>Legekontor</Name><Id>4711</Id><TypeId V="HER"/></Inst></HCP></Requester>';
  return `<Message xmlns="${NS.HENVISNING_10}"><Type V="H"/><MIGversion>1.0</MIGversion><GenDate V="2010-01-02"/><MsgId>${TEST_UUID}</MsgId>
    <ServReq><ServType V="N"/>${servReq}
      <ServProvider><HCP><Inst><Name>Sykehus</Name><Id>59</Id><TypeId V="HER"/></Inst></HCP></ServProvider>${requester}
    </ServReq></Message>`;
}

describe('parseMessage: MsgHead OtherReceiver', () => {
  it('an OtherReceiver that names a HealthcareProfessional only is a party without organisation, its name in reading order', () => {
    const person = `<OtherReceiver><RoleReceiver V="COP"/><HealthcareProfessional><FamilyName>Lege</FamilyName><MiddleName>Mellom</MiddleName><GivenName>Kari</GivenName>${ident('9144900', 'HPR', '2.16.578.1.12.4.1.1.8116')}${ident('081 234', 'HER')}</HealthcareProfessional></OtherReceiver>`;
    const m = parse(msgHead({ msgType: 'DIALOG_NOTAT', payload: DIALOG }).replace('<Patient>', `${person}<Patient>`));
    expect(m.otherReceivers).toEqual([
      {
        role: 'COP',
        organisation: [],
        healthcareProfessional: {
          name: 'Kari Mellom Lege',
          hprNumber: '9144900',
          herId: '81234',
          identifiers: [
            { type: 'HPR', id: '9144900' },
            { type: 'HER', id: '81234' },
          ],
        },
      },
    ]);
  });

  it('an OtherReceiver that names a Patient (no organisation, no person) is kept as an empty party with its role', () => {
    const m = parse(
      msgHead({ msgType: 'DIALOG_NOTAT', payload: DIALOG }).replace(
        '<Patient>',
        `<OtherReceiver><RoleReceiver V="PAS"/>${patientXml([TEST_FNR, 'FNR'])}</OtherReceiver><Patient>`,
      ),
    );
    expect(m.otherReceivers).toEqual([{ role: 'PAS', organisation: [] }]);
  });

  it('the innermost HealthcareProfessional of a nested Organisation becomes the party person; empty levels add nothing', () => {
    const sender = `<Sender><Organisation><OrganisationName>Alvdal kommune</OrganisationName>${ident('99387', 'HER')}<HealthcareProfessional><GivenName>Ytre</GivenName>${ident('1111', 'HER')}</HealthcareProfessional><Organisation><Organisation><OrganisationName>Hjemmetjenesten</OrganisationName>${ident('5078', 'HER')}<HealthcareProfessional><GivenName>Indre</GivenName><FamilyName>Person</FamilyName>${ident('2222', 'HER')}</HealthcareProfessional></Organisation></Organisation></Organisation></Sender>`;
    const m = parse(msgHead({ msgType: 'DIALOG_NOTAT', payload: DIALOG, sender }));
    expect(m.sender.organisation.map((o) => [o.name, o.herId])).toEqual([
      ['Alvdal kommune', '99387'],
      ['Hjemmetjenesten', '5078'],
    ]);
    expect(m.sender.healthcareProfessional).toEqual({ name: 'Indre Person', herId: '2222', identifiers: [{ type: 'HER', id: '2222' }] });
  });
});

describe('parseMessage: 1.x HCP parties', () => {
  it('Inst with AdditionalIds, Dept levels, several HCPersons and an HCProf: HCProf is the person, the HCPersons are kept in order', () => {
    const requester = `<Requester><HCP>
      <Inst><Name>Legesenteret</Name><Id>974 600 951</Id><TypeId V="enh"/>
        <AdditionalId><Id>4711</Id><Type V="HER"/></AdditionalId>
        <AdditionalId><Id>ignored-no-type</Id></AdditionalId>
        <Dept><Name>Fastlege</Name><Id>4712</Id><TypeId V="HER"/></Dept>
        <Dept/>
        <HCPerson><Name>Første</Name><Id>111</Id><TypeId V="HER"/></HCPerson>
        <HCPerson><Name>Andre</Name><Id>9144900</Id><TypeId V="HPR"/><AdditionalId><Id>222</Id><Type V="her"/></AdditionalId></HCPerson>
      </Inst>
      <HCProf><Name>Fastlegen</Name><Id>565501872</Id><TypeId V="HPR"/></HCProf>
    </HCP></Requester>`;
    const m = parse(henvisning1('<Id>ref-1</Id>', { requester }));
    expect(m.sender.organisation).toEqual([
      {
        name: 'Legesenteret',
        orgNumber: '974 600 951',
        herId: '4711',
        identifiers: [
          { type: 'ENH', id: '974 600 951' },
          { type: 'HER', id: '4711' },
        ],
      },
      { name: 'Fastlege', herId: '4712', identifiers: [{ type: 'HER', id: '4712' }] },
    ]);
    expect(m.sender.healthcareProfessional).toEqual({ name: 'Fastlegen', hprNumber: '565501872', identifiers: [{ type: 'HPR', id: '565501872' }] });
    expect(m.sender.otherProfessionals).toEqual([
      { name: 'Første', herId: '111', identifiers: [{ type: 'HER', id: '111' }] },
      {
        name: 'Andre',
        hprNumber: '9144900',
        herId: '222',
        identifiers: [
          { type: 'HPR', id: '9144900' },
          { type: 'HER', id: '222' },
        ],
      },
    ]);
  });

  it('one HCPerson and no HCProf: that HCPerson is the person and there are no other professionals', () => {
    const requester =
      '<Requester><HCP><Inst><Name>Legesenteret</Name><Id>4711</Id><TypeId V="HER"/><HCPerson><Name>Eneste</Name><Id>111</Id><TypeId V="HER"/></HCPerson></Inst></HCP></Requester>';
    const m = parse(henvisning1('<Id>ref-1</Id>', { requester }));
    expect(m.sender.healthcareProfessional).toEqual({ name: 'Eneste', herId: '111', identifiers: [{ type: 'HER', id: '111' }] });
    expect(m.sender.otherProfessionals).toBeUndefined();
  });

  it('a Requester without any identifier → SENDER_MISSING naming the element, not the content', () => {
    const requester = '<Requester><HCP><Inst><Name>Uten id</Name></Inst><HCProf><Name>Lege uten id</Name></HCProf></HCP></Requester>';
    const e = failure(henvisning1('<Id>ref-1</Id>', { requester }));
    expect(e.code).toBe(MessageExceptionCode.SENDER_MISSING);
    expect(e.message).toContain('ServReq/Requester');
    expect(e.message).not.toContain('Uten id');
  });

  it('a Requester identified by its person only is enough to answer it', () => {
    const requester = '<Requester><HCP><HCProf><Name>Lege</Name><Id>9144900</Id><TypeId V="HPR"/></HCProf></HCP></Requester>';
    expect(parse(henvisning1('<Id>ref-1</Id>', { requester })).sender.organisation).toEqual([]);
  });

  it('Henvisning 1.x without ServReq → SCHEMA_VIOLATION; without ServReq/Id the document key falls back with a warning', () => {
    const noServReq = `<Message xmlns="${NS.HENVISNING_10}"><Type V="H"/><MIGversion>1.0</MIGversion><GenDate V="2010-01-02"/><MsgId>${TEST_UUID}</MsgId></Message>`;
    expect(failure(noServReq).code).toBe(MessageExceptionCode.SCHEMA_VIOLATION);
    const m = parse(henvisning1(''));
    expect(m.explicitDocumentId).toBeUndefined();
    expect(m.warnings).toContain('ServReq/Id is missing; the document key falls back to MsgId');
    expect(parse(henvisning1('<Id>ref-1</Id>')).warnings).not.toContain('ServReq/Id is missing; the document key falls back to MsgId');
  });
});

describe('parseMessage: bare Patient', () => {
  function patientOf(patient: string): ParsedMessage {
    return parse(henvisning1(`<Id>ref-1</Id>${patient}`));
  }

  it('Name "Etternavn, Fornavn" is split and trimmed; a name without comma is the family name', () => {
    expect(patientOf('<Patient><Name> Danser ,  Line </Name><OffId>13116900216</OffId><TypeOffId V="FNR"/></Patient>').patient).toMatchObject({
      familyName: 'Danser',
      givenName: 'Line',
    });
    const single = patientOf('<Patient><Name>Danser</Name><OffId>13116900216</OffId><TypeOffId V="FNR"/></Patient>').patient;
    expect(single?.familyName).toBe('Danser');
    expect(single?.givenName).toBeUndefined();
  });

  it('an empty side of the comma leaves that name part out', () => {
    const given = patientOf('<Patient><Name>, Line</Name><OffId>13116900216</OffId><TypeOffId V="FNR"/></Patient>').patient;
    expect(given?.familyName).toBeUndefined();
    expect(given?.givenName).toBe('Line');
    const family = patientOf('<Patient><Name>Danser,</Name><OffId>13116900216</OffId><TypeOffId V="FNR"/></Patient>').patient;
    expect(family?.familyName).toBe('Danser');
    expect(family?.givenName).toBeUndefined();
  });

  it('DateOfBirth/@V and Sex/@V are read', () => {
    expect(
      patientOf('<Patient><Name>Danser, Line</Name><DateOfBirth V="1969-11-13"/><Sex V="2"/><OffId>13116900216</OffId><TypeOffId V="FNR"/></Patient>').patient,
    ).toMatchObject({
      dateOfBirth: '1969-11-13',
      sex: '2',
    });
  });

  it('OffId without TypeOffId, or the reverse, is ignored with a warning that does not carry the number', () => {
    for (const half of ['<OffId>13116900216</OffId>', '<TypeOffId V="FNR"/>']) {
      const m = patientOf(`<Patient><Name>Danser, Line</Name>${half}</Patient>`);
      expect(m.patient?.identifiers).toEqual([]);
      expect(m.warnings).toContain('Patient OffId without TypeOffId (or the reverse) ignored');
      expect(m.warnings.join(' ')).not.toContain('13116900216');
    }
    expect(patientOf('<Patient><Name>Danser, Line</Name></Patient>').warnings).not.toContain('Patient OffId without TypeOffId (or the reverse) ignored');
  });
});

describe('parseMessage: MsgHead Patient', () => {
  it('an Ident without Id or TypeId is ignored with a warning; a lower-case type and a grouped number are read', () => {
    const patient = `<Patient><FamilyName>Gundersen</FamilyName><MiddleName>M</MiddleName><GivenName>Roland</GivenName><DateOfBirth>1965-07-15</DateOfBirth><Sex V="1"/>
      <Ident><Id>150765 00565</Id><TypeId V="fnr" S="2.16.578.1.12.4.1.1.8116"/></Ident>
      <Ident><TypeId V="HNR" S="2.16.578.1.12.4.1.1.8116"/></Ident>
      <Ident><Id>1234</Id></Ident></Patient>`;
    const m = parse(msgHead({ msgType: 'DIALOG_NOTAT', payload: DIALOG, patient }));
    expect(m.patient).toEqual({
      identifiers: [{ type: 'FNR', value: TEST_FNR, checksumValid: true, valid: true }],
      familyName: 'Gundersen',
      middleName: 'M',
      givenName: 'Roland',
      dateOfBirth: '1965-07-15',
      sex: '1',
    });
    expect(m.warnings.filter((w) => w === 'Patient Ident without Id or TypeId ignored')).toHaveLength(2);
  });

  it('a number failing mod-11 and one with no valid date are told apart in the warnings, neither echoing the number', () => {
    // 15076500566: the last control digit is wrong. 31027550048: 31 February, control digits right.
    const m = parse(msgHead({ msgType: 'DIALOG_NOTAT', payload: DIALOG, patient: patientXml(['15076500566', 'FNR'], ['31027550048', 'FNR']) }));
    expect(m.patient?.identifiers.map((i) => [i.checksumValid, i.valid])).toEqual([
      [false, false],
      [true, false],
    ]);
    expect(m.warnings).toEqual(
      expect.arrayContaining([
        'Patient identifier of type FNR fails the mod-11 checksum',
        'Patient identifier of type FNR has no valid date or does not fit its type',
      ]),
    );
    expect(m.warnings.join(' ')).not.toMatch(/15076500566|31027550048/);
  });

  it('an identifier type the checks do not know is kept as sent, unchecked', () => {
    const m = parse(msgHead({ msgType: 'DIALOG_NOTAT', payload: DIALOG, patient: patientXml(['A 12', 'XXX']) }));
    expect(m.patient?.identifiers).toEqual([{ type: 'XXX', value: 'A 12' }]);
  });
});

describe('parseMessage: envelopes without the usual payload', () => {
  it('a non-PLO MsgHead without an XML Document is accepted with nothing to map and a warning', () => {
    const m = parse(msgHead({ msgType: 'DIALOG_NOTAT', payload: '' }));
    expect(m).toMatchObject({ envelope: 'MsgHead', status: null, services: [], diagnoses: [] });
    expect(m.warnings).toContain('MsgHead has no XML payload Document; nothing to map');
  });

  it('a PLO Type without an XML Document → SCHEMA_VIOLATION naming the missing payload', () => {
    const e = failure(msgHead({ msgType: 'ORIENTERING_TJENESTETILBUD', payload: '' }));
    expect(e.code).toBe(MessageExceptionCode.SCHEMA_VIOLATION);
    expect(e.message).toContain('(none)');
  });

  it('a bare Henvisning 1.0 Message wrapped in MsgHead: the standard, status, key and diagnoses of the Message, the patient of MsgHead', () => {
    const wrapped = henvisning1(
      '<Id>ref-9</Id><Patient><Name>Danser, Line</Name><OffId>13116900216</OffId><TypeOffId V="FNR"/></Patient><Diagnosis><Concept V="L88" S="2.16.578.1.12.4.1.1.7170"/></Diagnosis>',
    ).replace(/<\?xml[^>]*>/, '');
    const m = parse(msgHead({ msgType: 'HENVISNING', payload: wrapped }));
    expect(m).toMatchObject({ envelope: 'MsgHead', standard: 'HENVISNING', standardVersion: '1.0', status: 'N', explicitDocumentId: 'ref-9' });
    expect(m.diagnoses.map((d) => d.code)).toEqual(['L88']);
    // MsgHead's own Patient wins; the sender is MsgHead's.
    expect(m.patient?.familyName).toBe('Gundersen');
    expect(m.sender.organisation[0].herId).toBe('99387');
  });

  it('a wrapped bare Message supplies the patient when MsgHead has none', () => {
    const wrapped = henvisning1('<Id>ref-9</Id><Patient><Name>Danser, Line</Name><OffId>13116900216</OffId><TypeOffId V="FNR"/></Patient>');
    const m = parse(msgHead({ msgType: 'HENVISNING', payload: wrapped, patient: '' }));
    expect(m.patient).toMatchObject({ familyName: 'Danser', givenName: 'Line', identifiers: [{ type: 'FNR', value: '13116900216', valid: true }] });
  });

  it('a Dialogmelding with neither Notat nor Foresporsel is accepted with a warning; one with a Foresporsel without', () => {
    const empty = parse(msgHead({ msgType: 'DIALOG_NOTAT', payload: `<Dialogmelding xmlns="${NS.DIALOG_10}"/>` }));
    expect(empty.standard).toBe('DIALOGMELDING');
    expect(empty.warnings).toContain('Dialogmelding has neither Notat nor Foresporsel');
    const question = parse(
      msgHead({
        msgType: 'DIALOG_FORESPORSEL',
        payload: `<Dialogmelding xmlns="${NS.DIALOG_10}"><Foresporsel><TypeForesp V="1"/></Foresporsel></Dialogmelding>`,
      }),
    );
    expect(question.warnings).not.toContain('Dialogmelding has neither Notat nor Foresporsel');
  });

  it('a Dialogmelding under an unusual MsgInfo/Type is accepted with a warning naming the type', () => {
    const m = parse(msgHead({ msgType: 'EPIKRISE', payload: DIALOG }));
    expect(m.standard).toBe('DIALOGMELDING');
    expect(m.warnings).toContain("MsgInfo/Type 'EPIKRISE' is unusual for a Dialogmelding payload");
    expect(parse(msgHead({ msgType: 'DIALOG_NOTAT', payload: DIALOG })).warnings.join(' ')).not.toContain('is unusual');
  });
});
