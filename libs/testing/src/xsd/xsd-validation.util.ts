import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * XSD validation of generated messages against the national schemas, with `xmllint`.
 *
 * The schemas stay where they are (../shared/corpus/xsd relative to the repository root); nothing is
 * copied into the project. Three things stop them from compiling as-is, and the wrapper handles each:
 *  - MsgHead's `Content` is `xs:any processContents="strict"`, so the payload schemas must be loaded
 *    together with MsgHead: a wrapper schema imports all of them.
 *  - Several schemas import `kith.xsd` / `felleskomponent1.xsd` from relative or http locations that do
 *    not exist locally. libxml2 loads the first import of a namespace and skips later ones, so the
 *    wrapper imports the local copies first, by absolute path.
 *  - The EPJ fragment schemas (epj1/2/3) and the XML-DSig schema are not in the corpus. The wrapper
 *    imports generated stubs that declare the referenced elements with EMPTY content. The builders never
 *    emit these elements, and if one ever did, it would fail validation instead of passing silently.
 */

/** Schema sets, one per standard and version. */
export type SchemaSetId =
  | 'apprec-1.0'
  | 'apprec-1.1'
  | 'msghead-plo-1.5'
  | 'msghead-plo-1.6'
  | 'msghead-plo-2.0'
  | 'msghead-henvisning-2.0'
  | 'msghead-dialog-1.0'
  | 'msghead-dialog-1.1'
  | 'epikrise-1.0'
  | 'epikrise-1.1'
  | 'epikrise-1.2'
  | 'henvisning-1.0'
  | 'henvisning-1.1';

const NS_KITH = 'http://www.kith.no/xmlstds';
const NS_FK1 = 'http://www.kith.no/xmlstds/felleskomponent1';

const STUBS: Record<string, { file: string; elements: string[] }> = {
  'http://www.w3.org/2000/09/xmldsig#': { file: 'stub-xmldsig.xsd', elements: ['Signature'] },
  'http://www.kith.no/xmlstds/epj/epj1/2008-02-20': { file: 'stub-epj1.xsd', elements: ['Cave', 'Allerginotat'] },
  'http://www.kith.no/xmlstds/epj/epj2/2008-02-20': { file: 'stub-epj2.xsd', elements: ['GenereltJournalnotat', 'Journaltekst'] },
  'http://www.kith.no/xmlstds/epj/epj3/2008-02-20': {
    file: 'stub-epj3.xsd',
    elements: ['Legemiddelinfo', 'LegemidlerAdministrertVedOverforing'],
  },
};

/** Namespace URIs of the stubbed schemas; generated messages must not use them. */
export const STUBBED_NAMESPACES: readonly string[] = Object.keys(STUBS);

/** Payload schema files (relative to the xsd folder) per set, after the common base. */
const SET_FILES: Record<SchemaSetId, { msgHead: boolean; files: string[] }> = {
  'apprec-1.0': { msgHead: false, files: ['applikasjonskvittering/AppRec-v1-2004-11-21.xsd'] },
  'apprec-1.1': { msgHead: false, files: ['applikasjonskvittering/AppRec-v1.1.xsd'] },
  'msghead-plo-1.5': { msgHead: true, files: ['plo/v1.5/poKomponent-v1.5.xsd', 'plo/v1.5/*'] },
  'msghead-plo-1.6': { msgHead: true, files: ['plo/v1.6/poKomponent-v1.6.xsd', 'plo/v1.6/*'] },
  'msghead-plo-2.0': { msgHead: true, files: ['plo/v2.0/poKomponent-v2.0.xsd', 'plo/v2.0/*'] },
  'msghead-henvisning-2.0': { msgHead: true, files: ['plo/v2.0/poKomponent-v2.0.xsd', 'henvisning/Henvisning-v2.0.xsd'] },
  'msghead-dialog-1.0': { msgHead: true, files: ['dialogmelding/2006-10-11/dialogmelding.xsd'] },
  'msghead-dialog-1.1': { msgHead: true, files: ['dialogmelding/2013-01-23/dialogmelding-v1.1.xsd'] },
  'epikrise-1.0': { msgHead: false, files: ['epikrise/Epikrise-v1.0.xsd'] },
  'epikrise-1.1': { msgHead: false, files: ['epikrise/Epikrise-v1.1.xsd'] },
  // Epikrise 1.2 and Henvisning 1.1 declare po = poKomponent 2009-06-30 (PLO 1.5).
  'epikrise-1.2': { msgHead: false, files: ['plo/v1.5/poKomponent-v1.5.xsd', 'epikrise/Epikrise-v1.2.xsd'] },
  'henvisning-1.0': { msgHead: false, files: ['henvisning/Henvisning-v1.0.xsd'] },
  'henvisning-1.1': { msgHead: false, files: ['plo/v1.5/poKomponent-v1.5.xsd', 'henvisning/Henvisning-v1.1.xsd'] },
};

/** The corpus XSD folder (../shared/corpus/xsd next to the repository), or undefined when absent. */
export function corpusXsdDir(): string | undefined {
  // libs/testing/src/xsd -> repository root is four levels up.
  const dir = resolve(__dirname, '../../../..', '../shared/corpus/xsd');
  return existsSync(join(dir, 'felleskomponenter', 'MsgHead-v1_2.xsd')) ? dir : undefined;
}

