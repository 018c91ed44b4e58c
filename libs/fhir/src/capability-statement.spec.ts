import { capabilityStatement } from './capability-statement';
import { ConformanceResources, CONFORMANCE_TYPES } from './conformance-resources';
import { HUB_PROFILES } from './identifier-systems.constant';
import { SUBSCRIPTION_TOPICS } from './subscription';

type Json = Record<string, any>;

const BASE = 'https://hub.example/fhir/3428';
/**
 * Built inside each test, not once when the spec loads: per-test coverage (Stryker) attributes
 * only what a test runs to that test.
 */
function built() {
  const statement = capabilityStatement(BASE, { name: 'Hendelseslager', version: '9.8.7' }) as Json;
  const rest = statement.rest[0] as Json;
  const byType = new Map<string, Json>(rest.resource.map((r: Json) => [r.type, r]));
  return { statement, rest, resourceOf: (type: string): Json => byType.get(type)! };
}
const codes = (r: Json) => (r.interaction as Json[]).map((i) => i.code);
const params = (r: Json) => (r.searchParam as Json[]).map((p) => [p.name, p.type]);

/** R4 value sets the statement's codes must come from (required bindings). */
const RESTFUL_INTERACTIONS = ['read', 'vread', 'update', 'patch', 'delete', 'history-instance', 'history-type', 'create', 'search-type'];
const SEARCH_PARAM_TYPES = ['number', 'date', 'string', 'token', 'reference', 'composite', 'quantity', 'uri', 'special'];

/** Every string anywhere in the statement, with its path. */
function strings(value: unknown, path = ''): Array<[string, string]> {
  if (typeof value === 'string') return [[path, value]];
  if (Array.isArray(value)) return value.flatMap((v, i) => strings(v, `${path}[${i}]`));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => strings(v, `${path}.${k}`));
  return [];
}

