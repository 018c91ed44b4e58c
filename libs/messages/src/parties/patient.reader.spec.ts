import { TEST_FNR } from '../testing/message-fixtures.util';
import { NS } from '../xml/namespaces.constant';
import { XmlElement } from '../xml/xml-element.model';
import { parseXml } from '../xml/xml-tree.util';
import { patientIdentifier, readBarePatient, readMsgHeadPatient } from './patient.reader';

/** Synthetic test persons (guide §7.19): Line Danser, and Roland Gundersen's number with Tenor's month +80. */
const LINE_DANSER_FNR = '13116900216';
const TENOR_SYNTHETIC_FNR = '15876500520';
/** A D-nummer with right check digits but month 40 (test-case zip, guide §7.19). */
const DNR_WITHOUT_DATE = '45406500520';

function collect(): { warn: (w: string) => void; warnings: string[] } {
  const warnings: string[] = [];
  return { warnings, warn: (w) => void warnings.push(w) };
}

function within(ns: string, xml: string): XmlElement {
  return parseXml(xml.replace(/^<(\w+)/, `<$1 xmlns="${ns}"`));
}

describe('patientIdentifier', () => {
  it('trims and upper-cases the type and reads a checkable number without its grouping spaces', () => {
    const { warn, warnings } = collect();
    expect(patientIdentifier(' fnr ', '150765 00565', warn)).toStrictEqual({ type: 'FNR', value: TEST_FNR, checksumValid: true, valid: true });
    expect(warnings).toEqual([]);
  });

  it('keeps the value of a type it cannot check exactly as sent, unchecked', () => {
    const { warn, warnings } = collect();
    expect(patientIdentifier('duf', '123 45678901', warn)).toStrictEqual({ type: 'DUF', value: '123 45678901' });
    expect(warnings).toEqual([]);
  });

  it('marks a synthetic test number (month +80) as synthetic and valid', () => {
    const { warn, warnings } = collect();
    expect(patientIdentifier('FNR', TENOR_SYNTHETIC_FNR, warn)).toStrictEqual({
      type: 'FNR',
      value: TENOR_SYNTHETIC_FNR,
      checksumValid: true,
      valid: true,
      synthetic: true,
    });
    expect(warnings).toEqual([]);
  });

  it('a failing checksum and a missing date are different warnings, each naming the type and never the number', () => {
    const { warn, warnings } = collect();
    expect(patientIdentifier('FNR', '15076500566', warn)).toStrictEqual({ type: 'FNR', value: '15076500566', checksumValid: false, valid: false });
    expect(patientIdentifier('dnr', DNR_WITHOUT_DATE, warn)).toStrictEqual({ type: 'DNR', value: DNR_WITHOUT_DATE, checksumValid: true, valid: false });
    expect(warnings).toEqual([
      'Patient identifier of type FNR fails the mod-11 checksum',
      'Patient identifier of type DNR has no valid date or does not fit its type',
    ]);
  });

  it('a valid number under the wrong type is not valid (the date/type warning)', () => {
    const { warn, warnings } = collect();
    expect(patientIdentifier('DNR', TEST_FNR, warn)).toMatchObject({ checksumValid: true, valid: false });
    expect(warnings).toEqual(['Patient identifier of type DNR has no valid date or does not fit its type']);
  });
});

