import { createHash } from 'node:crypto';
import { buildPatientOverview } from './patient-overview.view';
import type { DiagnosisFactRow, MessageRow, PatientEventFactRow, PatientRecordRows, ServiceFactRow, ServiceNeedFactRow } from './patient-record.rows';

const TODAY = '2024-06-15';
const P = 'pseudo-1';

const service = (o: Partial<ServiceFactRow> = {}): ServiceFactRow => ({
  doc_key: 'd1', msg_id: 'm1', msg_type: 'ORIENTERING_TJENESTETILBUD', iplos_code: '20', iplos_text: 'Hjemmesykepleie', description: null,
  private_service: false, provided_by: 'Kommunen', amount: '2', unit: 'timer', start_date: '2024-01-01', end_date: null, note: null,
  reported_at: '2024-01-01T10:00:00', sender_name: 'Alvdal', retracted: false, ...o,
});
const diagnosis = (o: Partial<DiagnosisFactRow> = {}): DiagnosisFactRow => ({
  doc_key: 'd1', msg_id: 'm1', msg_type: 'EPIKRISE', code_system: '2.16.578.1.12.4.1.1.7110', code: 'J18.9', normalized_code: 'J189',
  display: 'Pneumoni', text: null, is_main: 'true', start_date: null, end_date: null, context: 'PLO', code_system_mismatch: false,
  reported_at: '2024-01-01T10:00:00', sender_name: 'Sykehuset', retracted: false, ...o,
});
const event = (o: Partial<PatientEventFactRow> = {}): PatientEventFactRow => ({
  doc_key: 'd1', msg_id: 'm1', msg_type: 'LOG_INNLAGT', kind: 'ADMITTED', event_code: '1', description: null, time: '2024-02-01T08:00:00',
  estimated: false, discharged_to: null, discharge_condition: null, reported_at: '2024-02-01T09:00:00', sender_name: 'Sykehuset', retracted: false, ...o,
});
const need = (o: Partial<ServiceNeedFactRow> = {}): ServiceNeedFactRow => ({
  doc_key: 'd1', msg_id: 'm1', msg_type: 'UTSKRIVNINGSRAPPORT', iplos_code: '21', iplos_text: 'Praktisk bistand', description: 'Handling',
  at_institution: null, amount_requested: '3', unit: 'timer', reported_at: '2024-01-01T10:00:00', sender_name: 'Sykehuset', retracted: false, ...o,
});
const message = (o: Partial<MessageRow> = {}): MessageRow => ({
  msg_id: 'm1', msg_type: 'ORIENTERING_TJENESTETILBUD', standard: 'PLO', standard_version: '1.6', status: 'N', gen_date: '2024-01-01T10:00:00',
  recorded_at: new Date('2024-01-01T09:00:05.000Z'), sender_name: 'Alvdal', doc_key: 'd1', event_type: 'DOCUMENT_RECEIVED', document_state: 'ACTIVE', ...o,
});
const rows = (o: Partial<PatientRecordRows> = {}): PatientRecordRows => ({ patients: [], services: [], serviceNeeds: [], diagnoses: [], events: [], messages: [], ...o });
/** The id definition written out independently: sha256 of scope and group key, 32 hex digits. */
const idOf = (key: string, scope = P) => createHash('sha256').update(`${scope}|${key}`).digest('hex').slice(0, 32);

