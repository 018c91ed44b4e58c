import type { FhirResource, MappedResource } from '@hub/fhir';
import { filterResources, readSearchParameters, SearchParameterException } from './fhir-search';

const token = 'urn:oid:2.16.578.1.12.4.1.4.1|x';
const mapped = (resource: FhirResource): MappedResource => ({ resource, sources: [] });
const concept = (system: string, code: string) => ({ coding: [{ system, code }] });
const CLINICAL = 'http://terminology.hl7.org/CodeSystem/condition-clinical';
const VERIFICATION = 'http://terminology.hl7.org/CodeSystem/condition-ver-status';
const conditions = [
  mapped({ resourceType: 'Condition', id: 'live', clinicalStatus: concept(CLINICAL, 'active'), verificationStatus: concept(VERIFICATION, 'confirmed') }),
  mapped({ resourceType: 'Condition', id: 'over', clinicalStatus: concept(CLINICAL, 'resolved'), verificationStatus: concept(VERIFICATION, 'confirmed') }),
  // A retracted diagnosis: entered-in-error, and no clinicalStatus (FHIR con-5).
  mapped({ resourceType: 'Condition', id: 'gone', verificationStatus: concept(VERIFICATION, 'entered-in-error') }),
];
const ids = (found: MappedResource[]) => found.map((m) => m.resource.id);
const none = { status: [], date: [] };

describe('readSearchParameters: status parameters by R4 type', () => {
  it('reads Condition clinical-status and verification-status, lists and repeats', () => {
    const read = readSearchParameters({ 'patient.identifier': token, 'clinical-status': 'active,resolved', 'verification-status': ['confirmed'] }, 'Condition');
    expect(read).toMatchObject({ clinicalStatus: ['active', 'resolved'], verificationStatus: ['confirmed'], status: [] });
  });

  it('refuses status on Condition, naming its two, and the Condition ones on other types', () => {
    expect(() => readSearchParameters({ 'patient.identifier': token, status: 'active' }, 'Condition')).toThrow(
      new SearchParameterException('status is not a search parameter of Condition; use clinical-status or verification-status'),
    );
    expect(() => readSearchParameters({ 'patient.identifier': token, 'clinical-status': 'active' }, 'EpisodeOfCare')).toThrow('clinical-status is not a search parameter of EpisodeOfCare; use status');
    expect(() => readSearchParameters({ 'patient.identifier': token, 'verification-status': 'confirmed' }, 'Encounter')).toThrow('use status');
    expect(() => readSearchParameters({ 'patient.identifier': token, status: 'active' }, 'Provenance')).toThrow(/^status is not a search parameter of Provenance$/);
    expect(readSearchParameters({ 'patient.identifier': token, status: 'finished' }, 'Encounter').status).toEqual(['finished']);
  });
});

describe('filterResources: status tokens', () => {
  it('matches Condition clinical status; a retracted diagnosis has none, so it never matches one', () => {
    expect(ids(filterResources(conditions, { ...none, clinicalStatus: ['active'] }))).toEqual(['live']);
    expect(ids(filterResources(conditions, { ...none, clinicalStatus: ['active', 'resolved'] }))).toEqual(['live', 'over']);
  });

  it('matches verification status by code or system|code, and both parameters together', () => {
    expect(ids(filterResources(conditions, { ...none, verificationStatus: ['entered-in-error'] }))).toEqual(['gone']);
    expect(ids(filterResources(conditions, { ...none, verificationStatus: [`${VERIFICATION}|confirmed`] }))).toEqual(['live', 'over']);
    expect(ids(filterResources(conditions, { ...none, clinicalStatus: ['resolved'], verificationStatus: ['confirmed'] }))).toEqual(['over']);
  });

  it('matches status on the resource status, and everything without status parameters (page tokens sealed before them)', () => {
    const episodes = [mapped({ resourceType: 'EpisodeOfCare', id: 'a', status: 'active' }), mapped({ resourceType: 'EpisodeOfCare', id: 'f', status: 'finished' })];
    expect(ids(filterResources(episodes, { ...none, status: ['finished'] }))).toEqual(['f']);
    expect(ids(filterResources(conditions, none))).toEqual(['live', 'over', 'gone']);
  });
});