describe('readMsgHeadPatient', () => {
  it('undefined without a Patient element', () => {
    expect(readMsgHeadPatient(undefined, collect().warn)).toBeUndefined();
  });

  it('an empty Patient is a patient without identifiers or any other field', () => {
    expect(readMsgHeadPatient(within(NS.MSGHEAD, '<Patient/>'), collect().warn)).toStrictEqual({ identifiers: [] });
  });

  it('reads every Ident in order, the name parts, DateOfBirth as text and Sex/@V', () => {
    const { warn, warnings } = collect();
    const patient = readMsgHeadPatient(
      within(
        NS.MSGHEAD,
        `<Patient><FamilyName>Danser</FamilyName><MiddleName>M</MiddleName><GivenName>Line</GivenName><DateOfBirth>1969-11-13</DateOfBirth><Sex V="2"/>
          <Ident><Id>${LINE_DANSER_FNR}</Id><TypeId V="FNR"/></Ident><Ident><Id>X-1</Id><TypeId V="DUF"/></Ident></Patient>`,
      ),
      warn,
    );
    expect(patient).toStrictEqual({
      identifiers: [
        { type: 'FNR', value: LINE_DANSER_FNR, checksumValid: true, valid: true },
        { type: 'DUF', value: 'X-1' },
      ],
      familyName: 'Danser',
      middleName: 'M',
      givenName: 'Line',
      dateOfBirth: '1969-11-13',
      sex: '2',
    });
    expect(warnings).toEqual([]);
  });

  it('an Ident without Id or TypeId is skipped with a warning that carries no value', () => {
    const { warn, warnings } = collect();
    const patient = readMsgHeadPatient(
      within(
        NS.MSGHEAD,
        `<Patient><Ident><Id>${LINE_DANSER_FNR}</Id></Ident><Ident><TypeId V="FNR"/></Ident><Ident><Id>X-1</Id><TypeId V="DUF"/></Ident></Patient>`,
      ),
      warn,
    );
    expect(patient?.identifiers).toStrictEqual([{ type: 'DUF', value: 'X-1' }]);
    expect(warnings).toEqual(['Patient Ident without Id or TypeId ignored', 'Patient Ident without Id or TypeId ignored']);
  });

  it('elements outside the MsgHead namespace are not read', () => {
    expect(readMsgHeadPatient(within(NS.HENVISNING_10, `<Patient><FamilyName>Danser</FamilyName></Patient>`), collect().warn)).toStrictEqual({
      identifiers: [],
    });
  });
});

describe('readBarePatient (Epikrise / Henvisning 1.x)', () => {
  const NS1 = NS.EPIKRISE_12;
  const read = (xml: string, warn = collect().warn) => readBarePatient(within(NS1, xml), NS1, warn);

  it('undefined without a Patient element', () => {
    expect(readBarePatient(undefined, NS1, collect().warn)).toBeUndefined();
  });

  it('reads OffId + TypeOffId (type any case), Name "Etternavn, Fornavn", DateOfBirth/@V and Sex/@V', () => {
    const { warn, warnings } = collect();
    expect(
      read(`<Patient><Name>Danser, Line</Name><DateOfBirth V="1969-11-13"/><Sex V="2"/><OffId>131169 00216</OffId><TypeOffId V="fnr"/></Patient>`, warn),
    ).toStrictEqual({
      identifiers: [{ type: 'FNR', value: LINE_DANSER_FNR, checksumValid: true, valid: true }],
      familyName: 'Danser',
      givenName: 'Line',
      dateOfBirth: '1969-11-13',
      sex: '2',
    });
    expect(warnings).toEqual([]);
  });

  it('splits the name at the first comma only; a name of only a comma has no parts', () => {
    expect(read('<Patient><Name>Danser, Line, Marie</Name></Patient>')).toStrictEqual({ identifiers: [], familyName: 'Danser', givenName: 'Line, Marie' });
    expect(read('<Patient><Name> , </Name></Patient>')).toStrictEqual({ identifiers: [] });
  });

  it('a Patient without anything is a patient without identifiers and without a warning', () => {
    const { warn, warnings } = collect();
    expect(read('<Patient/>', warn)).toStrictEqual({ identifiers: [] });
    expect(warnings).toEqual([]);
  });

  it('a DateOfBirth written as text is read too', () => {
    expect(read('<Patient><DateOfBirth>1969-11-13</DateOfBirth></Patient>')?.dateOfBirth).toBe('1969-11-13');
  });
});
