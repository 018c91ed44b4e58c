import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { DiagnosisView, ServiceView, SourceRef, TimelineEntry } from '@hub/projections';
import { capabilityStatement } from './capability-statement';
import { condition, encounterResources, episodeOfCare, FhirResource, patientResource, provenances } from './fhir-mapper';
import { FHIR_CANONICAL_BASE, HUB_PROFILES } from './identifier-systems.constant';

type Json = Record<string, any>;

/**
 * The project's own conformance resources (libs/fhir/structure-definitions) against what the
 * mapper writes: every extension it writes is defined there, with its value type and the
 * resource as context, and every resource claims a profile defined there. The official
 * validator (test/e2e/read-fhir-validator.e2e-spec.ts) checks the resources against them.
 */
const DIR = resolve(__dirname, '../structure-definitions');
const resources: Json[] = readdirSync(DIR)
  .filter((f) => f.endsWith('.json'))
  .map((f) => ({ file: f, ...(JSON.parse(readFileSync(join(DIR, f), 'utf8')) as Json) }));
const byUrl = new Map(resources.map((r) => [r.url as string, r]));

const patient = { identifier: { system: 'urn:oid:2.16.578.1.12.4.1.4.1', value: '01010112345' } };
const source: SourceRef = { msgId: 'm1', msgType: 'EPIKRISE', reportedAt: '2024-05-10T12:05:00', reportedBy: 'Sykehuset', receivedAt: '2026-01-01T10:00:00.000Z', originalId: 'm1' };
const service: ServiceView = {
  id: 's1', iplosCode: '15', iplosText: 'Hjemmesykepleie', description: 'Morgen', amount: '1.5', unit: 'timer hver dag', privateService: true, startDate: '2024-01-01', endDate: '2024-02-01',
  status: 'ended', endedBy: 'sluttdato', providedBy: 'Kommunen', reportedBy: 'Kommunen', firstReported: '2024-01-01T08:00:00', lastReported: '2024-01-01T08:00:00',
  sourceType: 'ORIENTERING_TJENESTETILBUD', sources: [source],
};
const diagnosis: DiagnosisView = {
  id: 'd1', codeSystem: '2.16.578.1.12.4.1.1.7110', code: 'I50', display: 'Hjertesvikt', text: null, isMain: 'true', firstReported: '2024-01-01T10:00:00', lastReported: '2024-01-01T10:00:00',
  startDate: null, endDate: null, retracted: false, contexts: ['EPIKRISE'], codeSystemMismatch: false, sources: [source],
};
const admitted: TimelineEntry = { kind: 'ADMITTED', time: '2024-05-01T10:00:00', eventCode: null, description: null, dischargedTo: null, retracted: false, source };

function everyMapped(): FhirResource[] {
  const stays = encounterResources([admitted], patient);
  const demographics = { id: 'AbC_-12', familyName: 'Nordmann', givenName: 'Kari', birthDate: '1944-03-12', sex: '2' };
  return [episodeOfCare(service, patient), condition(diagnosis, patient), ...stays.map((s) => s.resource), ...provenances(stays), patientResource(demographics, null, patient, 'm1')];
}

describe("the project's StructureDefinitions", () => {
  it('are named <resourceType>-<id>.json and have a canonical URL under the documented base', () => {
    expect(resources.length).toBeGreaterThan(0);
    for (const r of resources) {
      expect(r.file).toBe(`${r.resourceType}-${r.id}.json`);
      expect(r.url).toBe(`${FHIR_CANONICAL_BASE}/${r.resourceType}/${r.id}`);
      expect(r).toMatchObject({ status: 'active', publisher: 'Hendelseslager' });
      if (r.resourceType === 'StructureDefinition') expect(r).toMatchObject({ fhirVersion: '4.0.1', derivation: 'constraint' });
    }
  });

  it('define every extension the mapper writes, with its value type and the resource it is written on as context', () => {
    const written = everyMapped().flatMap((r) => ((r.extension as Json[] | undefined) ?? []).map((e) => ({ on: r.resourceType, e })));
    expect(new Set(written.map((w) => w.e.url)).size).toBeGreaterThanOrEqual(6);
    for (const { on, e } of written) {
      const definition = byUrl.get(e.url);
      expect([e.url, definition?.type]).toEqual([e.url, 'Extension']);
      expect(definition!.context.map((c: Json) => c.expression)).toContain(on);
      const valueKey = Object.keys(e).find((k) => k.startsWith('value'))!;
      const valueElement = definition!.differential.element.find((el: Json) => el.path === 'Extension.value[x]');
      expect(valueElement.type.map((t: Json) => `value${t.code[0].toUpperCase()}${t.code.slice(1)}`)).toEqual([valueKey]);
    }
  });

  it('define the profile every mapped resource claims, for its own type, and the CapabilityStatement names it', () => {
    const statement = capabilityStatement('http://hub/fhir/9999', { name: 'x', version: '0' }) as Json;
    for (const r of everyMapped()) {
      const claimed = (r.meta as Json).profile as string[];
      expect(claimed).toEqual([HUB_PROFILES[r.resourceType as keyof typeof HUB_PROFILES]]);
      expect(byUrl.get(claimed[0])).toMatchObject({ resourceType: 'StructureDefinition', type: r.resourceType, kind: 'resource' });
      const entry = statement.rest[0].resource.find((x: Json) => x.type === r.resourceType);
      expect(entry).toMatchObject({ profile: claimed[0], supportedProfile: claimed });
    }
  });

  it('resolve every profile and value set they refer to among themselves', () => {
    const refs = resources.flatMap((r) =>
      ((r.differential?.element as Json[] | undefined) ?? []).flatMap((el) => [...(el.type ?? []).flatMap((t: Json) => t.profile ?? []), ...(el.binding?.valueSet ? [el.binding.valueSet] : [])]),
    );
    for (const vs of resources.filter((r) => r.resourceType === 'ValueSet')) refs.push(...vs.compose.include.map((i: Json) => i.system));
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) expect([ref, byUrl.has(ref)]).toEqual([ref, true]);
  });
});