describe('buildPatientOverview: services', () => {
  it('shows one service per IPLOS code and start date, from its newest live report, with every source', () => {
    const older = service({ msg_id: 'a', amount: '1', reported_at: '2024-01-01T10:00:00', sender_name: 'Tynset' });
    const newer = service({ msg_id: 'b', amount: '4', reported_at: '2024-03-01T10:00:00', sender_name: 'Alvdal', iplos_text: 'Hjemmesykepleie ny', unit: 'dager', provided_by: 'Privat', private_service: true, end_date: '2024-12-31', description: 'beskr' });
    const overview = buildPatientOverview(
      rows({ services: [newer, older], messages: [message({ msg_id: 'b', recorded_at: new Date('2024-03-01T09:00:00.000Z') })] }),
      P, TODAY,
    );
    expect(overview.services).toEqual([
      {
        id: idOf('20|2024-01-01'), iplosCode: '20', iplosText: 'Hjemmesykepleie ny', description: 'beskr', privateService: true, providedBy: 'Privat',
        amount: '4', unit: 'dager', startDate: '2024-01-01', endDate: '2024-12-31', status: 'active', endedBy: null, reportedBy: 'Alvdal',
        firstReported: '2024-01-01T10:00:00', lastReported: '2024-03-01T10:00:00', sourceType: 'ORIENTERING_TJENESTETILBUD',
        sources: [
          // A source whose message is in the record says when it was received; the other does not.
          { msgId: 'b', msgType: 'ORIENTERING_TJENESTETILBUD', reportedAt: '2024-03-01T10:00:00', reportedBy: 'Alvdal', receivedAt: '2024-03-01T09:00:00.000Z', originalId: 'b' },
          { msgId: 'a', msgType: 'ORIENTERING_TJENESTETILBUD', reportedAt: '2024-01-01T10:00:00', reportedBy: 'Tynset', receivedAt: null, originalId: 'a' },
        ],
      },
    ]);
  });

  it('keeps services with another code or another start date apart, and groups uncoded ones by trimmed, case-insensitive text', () => {
    const overview = buildPatientOverview(
      rows({
        services: [
          service({ msg_id: 'a' }),
          service({ msg_id: 'b', start_date: '2024-02-01' }),
          service({ msg_id: 'c', iplos_code: '21' }),
          service({ msg_id: 'd', iplos_code: null, description: ' Trygghetsalarm ', start_date: null }),
          service({ msg_id: 'e', iplos_code: null, description: 'trygghetsalarm', start_date: null }),
          service({ msg_id: 'f', iplos_code: null, description: null, start_date: null }),
        ],
      }),
      P, TODAY,
    );
    const byId = Object.fromEntries(overview.services.map((s) => [s.id, s.sources.map((x) => x.msgId)]));
    expect(byId).toEqual({
      [idOf('20|2024-01-01')]: ['a'],
      [idOf('20|2024-02-01')]: ['b'],
      [idOf('21|2024-01-01')]: ['c'],
      [idOf('text:trygghetsalarm|')]: ['d', 'e'],
      [idOf('text:|')]: ['f'],
    });
    // The id depends on the patient it is shown for, so ids never link two patients' records.
    const other = buildPatientOverview(rows({ services: [service()] }), 'pseudo-2', TODAY);
    expect(other.services[0].id).toBe(idOf('20|2024-01-01', 'pseudo-2'));
    expect(other.services[0].id).not.toBe(idOf('20|2024-01-01'));
  });

  it('ends a service on its end date (inclusive, today) and not before', () => {
    const status = (endDate: string | null) => {
      const s = buildPatientOverview(rows({ services: [service({ end_date: endDate })] }), P, TODAY).services[0];
      return [s.status, s.endedBy];
    };
    expect(status('2024-06-14')).toEqual(['ended', 'sluttdato']);
    expect(status(TODAY)).toEqual(['ended', 'sluttdato']);
    expect(status('2024-06-16')).toEqual(['active', null]);
    expect(status(null)).toEqual(['active', null]);
  });

  it('judges the end date of the newest report only', () => {
    const ended = service({ msg_id: 'a', end_date: '2024-01-31', reported_at: '2024-01-01T10:00:00' });
    const extended = service({ msg_id: 'b', end_date: null, reported_at: '2024-05-01T10:00:00' });
    expect(buildPatientOverview(rows({ services: [extended, ended] }), P, TODAY).services[0].status).toBe('active');
    expect(buildPatientOverview(rows({ services: [ended, service({ msg_id: 'c', end_date: '2024-01-31', reported_at: '2023-01-01T10:00:00' })] }), P, TODAY).services[0].status).toBe('ended');
  });

  it('ends every active service at the patient\'s death; a retracted death ends nothing', () => {
    const death = event({ msg_id: 'x', kind: 'DEATH', time: '2024-05-01T00:00:00' });
    const dead = buildPatientOverview(rows({ services: [service()], events: [death] }), P, TODAY);
    expect([dead.services[0].status, dead.services[0].endedBy]).toEqual(['ended', 'death']);
    // An end date already passed stays the reason.
    const both = buildPatientOverview(rows({ services: [service({ end_date: '2024-01-01' })], events: [death] }), P, TODAY);
    expect(both.services[0].endedBy).toBe('sluttdato');
    const retracted = buildPatientOverview(rows({ services: [service()], events: [{ ...death, retracted: true }] }), P, TODAY);
    expect([retracted.services[0].status, retracted.services[0].endedBy]).toEqual(['active', null]);
    expect(retracted.deceased).toBeNull();
  });

  it('shows a service whose every report was retracted as cancelled, from all its reports', () => {
    const a = service({ msg_id: 'a', retracted: true, amount: '1', reported_at: '2024-01-01T10:00:00' });
    const b = service({ msg_id: 'b', retracted: true, amount: '2', reported_at: '2024-02-01T10:00:00', end_date: '2024-01-01' });
    const s = buildPatientOverview(rows({ services: [b, a], events: [event({ kind: 'DEATH' })] }), P, TODAY).services[0];
    expect([s.status, s.endedBy, s.amount]).toEqual(['cancelled', null, '2']);
    expect(s.sources.map((x) => x.msgId)).toEqual(['b', 'a']);
    expect(s.firstReported).toBe('2024-01-01T10:00:00');
  });

  it('leaves retracted reports out of a service that still has a live one', () => {
    const retracted = service({ msg_id: 'a', retracted: true, amount: '9', reported_at: '2024-05-01T10:00:00' });
    const live = service({ msg_id: 'b', amount: '2', reported_at: '2024-02-01T10:00:00' });
    const s = buildPatientOverview(rows({ services: [retracted, live] }), P, TODAY).services[0];
    expect([s.status, s.amount, s.firstReported, s.lastReported]).toEqual(['active', '2', '2024-02-01T10:00:00', '2024-02-01T10:00:00']);
    expect(s.sources.map((x) => x.msgId)).toEqual(['b']);
  });

  it('lists active before ended before cancelled, newest start first within each', () => {
    const overview = buildPatientOverview(
      rows({
        services: [
          service({ iplos_code: '1', retracted: true }),
          service({ iplos_code: '2', end_date: '2024-01-01' }),
          service({ iplos_code: '3', start_date: '2023-01-01' }),
          service({ iplos_code: '4', start_date: '2024-03-01' }),
          service({ iplos_code: '5', start_date: null }),
        ],
      }),
      P, TODAY,
    );
    expect(overview.services.map((s) => `${s.iplosCode}:${s.status}`)).toEqual(['4:active', '3:active', '5:active', '2:ended', '1:cancelled']);
    // A service without start date goes last among its status, from wherever it starts.
    for (const order of [[service({ iplos_code: '5', start_date: null }), service({ iplos_code: '4' })], [service({ iplos_code: '4' }), service({ iplos_code: '5', start_date: null })]]) {
      expect(buildPatientOverview(rows({ services: order }), P, TODAY).services.map((s) => s.iplosCode)).toEqual(['4', '5']);
    }
  });
});