describe('CapabilityStatement (FHIR R4)', () => {
  it('is an active instance statement of this server: implementation with its base URL (cpb-15), software, 4.0.1 and JSON', () => {
    const { statement, rest } = built();
    expect(statement).toMatchObject({
      resourceType: 'CapabilityStatement', status: 'active', kind: 'instance', fhirVersion: '4.0.1',
      software: { name: 'Hendelseslager', version: '9.8.7' }, implementation: { url: BASE },
    });
    expect(statement.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(Number.isNaN(Date.parse(statement.date))).toBe(false);
    // format is 1..*; the hub answers FHIR JSON only (no XML, no Turtle).
    expect(statement.format).toEqual(['application/fhir+json', 'json']);
    expect(statement.rest).toHaveLength(1);
    expect(rest.mode).toBe('server');
  });

  it('states the security: no CORS, a bearer token with scopes and the purpose-of-use header, every read audited', () => {
    const { rest } = built();
    expect(rest.security.cors).toBe(false);
    expect(rest.security.description).toEqual(expect.stringContaining('Bearer access token'));
    expect(rest.security.description).toEqual(expect.stringContaining('patients:read'));
    expect(rest.security.description).toEqual(expect.stringContaining('X-Purpose-Of-Use'));
    expect(rest.security.description).toEqual(expect.stringContaining('audited'));
  });

  it('names each resource type once (cpb-9), each search parameter once per type (cpb-12), with codes from the R4 value sets', () => {
    const { rest } = built();
    const types = rest.resource.map((r: Json) => r.type);
    expect(new Set(types).size).toBe(types.length);
    for (const r of rest.resource as Json[]) {
      expect(codes(r).length).toBeGreaterThan(0);
      for (const code of codes(r)) expect([r.type, code, RESTFUL_INTERACTIONS.includes(code)]).toEqual([r.type, code, true]);
      const names = ((r.searchParam ?? []) as Json[]).map((p) => p.name);
      expect(new Set(names).size).toBe(names.length);
      for (const p of (r.searchParam ?? []) as Json[]) expect([r.type, p.name, SEARCH_PARAM_TYPES.includes(p.type)]).toEqual([r.type, p.name, true]);
    }
  });

  it('has no empty string anywhere (FHIR JSON forbids them)', () => {
    const { statement } = built();
    const all = strings(statement);
    expect(all.length).toBeGreaterThan(50);
    for (const [path, value] of all) expect([path, value.trim().length > 0]).toEqual([path, true]);
  });

  it('Provenance and Patient are searched only (the hub has no read by id for them), Binary is read only', () => {
    const { resourceOf } = built();
    expect(codes(resourceOf('Provenance'))).toEqual(['search-type']);
    expect(codes(resourceOf('Patient'))).toEqual(['search-type']);
    expect(codes(resourceOf('Binary'))).toEqual(['read']);
    expect(resourceOf('Patient')).toMatchObject({ profile: HUB_PROFILES.Patient, supportedProfile: [HUB_PROFILES.Patient] });
    expect(resourceOf('Provenance')).toMatchObject({ profile: HUB_PROFILES.Provenance, supportedProfile: [HUB_PROFILES.Provenance] });
  });

  it('documents the Patient identifier parameter, and every _include that returns a Patient', () => {
    const { resourceOf } = built();
    const [identifier] = resourceOf('Patient').searchParam as Json[];
    expect(identifier.name).toBe('identifier');
    expect(identifier.documentation).toEqual(expect.stringContaining('FNR or D-number'));
    const includes = ['EpisodeOfCare', 'Condition', 'Encounter'].flatMap((t) => resourceOf(t).searchInclude as string[]);
    expect(includes).toEqual(['EpisodeOfCare:patient', 'Condition:subject', 'Encounter:subject']);
    for (const include of includes) expect(resourceOf('Patient').documentation).toEqual(expect.stringContaining(include));
  });

  it("declares R4's own search parameters by their definitions: the patient reference chained on identifier, status per type, Condition's clinical and verification status", () => {
    const { resourceOf } = built();
    const r4 = (name: string) => `http://hl7.org/fhir/SearchParameter/${name}`;
    const declared = (type: string) => (resourceOf(type).searchParam as Json[]).map((p) => [p.name, p.type, p.definition]);
    expect(declared('EpisodeOfCare')).toEqual([['patient', 'reference', r4('clinical-patient')], ['status', 'token', r4('EpisodeOfCare-status')], ['date', 'date', r4('clinical-date')], ['_count', 'number', undefined]]);
    expect(declared('Encounter')).toEqual([['patient', 'reference', r4('clinical-patient')], ['status', 'token', r4('Encounter-status')], ['date', 'date', r4('clinical-date')], ['_count', 'number', undefined]]);
    // R4 has no Condition status: its two statuses have their own parameters; its date is the hub's own, said so.
    expect(declared('Condition')).toEqual([
      ['patient', 'reference', r4('clinical-patient')],
      ['clinical-status', 'token', r4('Condition-clinical-status')],
      ['verification-status', 'token', r4('Condition-verification-status')],
      ['date', 'date', undefined],
      ['_count', 'number', undefined],
    ]);
    expect((resourceOf('Condition').searchParam as Json[])[3].documentation).toEqual(expect.stringContaining('R4 has no Condition date'));
    expect(declared('Provenance')).toEqual([['patient', 'reference', r4('Provenance-patient')], ['_count', 'number', undefined]]);
    expect(declared('Patient')[0]).toEqual(['identifier', 'token', r4('Patient-identifier')]);
    for (const type of ['EpisodeOfCare', 'Encounter', 'Condition', 'Provenance']) {
      expect((resourceOf(type).searchParam as Json[])[0].documentation).toEqual(expect.stringContaining('patient.identifier=system|value'));
    }
  });

  it('Subscription: the Backport IG operations by their canonical definitions, and each topic named whole', () => {
    const { resourceOf } = built();
    const subscription = resourceOf('Subscription');
    expect(subscription.operation).toEqual([
      { name: 'status', definition: 'http://hl7.org/fhir/uv/subscriptions-backport/OperationDefinition/backport-subscription-status' },
      { name: 'events', definition: 'http://hl7.org/fhir/uv/subscriptions-backport/OperationDefinition/backport-subscription-events' },
    ]);
    const words = (subscription.documentation as string).split(/[\s,;()]+/);
    for (const topic of Object.values(SUBSCRIPTION_TOPICS)) expect(words).toContain(topic);
    expect(subscription.documentation).toEqual(expect.stringContaining('subscriptions:write'));
  });

  describe('the conformance resources', () => {
    const served = new ConformanceResources();

    it('are read and searched, each type once, after the resources with patient data', () => {
      const { rest, resourceOf } = built();
      expect(rest.resource.slice(-3).map((r: Json) => r.type)).toEqual([...CONFORMANCE_TYPES]);
      for (const type of CONFORMANCE_TYPES) expect([type, codes(resourceOf(type))]).toEqual([type, ['read', 'search-type']]);
    });

    it('are searched by _id (token) and url (uri), StructureDefinition also by type (token)', () => {
      const { resourceOf } = built();
      expect(params(resourceOf('StructureDefinition'))).toEqual([['_id', 'token'], ['url', 'uri'], ['type', 'token']]);
      expect(params(resourceOf('CodeSystem'))).toEqual([['_id', 'token'], ['url', 'uri']]);
      expect(params(resourceOf('ValueSet'))).toEqual([['_id', 'token'], ['url', 'uri']]);
      expect(resourceOf('StructureDefinition').searchParam[2].documentation).toEqual(expect.stringContaining('Extension'));
    });

    it('every parameter declared finds a served resource by its own element', () => {
      const { resourceOf } = built();
      for (const type of CONFORMANCE_TYPES) {
        for (const resource of served.search(type, {})) {
          for (const [name] of params(resourceOf(type)) as Array<[string, string]>) {
            const element = name === '_id' ? resource.id : resource[name];
            expect([type, resource.id, name, served.search(type, { [name]: [String(element)] }).map((r) => r.id)]).toEqual([type, resource.id, name, expect.arrayContaining([resource.id])]);
          }
        }
      }
    });

    it('says in the documentation which kind of resources each type holds', () => {
      const { resourceOf } = built();
      expect(resourceOf('StructureDefinition').documentation).toEqual(expect.stringContaining('profiles and extensions'));
      expect(resourceOf('CodeSystem').documentation).toEqual(expect.stringContaining('code systems'));
      expect(resourceOf('ValueSet').documentation).toEqual(expect.stringContaining('value sets'));
      for (const type of CONFORMANCE_TYPES) expect(resourceOf(type).documentation).toEqual(expect.stringContaining('no access token needed'));
    });
  });
});
