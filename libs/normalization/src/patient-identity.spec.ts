import { createHmac } from 'node:crypto';
import type { PatientIdentifier } from '@hub/messages';
import { canonicalIdentifier, resolvePatientPseudonyms } from './patient-identity';

const KEY = 'test-key';
const KNR = '3428';
/** The pseudonym definition written out independently of libs/contracts. */
const pseudonym = (type: string, value: string) => createHmac('sha256', KEY).update(`${KNR}|${type}|${value}`).digest('base64url').slice(0, 32);
const resolve = (identifiers: PatientIdentifier[], sender: string | undefined = '111') => resolvePatientPseudonyms(KEY, KNR, { identifiers }, sender);

const FNR: PatientIdentifier = { type: 'FNR', value: '13116900216', checksumValid: true };
const DNR: PatientIdentifier = { type: 'DNR', value: '53116900228', checksumValid: true };
const FHN: PatientIdentifier = { type: 'FHN', value: '81234567894', checksumValid: true };
const HNR: PatientIdentifier = { type: 'HNR', value: '12345', checksumValid: true };

describe('resolvePatientPseudonyms', () => {
  it('names the person by FNR, then DNR, then FHN, then HNR, whatever order the message lists them in', () => {
    expect(resolve([HNR, FHN, DNR, FNR])).toEqual({
      primary: pseudonym('FNR', FNR.value),
      linked: [pseudonym('DNR', DNR.value), pseudonym('FHN', FHN.value), pseudonym('HNR', `111:${HNR.value}`)],
      identifierTypes: ['FNR', 'DNR', 'FHN', 'HNR'],
    });
    expect(resolve([HNR, FHN, DNR])?.primary).toBe(pseudonym('DNR', DNR.value));
    expect(resolve([HNR, FHN])?.primary).toBe(pseudonym('FHN', FHN.value));
    expect(resolve([HNR])).toEqual({ primary: pseudonym('HNR', `111:${HNR.value}`), linked: [], identifierTypes: ['HNR'] });
  });

  it('reads identifier types case-insensitively', () => {
    expect(resolve([{ ...DNR, type: 'dnr' }, { ...FNR, type: 'fnr' }])).toEqual({
      primary: pseudonym('FNR', FNR.value), linked: [pseudonym('DNR', DNR.value)], identifierTypes: ['FNR', 'DNR'],
    });
  });

  it('never uses an identifier that failed its checksum, an empty one, or an unknown type', () => {
    expect(resolve([{ ...FNR, checksumValid: false }, DNR])?.primary).toBe(pseudonym('DNR', DNR.value));
    expect(resolve([{ ...FNR, checksumValid: undefined }])?.primary).toBe(pseudonym('FNR', FNR.value));
    expect(resolve([{ ...FNR, value: '' }, HNR])?.primary).toBe(pseudonym('HNR', `111:${HNR.value}`));
    expect(resolve([{ type: 'PNR', value: '1', checksumValid: true }])).toBeUndefined();
    expect(resolve([{ ...FNR, checksumValid: false }])).toBeUndefined();
    expect(resolve([])).toBeUndefined();
    expect(resolvePatientPseudonyms(KEY, KNR, undefined, '111')).toBeUndefined();
  });

  it('scopes an H-nummer by the sender: the same number from two organisations is two people', () => {
    expect(resolve([HNR], '111')?.primary).not.toBe(resolve([HNR], '222')?.primary);
    expect(resolvePatientPseudonyms(KEY, KNR, { identifiers: [HNR] }, undefined)?.primary).toBe(pseudonym('HNR', `unknown:${HNR.value}`));
    // A national number is the same person whoever sends it.
    expect(resolve([FNR], '111')?.primary).toBe(resolve([FNR], '222')?.primary);
  });

  it('links each other pseudonym once and never the primary itself', () => {
    expect(resolve([FNR, FNR, DNR, DNR])).toEqual({ primary: pseudonym('FNR', FNR.value), linked: [pseudonym('DNR', DNR.value)], identifierTypes: ['FNR', 'DNR'] });
  });
});

describe('canonicalIdentifier', () => {
  it('upper-cases the type and scopes only H-numbers', () => {
    expect(canonicalIdentifier('hnr', '5', '9')).toEqual({ type: 'HNR', value: '9:5' });
    expect(canonicalIdentifier('fnr', '5', '9')).toEqual({ type: 'FNR', value: '5' });
  });
});