/** True when `xmllint` can be run. */
export function isXmllintAvailable(): boolean {
  const probe = spawnSync('xmllint', ['--version'], { encoding: 'utf8' });
  return probe.error === undefined && probe.status === 0;
}

/**
 * Throws a clear error when xmllint is missing: a validation test must fail, not pass silently,
 * on a machine that cannot validate.
 */
export function requireXmllint(): void {
  if (!isXmllintAvailable()) {
    throw new Error('xmllint is not on PATH. Install it (Debian/Ubuntu: apt-get install -y libxml2-utils) to run XSD validation tests.');
  }
}

/**
 * libxml2's verdict on the well-formedness of a document (XML 1.0 and Namespaces in XML 1.0), given
 * as text. xmllint reports namespace errors (an undeclared prefix, a QName with two colons) but
 * still exits 0, so its error lines count too.
 */
export function xmllintWellFormed(xml: string): boolean {
  requireXmllint();
  const run = spawnSync('xmllint', ['--noout', '--nonet', '-'], { input: xml, encoding: 'utf8' });
  return run.status === 0 && !/^-:\d+: (?:namespace|parser) error/m.test(run.stderr);
}

function targetNamespace(file: string): string {
  const head = readFileSync(file, 'latin1').slice(0, 8000);
  const match = /targetNamespace="([^"]+)"/.exec(head);
  if (!match) throw new Error(`No targetNamespace in ${file}`);
  return match[1];
}

function expand(xsdDir: string, pattern: string): string[] {
  if (!pattern.endsWith('/*')) return [join(xsdDir, pattern)];
  const folder = join(xsdDir, pattern.slice(0, -2));
  return readdirSync(folder)
    .filter((name) => name.endsWith('.xsd'))
    .sort()
    .map((name) => join(folder, name));
}

function stubSchema(namespace: string, elements: string[]): string {
  const decls = elements.map((name) => `  <xs:element name="${name}"><xs:complexType/></xs:element>`).join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="${namespace}" elementFormDefault="qualified">\n${decls}\n</xs:schema>\n`;
}

/** Writes the wrapper schema (and stubs) for `set` into `dir` and returns its path. */
export function writeWrapperSchema(set: SchemaSetId, dir: string, xsdDir: string): string {
  const imports: Array<[string, string]> = [];
  for (const [namespace, stub] of Object.entries(STUBS)) {
    const path = join(dir, stub.file);
    writeFileSync(path, stubSchema(namespace, stub.elements));
    imports.push([namespace, path]);
  }
  imports.push([NS_KITH, join(xsdDir, 'felleskomponenter/kith.xsd')]);
  imports.push([NS_FK1, join(xsdDir, 'felleskomponenter/felleskomponent1.xsd')]);
  const def = SET_FILES[set];
  if (def.msgHead) {
    imports.push(['http://www.kith.no/xmlstds/base64container', join(xsdDir, 'felleskomponenter/kith-base64.xsd')]);
    imports.push(['http://www.kith.no/xmlstds/msghead/2006-05-24', join(xsdDir, 'felleskomponenter/MsgHead-v1_2.xsd')]);
  }
  const seen = new Set(imports.map(([ns]) => ns));
  for (const file of def.files.flatMap((pattern) => expand(xsdDir, pattern))) {
    const namespace = targetNamespace(file);
    if (seen.has(namespace)) continue;
    seen.add(namespace);
    imports.push([namespace, file]);
  }
  const body = imports.map(([ns, loc]) => `  <xs:import namespace="${ns}" schemaLocation="${loc}"/>`).join('\n');
  const wrapper = join(dir, `wrapper-${set}.xsd`);
  writeFileSync(
    wrapper,
    `<?xml version="1.0" encoding="UTF-8"?>\n<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:hendelseslager:test-wrapper">\n${body}\n</xs:schema>\n`,
  );
  return wrapper;
}

export interface ValidationResult {
  valid: boolean;
  /** xmllint messages for this document (schema-compiler warnings excluded). */
  errors: string[];
}

/**
 * Validates documents (raw bytes, any declared encoding) against one schema set in a single xmllint
 * run. Requires xmllint and the corpus; callers decide how to skip when the corpus is absent.
 */
export function validateAgainstXsd(set: SchemaSetId, documents: readonly Buffer[], xsdDir = corpusXsdDir()): ValidationResult[] {
  if (!xsdDir) throw new Error('The XSD corpus (../shared/corpus/xsd) is not available');
  requireXmllint();
  const dir = mkdtempSync(join(tmpdir(), 'hub-xsd-'));
  try {
    const wrapper = writeWrapperSchema(set, dir, xsdDir);
    const files = documents.map((doc, i) => {
      const path = join(dir, `doc-${i}.xml`);
      writeFileSync(path, doc);
      return path;
    });
    const run = spawnSync('xmllint', ['--noout', '--nonet', '--schema', wrapper, ...files], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    if (run.error) throw run.error;
    const output = `${run.stdout}\n${run.stderr}`.split('\n');
    if (output.some((line) => line.includes('failed to compile'))) {
      throw new Error(`Wrapper schema ${set} failed to compile:\n${output.filter((l) => l.includes('error')).join('\n')}`);
    }
    return files.map((file) => {
      const mine = output.filter((line) => line.startsWith(`${file}:`) || line.startsWith(`${file} `));
      return { valid: mine.some((line) => line === `${file} validates`), errors: mine.filter((line) => line !== `${file} validates`) };
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