describe('buildPatientOverview: diagnoses', () => {
  it('groups by code system and normalized code, from the newest live report', () => {
    const first = diagnosis({ msg_id: 'a', code: 'J18.9', display: null, text: 'gammel', is_main: 'false', start_date: '2023-05-01', end_date: '2023-06-01', context: 'PLO', reported_at: '2023-01-01T10:00:00' });
    const second = diagnosis({ msg_id: 'b', code: 'J189', display: null, text: 'ny', is_main: 'unknown', start_date: '2023-04-01', end_date: null, context: 'PLO_HISTORY', code_system_mismatch: true, reported_at: '2024-01-01T10:00:00' });
    const third = diagnosis({ msg_id: 'c', display: 'Pneumoni', is_main: 'false', context: 'PLO', reported_at: '2023-06-01T10:00:00', end_date: '2023-07-01' });
    const [d] = buildPatientOverview(rows({ diagnoses: [first, second, third] }), P, TODAY).diagnoses;
    expect(d).toEqual({
      id: idOf('2.16.578.1.12.4.1.1.7110|J189'), codeSystem: '2.16.578.1.12.4.1.1.7110', code: 'J189',
      // The newest report has no display: the display of another report is shown.
      display: 'Pneumoni', text: 'ny', isMain: 'unknown',
      firstReported: '2023-01-01T10:00:00', lastReported: '2024-01-01T10:00:00',
      startDate: '2023-04-01', endDate: '2023-07-01', retracted: false, contexts: ['PLO', 'PLO_HISTORY'], codeSystemMismatch: true,
      sources: [
        { msgId: 'a', msgType: 'EPIKRISE', reportedAt: '2023-01-01T10:00:00', reportedBy: 'Sykehuset', receivedAt: null, originalId: 'a' },
        { msgId: 'b', msgType: 'EPIKRISE', reportedAt: '2024-01-01T10:00:00', reportedBy: 'Sykehuset', receivedAt: null, originalId: 'b' },
        { msgId: 'c', msgType: 'EPIKRISE', reportedAt: '2023-06-01T10:00:00', reportedBy: 'Sykehuset', receivedAt: null, originalId: 'c' },
      ],
    });
  });

  it('is main when any report says so, not main only when every report says not, unknown otherwise', () => {
    const isMain = (...values: string[]) =>
      buildPatientOverview(rows({ diagnoses: values.map((v, i) => diagnosis({ msg_id: `m${i}`, is_main: v })) }), P, TODAY).diagnoses[0].isMain;
    expect(isMain('false', 'true')).toBe('true');
    expect(isMain('false', 'false')).toBe('false');
    expect(isMain('false', 'unknown')).toBe('unknown');
    expect(isMain('unknown')).toBe('unknown');
  });

  it('keeps the same code in another code system apart, and groups uncoded diagnoses by text or display', () => {
    const overview = buildPatientOverview(
      rows({
        diagnoses: [
          diagnosis({ msg_id: 'a' }),
          diagnosis({ msg_id: 'b', code_system: '2.16.578.1.12.4.1.1.7170' }),
          diagnosis({ msg_id: 'c', code_system: null }),
          diagnosis({ msg_id: 'd', normalized_code: null, text: ' Uro ', display: 'x' }),
          diagnosis({ msg_id: 'e', normalized_code: null, text: null, display: 'URO' }),
          diagnosis({ msg_id: 'f', normalized_code: null, text: null, display: null }),
        ],
      }),
      P, TODAY,
    );
    expect(Object.fromEntries(overview.diagnoses.map((d) => [d.id, d.sources.map((s) => s.msgId)]))).toEqual({
      [idOf('2.16.578.1.12.4.1.1.7110|J189')]: ['a'],
      [idOf('2.16.578.1.12.4.1.1.7170|J189')]: ['b'],
      [idOf('|J189')]: ['c'],
      [idOf('text|uro')]: ['d', 'e'],
      [idOf('text|')]: ['f'],
    });
  });

  it('shows a diagnosis whose every report was retracted as retracted, and counts it apart', () => {
    const overview = buildPatientOverview(
      rows({
        diagnoses: [
          diagnosis({ msg_id: 'a', normalized_code: 'A01', retracted: true, reported_at: '2024-05-01T00:00:00' }),
          diagnosis({ msg_id: 'b', normalized_code: 'B01', reported_at: '2023-01-01T00:00:00' }),
          diagnosis({ msg_id: 'c', normalized_code: 'C01', reported_at: '2024-01-01T00:00:00' }),
          diagnosis({ msg_id: 'd', normalized_code: 'B01', retracted: true, display: null, text: 'retracted text', reported_at: '2024-06-01T00:00:00' }),
        ],
      }),
      P, TODAY,
    );
    expect(overview.diagnoses.map((d) => [d.code, d.sources.map((s) => s.msgId), d.retracted])).toEqual([
      ['J18.9', ['c'], false],
      ['J18.9', ['b'], false],
      ['J18.9', ['a'], true],
    ]);
    expect(overview.diagnoses[1].text).toBeNull();
    expect([overview.summary.diagnoses, overview.summary.retractedDiagnoses]).toEqual([2, 1]);
  });

  it('spans the earliest start and the latest end of all reports, in whatever order they come', () => {
    const reports = [
      diagnosis({ msg_id: 'a', start_date: '2023-03-01', end_date: '2023-09-01' }),
      diagnosis({ msg_id: 'b', start_date: '2023-01-01', end_date: '2023-05-01' }),
      diagnosis({ msg_id: 'c', start_date: '2023-02-01', end_date: null }),
    ];
    for (const order of [reports, [...reports].reverse()]) {
      const [d] = buildPatientOverview(rows({ diagnoses: order }), P, TODAY).diagnoses;
      expect([d.startDate, d.endDate]).toEqual(['2023-01-01', '2023-09-01']);
    }
  });

  it('has no start or end date when no report gives one', () => {
    const [d] = buildPatientOverview(rows({ diagnoses: [diagnosis({ display: null })] }), P, TODAY).diagnoses;
    expect([d.startDate, d.endDate, d.display, d.codeSystemMismatch]).toEqual([null, null, null, false]);
  });
});

