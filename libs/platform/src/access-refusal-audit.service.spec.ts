import type { Request } from 'express';
import type { Principal } from '@hub/auth';
import type { HubConfig } from '@hub/config';
import { AuditRecord, AvroCodec, patientPseudonym, TopicNames } from '@hub/contracts';
import type { KommuneDirectory } from '@hub/directory';
import { HubMetrics } from '@hub/observability';
import { fnr } from '@hub/testing';
import { AccessRefusalAudit } from './access-refusal-audit.service';
import type { SharedProducer } from './shared-producer.service';

const KEY = 'test-pseudonym-key-0123456789abcdef';
const PATIENT = fnr('1961-06-06', 210);
const SERVED = new Set(['0301', '3428']);

/** AccessRefusalAudit with the codec and producer faked: what it would write to which audit topic. */
function audit() {
  const sent: Array<{ topic: string; key: string; record: AuditRecord }> = [];
  const codec = { encode: async (_topic: string, record: AuditRecord) => Buffer.from(JSON.stringify(record)) } as unknown as AvroCodec;
  const producer = {
    sendMany: async (batches: Array<{ topic: string; records: Array<{ key: string; value: Buffer }> }>) => {
      for (const batch of batches) for (const r of batch.records) sent.push({ topic: batch.topic, key: r.key, record: JSON.parse(r.value.toString()) as AuditRecord });
    },
  } as unknown as SharedProducer;
  const directory = { has: (knr: string) => SERVED.has(knr) } as unknown as KommuneDirectory;
  const refusals = new AccessRefusalAudit({ pseudonymKey: KEY } as HubConfig, codec, producer, directory, new HubMetrics(), new TopicNames());
  const settled = () => new Promise((resolve) => setTimeout(resolve, 20));
  return { refusals, sent, settled };
}

const principal: Principal = { clientId: 'epj-a', scopes: new Set(['patients:read']), kommuner: new Set(['3428']), hpr: '565501872', organisation: '999342809', actorName: 'Lise Lege' } as unknown as Principal;

function request(init: { knr?: string; body?: unknown; query?: Record<string, unknown> }): Request {
  return { method: 'POST', baseUrl: '', route: { path: '/api/v1/kommuner/:kommunenummer/patient-overview' }, params: init.knr ? { kommunenummer: init.knr } : {}, body: init.body, query: init.query ?? {} } as unknown as Request;
}

describe('AccessRefusalAudit', () => {
  it("records a verified client's refusal with the patient's pseudonym for that kommune (never the identifier), keyed by it", async () => {
    const { refusals, sent, settled } = audit();
    refusals.record(request({ knr: '0301', body: { identifierType: 'FNR', identifier: PATIENT } }), 403, 'forbidden_kommune', principal);
    await settled();
    expect(sent).toHaveLength(1);
    const pseudonym = patientPseudonym(KEY, '0301', 'FNR', PATIENT);
    expect(sent[0]).toMatchObject({ topic: expect.stringContaining('kommune.0301.audit'), key: pseudonym });
    expect(sent[0].record).toMatchObject({ kommunenummer: '0301', action: 'ACCESS', outcome: 'DENIED', refusalReason: 'forbidden_kommune', clientId: 'epj-a', actorHpr: '565501872', patientPseudonym: pseudonym, resource: 'POST /api/v1/kommuner/:kommunenummer/patient-overview' });
    expect(JSON.stringify(sent)).not.toContain(PATIENT);
  });

  it('names the patient of a FHIR patient.identifier token too, and no patient for an invalid identifier', async () => {
    const { refusals, sent, settled } = audit();
    refusals.record(request({ knr: '0301', query: { 'patient.identifier': `urn:oid:2.16.578.1.12.4.1.4.1|${PATIENT}` } }), 403, 'purpose_of_use_required', principal);
    refusals.record(request({ knr: '0301', body: { identifier: `${PATIENT.slice(0, 10)}${(Number(PATIENT[10]) + 1) % 10}` } }), 403, 'purpose_of_use_required', principal);
    await settled();
    expect(sent.map((s) => s.record.patientPseudonym)).toEqual([patientPseudonym(KEY, '0301', 'FNR', PATIENT), null]);
  });

  it('never names a patient for a request without a valid token (anyone could fill a stranger\'s access log)', async () => {
    const { refusals, sent, settled } = audit();
    refusals.record(request({ knr: '0301', body: { identifier: PATIENT } }), 401, 'missing_token');
    await settled();
    expect(sent).toHaveLength(1);
    expect(sent[0].record).toMatchObject({ clientId: 'unauthenticated', patientPseudonym: null, refusalReason: 'missing_token' });
    expect(sent[0].key).toBe('client:unauthenticated');
  });

  it('records a refusal decided away from the request on each served kommune it concerns (intake), and none for a kommune the hub does not serve', async () => {
    const { refusals, sent, settled } = audit();
    refusals.recordDenial({ route: 'POST /v1/messages', status: 403, reason: 'forbidden_kommune', principal, kommuner: ['0301', '3428', '9999', '0301'] });
    refusals.record(request({ knr: '9999' }), 403, 'forbidden_kommune', principal);
    await settled();
    expect(sent.map((s) => s.record.kommunenummer).sort()).toEqual(['0301', '3428']);
    for (const { record } of sent) expect(record).toMatchObject({ resource: 'POST /v1/messages', outcome: 'DENIED', patientPseudonym: null, clientId: 'epj-a' });
  });

  it('audits unauthenticated refusals at a bounded rate per kommune', async () => {
    const { refusals, sent, settled } = audit();
    for (let i = 0; i < 40; i += 1) refusals.record(request({ knr: '0301' }), 401, 'invalid_token');
    await settled();
    expect(sent.length).toBe(20);
  });
});
