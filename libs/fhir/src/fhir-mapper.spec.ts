import type { DiagnosisView, SourceRef, TimelineEntry } from '@hub/projections';
import { condition, encounterResources, provenances, toFhirDateTime, toFhirInstant } from './fhir-mapper';

const patient = { identifier: { system: 'urn:oid:2.16.578.1.12.4.1.4.1', value: '01010112345' } };
const source = (msgId: string, over: Partial<SourceRef> = {}): SourceRef => ({
  msgId, msgType: 'LOG_UTSKREVET', reportedAt: '2024-05-10T12:05:00', reportedBy: 'Sykehuset', receivedAt: '2026-01-01T10:00:00.000Z', originalId: msgId, ...over,
});
const entry = (kind: string, time: string, msgId: string): TimelineEntry => ({ kind, time, eventCode: null, description: null, dischargedTo: null, retracted: false, source: source(msgId) });

describe('FHIR mapping', () => {
  it('makes one Encounter of a stay reported by logistics messages and an epikrise', () => {
    const stays = encounterResources(
      [entry('ADMITTED', '2024-05-01T10:00:00', 'a'), entry('ADMITTED', '2024-05-01T10:00:00', 'e'), entry('DISCHARGED', '2024-05-10T12:00:00', 'd'), entry('DISCHARGED', '2024-05-10T12:00:00', 'e')],
      patient,
    );
    expect(stays).toHaveLength(1);
    expect(stays[0].resource).toMatchObject({ status: 'finished', period: { start: '2024-05-01T10:00:00+02:00', end: '2024-05-10T12:00:00+02:00' } });
    expect(stays[0].sources.map((s) => s.msgId).sort()).toEqual(['a', 'd', 'e', 'e']);
  });

  it('gives one Provenance per source message, targeting every resource it produced', () => {
    const result = provenances([
      { resource: { resourceType: 'EpisodeOfCare', id: 'x' }, sources: [source('m1')] },
      { resource: { resourceType: 'EpisodeOfCare', id: 'y' }, sources: [source('m1'), source('m2', { receivedAt: null, reportedAt: '2024-02-03' })] },
    ]);
    expect(result).toHaveLength(2);
    expect(result[0]).toMatchObject({ id: 'p-m1', target: [{ reference: 'EpisodeOfCare/x' }, { reference: 'EpisodeOfCare/y' }], recorded: '2026-01-01T10:00:00.000Z', entity: [{ role: 'source', what: { reference: 'Binary/m1' } }] });
    // Without a receipt time, the GenDate is the best instant there is (local midnight, Oslo offset).
    expect(result[1]).toMatchObject({ target: [{ reference: 'EpisodeOfCare/y' }], recorded: '2024-02-03T00:00:00+01:00' });
  });

  it('writes a retracted diagnosis as entered-in-error without clinicalStatus (con-5)', () => {
    const d: DiagnosisView = {
      id: 'd1', codeSystem: '2.16.578.1.12.4.1.1.7110', code: 'I50', display: 'Hjertesvikt', text: null, isMain: 'true', firstReported: '2024-01-01T10:00:00',
      lastReported: '2024-01-01T10:00:00', startDate: null, endDate: null, retracted: true, contexts: ['EPIKRISE'], codeSystemMismatch: false, sources: [source('m1')],
    };
    const c = condition(d, patient);
    expect(c.clinicalStatus).toBeUndefined();
    expect(c.verificationStatus).toEqual({ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', code: 'entered-in-error' }] });
    expect(condition({ ...d, retracted: false }, patient).clinicalStatus).toEqual({ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] });
  });

  it('gives a retracted diagnosis with an end date no abatement (con-4 needs a clinicalStatus that con-5 forbids)', () => {
    const d: DiagnosisView = {
      id: 'd2', codeSystem: '2.16.578.1.12.4.1.1.7110', code: 'J18.9', display: 'Pneumoni', text: null, isMain: 'true', firstReported: '2024-06-10T13:00:00',
      lastReported: '2024-06-10T13:00:00', startDate: '2024-06-01T10:00:00', endDate: '2024-06-10T12:00:00', retracted: true, contexts: ['EPIKRISE'], codeSystemMismatch: false, sources: [source('m1')],
    };
    const retracted = condition(d, patient);
    expect(retracted.clinicalStatus).toBeUndefined();
    expect(retracted.abatementDateTime).toBeUndefined();
    expect(retracted.onsetDateTime).toBe('2024-06-01T10:00:00+02:00');
    // A live diagnosis keeps its end, as resolved.
    const live = condition({ ...d, retracted: false }, patient);
    expect(live).toMatchObject({ abatementDateTime: '2024-06-10T12:00:00+02:00', clinicalStatus: { coding: [{ code: 'resolved' }] } });
  });

  it('turns local and zoned times into FHIR instants', () => {
    expect(toFhirInstant('2024-07-01T08:30')).toBe('2024-07-01T08:30:00+02:00');
    expect(toFhirInstant('2024-01-15')).toBe('2024-01-15T00:00:00+01:00');
    expect(toFhirInstant('2024-01-15T10:00:00Z')).toBe('2024-01-15T10:00:00Z');
  });

  it('gives a local time the offset of its own instant in the hour before a daylight-saving change', () => {
    // 01:30 local is before both changes (02:00 in March, 03:00 in October), so the old offset holds.
    expect(toFhirDateTime('2024-03-31T01:30:00')).toBe('2024-03-31T01:30:00+01:00');
    expect(toFhirDateTime('2024-10-27T01:30:00')).toBe('2024-10-27T01:30:00+02:00');
    expect(toFhirDateTime('2024-10-27T03:30')).toBe('2024-10-27T03:30:00+01:00');
  });

  it('keeps the date of a local time that does not exist instead of failing the read', () => {
    expect(toFhirDateTime('2024-13-01T10:00:00')).toBe('2024-13-01');
    expect(toFhirDateTime('2024-05-01T25:00:00')).toBe('2024-05-01');
  });
});
