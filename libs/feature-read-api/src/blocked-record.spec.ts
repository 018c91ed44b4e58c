import { blockedSearchBundle } from './blocked-record';

describe('blockedSearchBundle', () => {
  it('is an empty searchset whose one outcome entry has a fullUrl of its own (required of every searchset entry)', () => {
    const bundle = blockedSearchBundle('http://hub/fhir/9999/Condition') as { total: number; entry: Array<{ fullUrl?: string; resource: { resourceType: string; id?: string }; search: { mode: string } }> };
    expect(bundle.total).toBe(0);
    expect(bundle.entry).toHaveLength(1);
    expect(bundle.entry[0]).toMatchObject({ resource: { resourceType: 'OperationOutcome' }, search: { mode: 'outcome' } });
    expect(bundle.entry[0].fullUrl).toMatch(/^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(bundle.entry[0].resource.id).toBeUndefined();
  });
});
