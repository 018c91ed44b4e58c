import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ConformanceResources, conformanceResourcesDir, CONFORMANCE_TYPES } from './conformance-resources';
import { FHIR_CANONICAL_BASE, HUB_PROFILES } from './identifier-systems.constant';

const REAL_DIR = resolve(__dirname, '../structure-definitions');
const SD = `${FHIR_CANONICAL_BASE}/StructureDefinition`;

describe('conformanceResourcesDir', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'conformance-dir-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));
  const dir = (...parts: string[]) => {
    const path = join(root, ...parts);
    mkdirSync(path, { recursive: true });
    return path;
  };

  it('is libs/fhir/structure-definitions of this repository when run from the sources', () => {
    expect(conformanceResourcesDir()).toBe(REAL_DIR);
    expect(conformanceResourcesDir(__dirname, root)).toBe(REAL_DIR);
  });

  it('from the build (dist/libs/fhir/src) is the repository directory four levels up', () => {
    const moduleDir = dir('dist', 'libs', 'fhir', 'src');
    const inRepository = dir('libs', 'fhir', 'structure-definitions');
    expect(conformanceResourcesDir(moduleDir, dir('elsewhere'))).toBe(inRepository);
  });

  it('prefers the directory next to the module over the repository one and the working directory', () => {
    const moduleDir = dir('dist', 'libs', 'fhir', 'src');
    const nextToModule = dir('dist', 'libs', 'fhir', 'structure-definitions');
    dir('libs', 'fhir', 'structure-definitions');
    expect(conformanceResourcesDir(moduleDir, root)).toBe(nextToModule);
  });

  it('falls back to libs/fhir/structure-definitions under the working directory, and fails when there is none', () => {
    const moduleDir = dir('a', 'b', 'c', 'd', 'src');
    const workingDir = dir('install');
    expect(() => conformanceResourcesDir(moduleDir, workingDir)).toThrow(new Error('libs/fhir/structure-definitions not found next to the application'));
    const underWorkingDir = dir('install', 'libs', 'fhir', 'structure-definitions');
    expect(conformanceResourcesDir(moduleDir, workingDir)).toBe(underWorkingDir);
  });
});

