import { buildPatientOverview, FACT_SECTIONS, type FactSection, type PatientRecordRows } from '@hub/projections';
import { factSectionsFor, patientOf, resourcesFor, SEARCHABLE_RESOURCES, type SearchableResource } from './fhir-search';

/**
 * A FHIR search reads only the fact row sets its type is built from (`factSectionsFor`). These
 * checks build every type from a record that has something in each set (a death among the
 * events, a retracted service and diagnosis, a hospital stay) and compare the answer from the
 * sections alone with the answer from the whole record.
 */
const TODAY = '2024-06-15';
const PSEUDONYM = 'pseudo-1';
const patient = { identifier: { system: 'urn:oid:2.16.578.1.12.4.1.4.1', value: '12345678901' } };
const source = (msg: string, msgType: string, reportedAt: string, retracted = false) => ({
  doc_key: `doc-${msg}`, msg_id: msg, msg_type: msgType, reported_at: reportedAt, sender_name: 'Sykehuset', retracted,
});

const record: PatientRecordRows = {
  patients: [{ pseudonym: PSEUDONYM, family_name: 'Benk', given_name: 'Pasient', birth_date: '1940-01-10', sex: '2', identifier_types: ['FNR'] }],
  services: [
    { ...source('m1', 'ORIENTERING_TJENESTETILBUD', '2024-01-02T10:00:00'), iplos_code: '15', iplos_text: 'Hjemmesykepleie', description: null, private_service: false, provided_by: null, amount: '1', unit: 'time', start_date: '2024-01-03', end_date: null, note: null },
    { ...source('m1', 'ORIENTERING_TJENESTETILBUD', '2024-01-02T10:00:00'), iplos_code: '5', iplos_text: null, description: null, private_service: false, provided_by: null, amount: null, unit: null, start_date: '2022-01-01', end_date: '2023-12-31', note: null },
    { ...source('m2', 'ORIENTERING_TJENESTETILBUD', '2024-02-01T10:00:00', true), iplos_code: '12', iplos_text: null, description: null, private_service: false, provided_by: null, amount: null, unit: null, start_date: '2023-05-01', end_date: null, note: null },
  ],
  serviceNeeds: [
    { ...source('m3', 'UTSKRIVNINGSRAPPORT', '2024-03-01T10:00:00'), iplos_code: '21', iplos_text: 'Praktisk bistand', description: null, at_institution: null, amount_requested: '3', unit: 'timer' },
  ],
  diagnoses: [
    { ...source('m3', 'EPIKRISE', '2024-03-01T10:00:00'), code_system: '2.16.578.1.12.4.1.1.7110', code: 'J18.9', normalized_code: 'J189', display: 'Pneumoni', text: null, is_main: 'true', start_date: '2024-02-20', end_date: null, context: 'EPIKRISE', code_system_mismatch: false },
    { ...source('m4', 'HELSEOPPLYSNINGER_LEGE', '2024-03-05T10:00:00', true), code_system: '2.16.578.1.12.4.1.1.7170', code: 'K77', normalized_code: 'K77', display: 'Hjertesvikt', text: null, is_main: 'false', start_date: null, end_date: null, context: 'PLO', code_system_mismatch: false },
  ],
  events: [
    { ...source('m5', 'LOG_INNLAGT', '2024-02-20T09:00:00'), kind: 'ADMITTED', event_code: '1', description: null, time: '2024-02-20T08:00:00', estimated: false, discharged_to: null, discharge_condition: null },
    { ...source('m3', 'EPIKRISE', '2024-03-01T10:00:00'), kind: 'DISCHARGED', event_code: '2', description: null, time: '2024-03-01T08:00:00', estimated: false, discharged_to: 'Hjem', discharge_condition: null },
    { ...source('m6', 'DODSMELDING', '2024-04-02T10:00:00'), kind: 'DEATH', event_code: null, description: null, time: '2024-04-01T23:00:00', estimated: false, discharged_to: null, discharge_condition: null },
  ],
  messages: ['m1', 'm2', 'm3', 'm4', 'm5', 'm6'].map((msg, i) => ({
    msg_id: msg, msg_type: 'ORIENTERING_TJENESTETILBUD', standard: 'PLO', standard_version: '1.6', status: 'N', gen_date: `2024-0${i + 1}-01T10:00:00`,
    recorded_at: new Date(`2024-0${i + 1}-01T09:00:05.000Z`), sender_name: 'Sykehuset', doc_key: `doc-${msg}`, event_type: 'DOCUMENT_RECEIVED', document_state: 'ACTIVE',
  })),
};

/** The record as a read of only these sections returns it (the repository's contract). */
const only = (sections: readonly FactSection[]): PatientRecordRows => ({
  ...record,
  ...Object.fromEntries(FACT_SECTIONS.filter((s) => !sections.includes(s)).map((s) => [s, []])),
});

/** What a search of `type` answers from a record: its resources, and the Patient when included. */
const answer = (type: SearchableResource, includePatient: boolean, rows: PatientRecordRows) => {
  const overview = buildPatientOverview(rows, PSEUDONYM, TODAY);
  return { resources: resourcesFor(type, overview, patient).map((m) => m.resource), patient: includePatient ? patientOf(overview, patient) : undefined };
};

const cases = SEARCHABLE_RESOURCES.flatMap((type) => [false, true].map((include) => [type, include] as const));

describe('factSectionsFor: a search reads only the fact rows its type is built from', () => {
  it.each(cases)('%s (include Patient: %s) answers from its sections as from the whole record', (type, include) => {
    const full = answer(type, include, record);
    // The fixture gives every type something to show, so an empty answer cannot pass for a right one.
    expect(full.resources.length + (full.patient ? 1 : 0)).toBeGreaterThan(0);
    expect(answer(type, include, only(factSectionsFor(type, include)))).toEqual(full);
  });

  it.each(cases)('%s (include Patient: %s) needs each section it names: without any one of them the answer changes', (type, include) => {
    const sections = factSectionsFor(type, include);
    const full = answer(type, include, record);
    for (const dropped of sections) expect(answer(type, include, only(sections.filter((s) => s !== dropped)))).not.toEqual(full);
  });

  it('leaves unread what no search type uses (service needs are shown on the overview page only)', () => {
    for (const [type, include] of cases) expect(factSectionsFor(type, include)).not.toContain('serviceNeeds');
    expect(factSectionsFor('Condition', false)).toEqual(['diagnoses']);
  });
});
