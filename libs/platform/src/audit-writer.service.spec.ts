import { AvroCodec, TopicNames } from '@hub/contracts';
import { HubMetrics } from '@hub/observability';
import { AUDIT_UNAVAILABLE_DETAIL, AuditEntry, AuditUnavailableException, auditWriteAnswer, AuditWriter } from './audit-writer.service';
import type { SharedProducer } from './shared-producer.service';

describe('AuditWriter', () => {
  const topics = new TopicNames('unit');
  const codec = { encode: async (topic: string, value: unknown) => Buffer.from(JSON.stringify({ topic, value })) } as unknown as AvroCodec;
  const entry = (patientPseudonym: string | null): AuditEntry => ({
    kommunenummer: '3428',
    action: 'READ',
    resource: 'Patient/x',
    patientPseudonym,
    principal: { clientId: 'ehr', scopes: new Set(['patients:read']), kommuner: new Set(['3428']), organisation: '999', hpr: '1234567' },
    purposeOfUse: 'TREAT',
    outcome: 'SUCCESS',
    correlationId: 'c-1',
  });

  it("writes the event to the kommune's audit topic, keyed by the pseudonym (or the client), and returns it once sent", async () => {
    const sent: Array<{ topic: string; records: Array<{ key: string | null; value: Buffer }> }> = [];
    const producer = { sendMany: async (batches: typeof sent) => void sent.push(...batches) } as unknown as SharedProducer;
    const metrics = new HubMetrics();
    const writer = new AuditWriter(codec, producer, metrics, topics);
    const record = await writer.recordEvent(entry('p-1'));
    expect(sent).toHaveLength(1);
    expect(sent[0].topic).toBe('unit.kommune.3428.audit.v1');
    expect(sent[0].records[0].key).toBe('p-1');
    expect(JSON.parse(sent[0].records[0].value.toString()).value).toMatchObject({ auditId: record.auditId, clientId: 'ehr', actorHpr: '1234567', purposeOfUse: 'TREAT', outcome: 'SUCCESS' });
    expect(await writer.record(entry(null))).toEqual(expect.any(String));
    expect(sent[1].records[0].key).toBe('client:ehr');
    expect((await metrics.auditWrites.get()).values.find((v) => v.labels.result === 'ok')?.value).toBe(2);
  });

  it('refuses with AuditUnavailableException when the event cannot be made durable, answered as 503 with Retry-After', async () => {
    const producer = { sendMany: async () => Promise.reject(new Error('NOT_ENOUGH_REPLICAS')) } as unknown as SharedProducer;
    const metrics = new HubMetrics();
    const error = await new AuditWriter(codec, producer, metrics, topics).record(entry('p-1')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuditUnavailableException);
    expect((error as Error).message).toContain('NOT_ENOUGH_REPLICAS');
    expect((await metrics.auditWrites.get()).values.find((v) => v.labels.result === 'failed')?.value).toBe(1);
    expect(auditWriteAnswer(error as AuditUnavailableException)).toEqual({ status: 503, code: 'audit_unavailable', fhirIssue: 'transient', detail: AUDIT_UNAVAILABLE_DETAIL, headers: { 'Retry-After': '5' } });
  });
});