describe('buildPatientOverview: timeline, messages, patient and summary', () => {
  it('puts events and received messages in one chronological timeline', () => {
    const overview = buildPatientOverview(
      rows({
        events: [
          event({ msg_id: 'e1', kind: 'DISCHARGED', time: '2024-03-01T12:00:00', event_code: '2', description: 'hjem', discharged_to: 'Hjem' }),
          event({ msg_id: 'e2', kind: 'ADMITTED', time: null, reported_at: '2024-01-15T00:00:00', retracted: true }),
        ],
        messages: [
          message({ msg_id: 'e1', msg_type: 'LOG_UTSKREVET', recorded_at: new Date('2024-02-01T00:00:00.000Z'), document_state: 'CANCELLED' }),
        ],
      }),
      P, TODAY,
    );
    expect(overview.timeline).toEqual([
      {
        kind: 'ADMITTED', time: null, eventCode: '1', description: null, dischargedTo: null, retracted: true,
        source: { msgId: 'e2', msgType: 'LOG_INNLAGT', reportedAt: '2024-01-15T00:00:00', reportedBy: 'Sykehuset', receivedAt: null, originalId: 'e2' },
      },
      {
        kind: 'MESSAGE_RECEIVED', time: '2024-02-01T00:00:00.000Z', eventCode: 'LOG_UTSKREVET', description: null, dischargedTo: null, retracted: true,
        source: { msgId: 'e1', msgType: 'LOG_UTSKREVET', reportedAt: '2024-01-01T10:00:00', reportedBy: 'Alvdal', receivedAt: '2024-02-01T00:00:00.000Z', originalId: 'e1' },
      },
      {
        kind: 'DISCHARGED', time: '2024-03-01T12:00:00', eventCode: '2', description: 'hjem', dischargedTo: 'Hjem', retracted: false,
        source: { msgId: 'e1', msgType: 'LOG_INNLAGT', reportedAt: '2024-02-01T09:00:00', reportedBy: 'Sykehuset', receivedAt: '2024-02-01T00:00:00.000Z', originalId: 'e1' },
      },
    ]);
    const active = buildPatientOverview(rows({ messages: [message({ document_state: 'ACTIVE' })] }), P, TODAY);
    expect(active.timeline[0].retracted).toBe(false);
  });

  it('lists every received message, projected or not, and serves an original under a FHIR-safe id', () => {
    const odd = 'not a uuid/with slash';
    const overview = buildPatientOverview(
      rows({
        messages: [
          message(),
          message({ msg_id: odd, event_type: 'NOT_PROJECTED', status: null, document_state: null, recorded_at: new Date('2024-04-01T00:00:00.000Z') }),
          message({ msg_id: 'ar', event_type: 'APPREC_RECEIVED', msg_type: 'APPREC', document_state: 'ACTIVE', recorded_at: new Date('2024-03-01T00:00:00.000Z') }),
          message({ msg_id: 'pending', status: 'M', event_type: 'DOCUMENT_REPLACED', document_state: 'PENDING', recorded_at: new Date('2024-02-01T00:00:00.000Z') }),
        ],
      }),
      P, TODAY,
    );
    expect(overview.messages[0]).toEqual({
      msgId: 'm1', msgType: 'ORIENTERING_TJENESTETILBUD', standard: 'PLO', standardVersion: '1.6', status: 'N', genDate: '2024-01-01T10:00:00',
      receivedAt: '2024-01-01T09:00:05.000Z', sender: 'Alvdal', documentState: 'ACTIVE', projected: true, originalId: 'm1',
    });
    expect(overview.messages.map((m) => m.projected)).toEqual([true, false, false, true]);
    const hashed = `m-${createHash('sha256').update(odd, 'utf8').digest('hex').slice(0, 40)}`;
    expect(overview.messages[1].originalId).toBe(hashed);
    expect(overview.summary).toEqual({
      messages: 4, newestMessageReceivedAt: '2024-04-01T00:00:00.000Z', activeServices: 0, services: 0, diagnoses: 0, retractedDiagnoses: 0,
      // Not projected, an AppRec, a change waiting for its original, a message without a document.
      messagesWithoutFacts: 3,
    });
    const mixed = buildPatientOverview(
      rows({
        messages: [
          message({ msg_id: 'a' }),
          message({ msg_id: 'b' }),
          message({ msg_id: 'c', document_state: 'PENDING' }),
          message({ msg_id: 'd', event_type: 'NOT_PROJECTED', document_state: null }),
          message({ msg_id: 'e', event_type: 'APPREC_RECEIVED' }),
        ],
      }),
      P, TODAY,
    );
    expect(mixed.summary.messagesWithoutFacts).toBe(3);
    const onlyDocumentless = buildPatientOverview(rows({ messages: [message({ document_state: null })] }), P, TODAY);
    expect(onlyDocumentless.summary.messagesWithoutFacts).toBe(1);
  });

  it('counts active services apart from ended ones', () => {
    const overview = buildPatientOverview(rows({ services: [service(), service({ iplos_code: '8' }), service({ iplos_code: '9', end_date: '2024-01-01' })] }), P, TODAY);
    expect([overview.summary.activeServices, overview.summary.services]).toEqual([2, 3]);
  });

  it('names the patient it was asked for, else the first linked one, and is empty without rows', () => {
    const patients = [
      { pseudonym: 'linked', family_name: 'Linked', given_name: 'L', birth_date: null, sex: null, identifier_types: ['DNR'] },
      { pseudonym: P, family_name: 'Nordmann', given_name: 'Kari', birth_date: '1950-01-01', sex: '2', identifier_types: ['FNR'] },
    ];
    expect(buildPatientOverview(rows({ patients }), P, TODAY).patient).toEqual({ id: P, familyName: 'Nordmann', givenName: 'Kari', birthDate: '1950-01-01', sex: '2' });
    expect(buildPatientOverview(rows({ patients: [patients[0]] }), P, TODAY).patient).toEqual({ id: P, familyName: 'Linked', givenName: 'L', birthDate: null, sex: null });
    const empty = buildPatientOverview(rows(), P, TODAY);
    expect(empty).toEqual({
      patient: null, deceased: null, services: [], serviceNeeds: [], diagnoses: [], timeline: [], messages: [],
      summary: { messages: 0, newestMessageReceivedAt: null, activeServices: 0, services: 0, diagnoses: 0, retractedDiagnoses: 0, messagesWithoutFacts: 0 },
    });
  });

  it('takes the earliest reported death that is not retracted', () => {
    const overview = buildPatientOverview(
      rows({
        events: [
          event({ msg_id: 'late', kind: 'DEATH', time: '2024-05-02T00:00:00' }),
          event({ msg_id: 'retracted', kind: 'DEATH', time: '2024-01-01T00:00:00', retracted: true }),
          event({ msg_id: 'admitted', kind: 'ADMITTED', time: '2024-01-02T00:00:00' }),
          event({ msg_id: 'early', kind: 'DEATH', time: '2024-05-01T00:00:00' }),
        ],
      }),
      P, TODAY,
    );
    expect(overview.deceased).toEqual({
      time: '2024-05-01T00:00:00',
      source: { msgId: 'early', msgType: 'LOG_INNLAGT', reportedAt: '2024-02-01T09:00:00', reportedBy: 'Sykehuset', receivedAt: null, originalId: 'early' },
    });
    const untimed = buildPatientOverview(rows({ events: [event({ msg_id: 'b', kind: 'DEATH', time: '2024-05-01T00:00:00' }), event({ msg_id: 'a', kind: 'DEATH', time: null })] }), P, TODAY);
    expect(untimed.deceased?.source.msgId).toBe('a');
    const untimedFirst = buildPatientOverview(rows({ events: [event({ msg_id: 'a', kind: 'DEATH', time: null }), event({ msg_id: 'b', kind: 'DEATH', time: '2024-05-01T00:00:00' })] }), P, TODAY);
    expect(untimedFirst.deceased?.source.msgId).toBe('a');
  });

  it('shows service needs as reported, retracted ones marked', () => {
    const overview = buildPatientOverview(rows({ serviceNeeds: [need(), need({ msg_id: 'x', retracted: true })] }), P, TODAY);
    expect(overview.serviceNeeds).toEqual([
      {
        iplosCode: '21', iplosText: 'Praktisk bistand', description: 'Handling', amountRequested: '3', unit: 'timer', retracted: false,
        source: { msgId: 'm1', msgType: 'UTSKRIVNINGSRAPPORT', reportedAt: '2024-01-01T10:00:00', reportedBy: 'Sykehuset', receivedAt: null, originalId: 'm1' },
      },
      expect.objectContaining({ retracted: true }),
    ]);
  });
});