describe('ConformanceResources', () => {
  describe('loading', () => {
    let folder: string;
    beforeEach(() => {
      folder = mkdtempSync(join(tmpdir(), 'conformance-'));
    });
    afterEach(() => rmSync(folder, { recursive: true, force: true }));
    const write = (file: string, content: unknown) => writeFileSync(join(folder, file), typeof content === 'string' ? content : JSON.stringify(content));

    it('loads every <resourceType>-<id>.json and ignores files that are not JSON', () => {
      write('CodeSystem-x.json', { resourceType: 'CodeSystem', id: 'x', url: 'http://e/x' });
      write('README.md', 'not json {');
      write('CodeSystem-y.json.bak', 'not json {');
      const loaded = new ConformanceResources(folder);
      expect(loaded.read('CodeSystem', 'x')).toEqual({ resourceType: 'CodeSystem', id: 'x', url: 'http://e/x' });
      expect(loaded.search('CodeSystem', {}).map((r) => r.id)).toEqual(['x']);
    });

    it.each([
      ['another id', 'CodeSystem-x.json', { resourceType: 'CodeSystem', id: 'y' }],
      ['another resourceType', 'CodeSystem-x.json', { resourceType: 'ValueSet', id: 'x' }],
      ['no id', 'CodeSystem-x.json', { resourceType: 'CodeSystem' }],
    ])('refuses a file whose content disagrees with its name (%s), naming the file', (_, file, content) => {
      write(file, content);
      expect(() => new ConformanceResources(folder)).toThrow(new Error(`${file}: resourceType and id do not match the file name`));
    });

    it('serves what it loaded unchangeable (the resources are part of the API contract)', () => {
      write('ValueSet-v.json', { resourceType: 'ValueSet', id: 'v', status: 'active' });
      const resource = new ConformanceResources(folder).read('ValueSet', 'v')!;
      expect(Object.isFrozen(resource)).toBe(true);
    });

    it('returns a search sorted by id, not by file name', () => {
      // File names sort a-b, a.b, a ('-' < '.' < 'j' of ".json"); the ids sort a, a-b, a.b.
      for (const id of ['a', 'a-b', 'a.b']) write(`StructureDefinition-${id}.json`, { resourceType: 'StructureDefinition', id });
      expect(new ConformanceResources(folder).search('StructureDefinition', {}).map((r) => r.id)).toEqual(['a', 'a-b', 'a.b']);
    });
  });

  describe('the real structure-definitions', () => {
    const resources = new ConformanceResources();
    const files = readdirSync(REAL_DIR).filter((f) => f.endsWith('.json'));
    const idsOf = (found: Array<{ id?: string }>) => found.map((r) => r.id);

    it('reads each by type and id, and nothing under another type or an unknown id', () => {
      expect(files.length).toBeGreaterThan(5);
      for (const file of files) {
        const [, type, id] = /^([A-Za-z]+)-(.+)\.json$/.exec(file)!;
        expect(resources.read(type as (typeof CONFORMANCE_TYPES)[number], id)).toMatchObject({ resourceType: type, id });
      }
      // service-ended-by is a StructureDefinition, a CodeSystem and a ValueSet: each type its own.
      expect(resources.read('CodeSystem', 'service-ended-by')?.resourceType).toBe('CodeSystem');
      expect(resources.read('ValueSet', 'service-ended-by')?.resourceType).toBe('ValueSet');
      expect(resources.read('StructureDefinition', 'service-ended-by')?.resourceType).toBe('StructureDefinition');
      expect(resources.read('CodeSystem', 'hendelseslager-patient')).toBeUndefined();
      expect(resources.read('StructureDefinition', 'no-such-profile')).toBeUndefined();
    });

    it('searches without criteria: every resource of that type only, sorted by id', () => {
      for (const type of CONFORMANCE_TYPES) {
        const expected = files.filter((f) => f.startsWith(`${type}-`)).map((f) => f.slice(type.length + 1, -'.json'.length)).sort();
        expect(idsOf(resources.search(type, {}))).toEqual(expected);
        // An empty list of values is no criterion, as an absent one.
        expect(idsOf(resources.search(type, { _id: [], url: [], type: [] }))).toEqual(expected);
      }
      expect(idsOf(resources.search('CodeSystem', {}))).toEqual(['service-ended-by']);
    });

    it('searches by _id: any of the given ids, within the type searched', () => {
      expect(idsOf(resources.search('StructureDefinition', { _id: ['service-unit', 'hendelseslager-patient', 'nope'] }))).toEqual(['hendelseslager-patient', 'service-unit']);
      expect(idsOf(resources.search('ValueSet', { _id: ['service-ended-by'] }))).toEqual(['service-ended-by']);
      expect(resources.search('ValueSet', { _id: ['service-unit'] })).toEqual([]);
    });

    it('searches by canonical url', () => {
      expect(resources.search('StructureDefinition', { url: [HUB_PROFILES.Patient] })).toEqual([resources.read('StructureDefinition', 'hendelseslager-patient')]);
      expect(resources.search('StructureDefinition', { url: [`${FHIR_CANONICAL_BASE}/CodeSystem/service-ended-by`] })).toEqual([]);
      expect(idsOf(resources.search('CodeSystem', { url: [`${FHIR_CANONICAL_BASE}/CodeSystem/service-ended-by`] }))).toEqual(['service-ended-by']);
    });

    it('searches StructureDefinitions by the type they define or constrain', () => {
      expect(idsOf(resources.search('StructureDefinition', { type: ['Patient'] }))).toEqual(['hendelseslager-patient']);
      expect(idsOf(resources.search('StructureDefinition', { type: ['Condition', 'Encounter'] }))).toEqual(['hendelseslager-condition', 'hendelseslager-encounter']);
      const extensions = idsOf(resources.search('StructureDefinition', { type: ['Extension'] }));
      expect(extensions).toEqual(expect.arrayContaining(['main-diagnosis', 'service-amount', 'service-ended-by', 'service-private', 'service-unit', 'source-message']));
      expect(extensions).not.toContain('hendelseslager-patient');
    });

    it('needs every criterion given to match (they are and-ed)', () => {
      expect(idsOf(resources.search('StructureDefinition', { _id: ['hendelseslager-patient'], url: [HUB_PROFILES.Patient], type: ['Patient'] }))).toEqual(['hendelseslager-patient']);
      expect(resources.search('StructureDefinition', { _id: ['hendelseslager-patient'], type: ['Condition'] })).toEqual([]);
      expect(resources.search('StructureDefinition', { _id: ['hendelseslager-patient'], url: [HUB_PROFILES.Condition] })).toEqual([]);
      expect(resources.search('StructureDefinition', { url: [HUB_PROFILES.Patient], type: ['Extension'] })).toEqual([]);
      expect(resources.search('StructureDefinition', { _id: ['hendelseslager-condition'], url: [HUB_PROFILES.Condition], type: ['Encounter'] })).toEqual([]);
      expect(idsOf(resources.search('StructureDefinition', { url: [`${SD}/service-unit`, `${SD}/service-amount`] }))).toEqual(['service-amount', 'service-unit']);
    });
  });
});
