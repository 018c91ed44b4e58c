import { MessageException, MessageExceptionCode } from '../message.exception';
import { ParsedMessage, PatientIdentifier, PatientInfo, Standard } from '../model/parsed-message.model';
import { TEST_FNR, TEST_UUID } from '../testing/message-fixtures.util';
import { assertPatientIdentified, isUsablePatientIdentifier, patientRequired } from './patient-identification.util';

/** A parsed message with only what the patient policy looks at. */
function message(standard: Standard, patient?: PatientInfo): ParsedMessage {
  const m: ParsedMessage = {
    envelope: 'MsgHead',
    standard,
    standardVersion: '',
    payloadNamespace: 'urn:payload',
    payloadRoot: 'Root',
    msgId: TEST_UUID,
    msgType: 'TYPE_X',
    genDate: '2024-03-01T10:00:00',
    status: null,
    sender: { organisation: [] },
    receiver: { organisation: [] },
    otherReceivers: [],
    services: [],
    serviceNeeds: [],
    diagnoses: [],
    patientEvents: [],
    attachments: [],
    warnings: [],
  };
  if (patient !== undefined) m.patient = patient;
  return m;
}

const validFnr: PatientIdentifier = { type: 'FNR', value: TEST_FNR, checksumValid: true, valid: true };
const badFnr: PatientIdentifier = { type: 'FNR', value: '15076500566', checksumValid: false, valid: false };
const badHnr: PatientIdentifier = { type: 'HNR', value: '25436000305', checksumValid: false, valid: false };

function thrown(m: ParsedMessage): MessageException {
  try {
    assertPatientIdentified(m);
  } catch (e) {
    expect(e).toBeInstanceOf(MessageException);
    return e as MessageException;
  }
  throw new Error('expected a MessageException');
}

describe('isUsablePatientIdentifier', () => {
  it('a checked identifier must be valid; an unchecked one needs a value that is not blank', () => {
    expect(isUsablePatientIdentifier(validFnr)).toBe(true);
    expect(isUsablePatientIdentifier(badFnr)).toBe(false);
    expect(isUsablePatientIdentifier({ type: 'DUF', value: 'X-1' })).toBe(true);
    expect(isUsablePatientIdentifier({ type: 'DUF', value: '  ' })).toBe(false);
    expect(isUsablePatientIdentifier({ type: 'DUF', value: '' })).toBe(false);
  });
});

describe('patientRequired', () => {
  it.each([
    ['PLO', true],
    ['EPIKRISE', true],
    ['HENVISNING', true],
    ['DIALOGMELDING', false],
    ['APPREC', false],
    ['OTHER', false],
  ] as Array<[Standard, boolean]>)('%s → %s', (standard, expected) => {
    expect(patientRequired({ standard })).toBe(expected);
  });
});

describe('assertPatientIdentified', () => {
  it('a standard that makes the patient optional passes without a patient, and with one that names nothing', () => {
    expect(() => assertPatientIdentified(message('DIALOGMELDING'))).not.toThrow();
    expect(() => assertPatientIdentified(message('OTHER', { identifiers: [] }))).not.toThrow();
  });

  it.each([
    ['a family name', { familyName: 'Danser' }],
    ['a given name', { givenName: 'Line' }],
    ['a middle name', { middleName: 'M' }],
    ['a date of birth', { dateOfBirth: '1969-11-13' }],
  ])('an optional patient that names %s must still be identified → PATIENT_ID_MISSING', (_label, fields) => {
    expect(thrown(message('DIALOGMELDING', { identifiers: [], ...fields })).code).toBe(MessageExceptionCode.PATIENT_ID_MISSING);
  });

  it('an optional patient with an unusable identifier → PATIENT_ID_INVALID', () => {
    expect(thrown(message('DIALOGMELDING', { identifiers: [badFnr] })).code).toBe(MessageExceptionCode.PATIENT_ID_INVALID);
  });

  it('a required patient that is missing → PATIENT_ID_MISSING with the header as partial', () => {
    const e = thrown(message('PLO'));
    expect(e.code).toBe(MessageExceptionCode.PATIENT_ID_MISSING);
    expect(e.message).toBe('The message has no patient identifier');
    expect(e.partial).toStrictEqual({ msgId: TEST_UUID, msgType: 'TYPE_X', genDate: '2024-03-01T10:00:00', namespace: 'urn:payload' });
  });

  it('one usable identifier among unusable ones is enough', () => {
    expect(() => assertPatientIdentified(message('EPIKRISE', { identifiers: [badHnr, validFnr] }))).not.toThrow();
  });

  it('no usable identifier → PATIENT_ID_INVALID listing each type once, cleaned and cut, never a value', () => {
    const odd: PatientIdentifier = { type: 'X<1>"; drop table/ABCDEFGHIJ', value: ' ' };
    const e = thrown(message('HENVISNING', { identifiers: [badFnr, badHnr, badFnr, odd, { type: 'DUF', value: ' ' }] }));
    expect(e.code).toBe(MessageExceptionCode.PATIENT_ID_INVALID);
    expect(e.message).toBe('No valid patient identifier: every identifier (FNR, HNR, X1droptabl, DUF) fails its checksum, date or type rules');
    expect(e.message).not.toMatch(/15076500566|25436000305/);
    expect(e.partial).toStrictEqual({ msgId: TEST_UUID, msgType: 'TYPE_X', genDate: '2024-03-01T10:00:00', namespace: 'urn:payload' });
  });
});
