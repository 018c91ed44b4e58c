import type { Principal } from '@hub/auth';
import type { HubConfig } from '@hub/config';
import type { PatientSnapshot, ProjectionStateRepository, ReadModelQueryRepository } from '@hub/persistence';
import { fnr } from '@hub/testing';
import type { AuditWriter } from '@hub/platform';
import { PatientQuery, PatientReadService } from './patient-read.service';

const EMPTY = { patients: [], services: [], serviceNeeds: [], diagnoses: [], events: [], messages: [] };

/**
 * The read path's statements against a scripted database: how many round trips a read takes,
 * and that a read never uses rows of a generation that is no longer live.
 */
describe('PatientReadService', () => {
  const principal: Principal = { clientId: 'epj', scopes: new Set(['patients:read']), kommuner: new Set(['3428']) };
  const query: PatientQuery = {
    kommunenummer: '3428', identifier: { type: 'FNR', value: fnr('1948-03-02', 123) }, principal, purposeOfUse: 'TREAT', action: 'SEARCH', resource: 'Condition',
  };
  const config = { pseudonymKey: 'test-pseudonym-key-0123456789' } as HubConfig;

  /**
   * `live` is the generation the database reports. The repositories are faked at their own
   * interface (no SQL text is matched): what each call would answer, and the calls in order.
   */
  function setup(state: { live: string; dropped?: Set<string>; blocked?: boolean }) {
    const statements: string[] = [];
    const generations = {
      activeSchema: jest.fn(async () => {
        statements.push('activeSchema');
        return state.live;
      }),
    } as unknown as ProjectionStateRepository;
    const queries = {
      patientSnapshot: jest.fn(async (schema: string, _projection: string, _knr: string, pseudonym: string): Promise<PatientSnapshot> => {
        statements.push(`snapshot ${schema}`);
        if (state.dropped?.has(schema)) throw Object.assign(new Error(`relation "${schema}.patient_links" does not exist`), { code: '42P01' });
        const live = state.live === schema;
        const patient = { pseudonym, family_name: `from-${schema}`, given_name: null, birth_date: null, sex: null, identifier_types: ['FNR'] };
        const rows = live && !state.blocked ? ({ ...EMPTY, patients: [patient] } as unknown as PatientSnapshot['rows']) : undefined;
        return { activeSchema: state.live, blocked: !!state.blocked, pseudonyms: [pseudonym], rows };
      }),
      // Each generation holds the message named after it.
      messagesHeld: jest.fn(async (schema: string, _projection: string, _knr: string, msgIds: readonly string[]) => {
        statements.push(`held ${schema}`);
        return { activeSchema: state.live, held: msgIds.filter((m) => m === `m-${schema}`) };
      }),
    } as unknown as ReadModelQueryRepository;
    const audit = { record: jest.fn(async () => 'audit-1') } as unknown as AuditWriter & { record: jest.Mock };
    return { service: new PatientReadService(config, audit, generations, queries), statements, audit };
  }

  it('takes one statement per read once the live generation is known', async () => {
    const { service, statements, audit } = setup({ live: 'readmodel_g1' });
    await service.read(query);
    await service.read(query);
    await service.read(query);
    expect(statements).toEqual(['activeSchema', 'snapshot readmodel_g1', 'snapshot readmodel_g1', 'snapshot readmodel_g1']);
    expect(audit.record).toHaveBeenCalledTimes(3);
  });

  it('after a switch, reads again in the new generation and never uses the old one', async () => {
    const state = { live: 'readmodel_g1' };
    const { service, statements } = setup(state);
    await service.read(query);
    state.live = 'readmodel_g2';
    statements.length = 0;
    const result = await service.read(query);
    expect(statements).toEqual(['snapshot readmodel_g1', 'snapshot readmodel_g2']);
    expect(JSON.stringify(result.overview)).toContain('from-readmodel_g2');
    expect(JSON.stringify(result.overview)).not.toContain('from-readmodel_g1');
    // The next read goes straight to the new generation.
    statements.length = 0;
    await service.read(query);
    expect(statements).toEqual(['snapshot readmodel_g2']);
  });

  it('when the remembered generation has been dropped, looks the live one up again', async () => {
    const state = { live: 'readmodel_g1', dropped: new Set<string>() };
    const { service, statements } = setup(state);
    await service.read(query);
    state.live = 'readmodel_g3';
    state.dropped.add('readmodel_g1');
    statements.length = 0;
    await service.read(query);
    expect(statements).toEqual(['snapshot readmodel_g1', 'activeSchema', 'snapshot readmodel_g3']);
  });

  it('messagesHeld asks the live generation, after a switch the new one, and audits nothing', async () => {
    const state = { live: 'readmodel_g1' };
    const { service, statements, audit } = setup(state);
    expect(await service.messagesHeld('3428', ['m-readmodel_g1', 'm-readmodel_g2'])).toEqual(new Set(['m-readmodel_g1']));
    state.live = 'readmodel_g2';
    expect(await service.messagesHeld('3428', ['m-readmodel_g1', 'm-readmodel_g2'])).toEqual(new Set(['m-readmodel_g2']));
    expect(statements).toEqual(['activeSchema', 'held readmodel_g1', 'held readmodel_g1', 'held readmodel_g2']);
    expect(audit.record).not.toHaveBeenCalled();
  });

  it('audits a blocked record as BLOCKED and returns no clinical data', async () => {
    const { service, audit } = setup({ live: 'readmodel_g1', blocked: true });
    const result = await service.read(query);
    expect(result).toMatchObject({ blocked: true, found: false, auditId: 'audit-1' });
    expect(result.overview.services).toEqual([]);
    expect(audit.record).toHaveBeenCalledWith(expect.objectContaining({ outcome: 'BLOCKED' }));
  });

  it('audits a read before returning it, and fails the read when the audit cannot be written', async () => {
    const { service, audit } = setup({ live: 'readmodel_g1' });
    audit.record.mockRejectedValueOnce(new Error('audit down'));
    await expect(service.read(query)).rejects.toThrow('audit down');
    expect(audit.record).toHaveBeenCalledWith(expect.objectContaining({ outcome: 'SUCCESS', action: 'SEARCH', resource: 'Condition' }));
  });
});
