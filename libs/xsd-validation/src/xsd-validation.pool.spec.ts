import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { parseMessage } from '@hub/messages';
import { buildMessage, createRng, randomMessage, requireXmllint, SUPPORTED_MESSAGES } from '@hub/testing';
import { nationalSchemaPath, repositoryRoot } from './national-schemas.constant';
import { formatXsdIssue } from './xsd-issue-text.util';
import { XsdValidatorUnavailableException } from './xsd-validation.exception';
import type { XsdVerdict } from './xsd-validation.model';
import { XsdValidationPool } from './xsd-validation.pool';

/**
 * The validator is held to libxml2's own command-line tool: every document below is validated by
 * the pool (libxml2-wasm in a worker) and by `xmllint --noout --schema` against the same carried
 * schema set, and both must give the same verdict and name the same lines.
 */
const CORPUS = resolve(__dirname, '../../../../shared/corpus');
const corpusPresent = existsSync(join(CORPUS, 'xsd'));
if (!corpusPresent) console.warn(`${CORPUS} is absent: the corpus parts of the XSD validation spec are skipped, not passed.`);
const withCorpus = corpusPresent ? describe : describe.skip;
const SCHEMA = nationalSchemaPath();

interface LintVerdict {
  valid: boolean;
  lines: number[];
  messages: string[];
}

/** xmllint, the reference: one run over all documents. */
function xmllint(docs: readonly Buffer[]): LintVerdict[] {
  requireXmllint();
  const dir = mkdtempSync(join(tmpdir(), 'hub-xsd-ref-'));
  try {
    const files = docs.map((doc, i) => {
      const file = join(dir, `doc-${i}.xml`);
      writeFileSync(file, doc);
      return file;
    });
    const run = spawnSync('xmllint', ['--noout', '--nonet', '--schema', SCHEMA, ...files], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    if (run.error) throw run.error;
    const out = `${run.stdout}\n${run.stderr}`.split('\n');
    if (out.some((l) => l.includes('failed to compile'))) throw new Error(`schema set failed to compile under xmllint:\n${out.join('\n')}`);
    return files.map((file) => {
      const mine = out.filter((l) => l.startsWith(`${file}:`));
      return {
        valid: out.includes(`${file} validates`),
        lines: [...new Set(mine.map((l) => Number(l.slice(file.length + 1).split(':')[0])))].sort((a, b) => a - b),
        messages: mine,
      };
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const isValid = (v: XsdVerdict) => v.outcome === 'valid' && v.unknownPayloadNamespaces.length === 0;
const linesOf = (v: XsdVerdict) => (v.outcome === 'valid' ? [] : [...new Set(v.issues.map((i) => i.line))].sort((a, b) => a - b));

function xmlFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return name === 'xsd' ? [] : xmlFiles(path);
      return name.endsWith('.xml') ? [path] : [];
    });
}

/** The mutations of issue #12 item 4, each on the first place it applies; undefined when it does not. */
const MUTATIONS: Record<string, { apply: (xml: string) => string | undefined; names: (xml: string) => string; value?: string }> = {
  'emptied xs:boolean': {
    apply: (xml) =>
      replaceFirst(
        xml,
        /<((?:\w+:)?(PrivatTjeneste|Anslag|Hoveddiagnose|SvarPaaForesporsel|BorAlene|NarmesteParorende|RettTilHelsehjelp|JaNei))>(true|false)<\/\1>/,
        '<$1></$1>',
      ),
    names: (xml) =>
      'element ' +
      (/<(?:\w+:)?(PrivatTjeneste|Anslag|Hoveddiagnose|SvarPaaForesporsel|BorAlene|NarmesteParorende|RettTilHelsehjelp|JaNei)><\//.exec(xml)?.[1] ?? '?'),
  },
  'removed required element': {
    // MIGversion is mandatory in MsgHead, Epikrise, Henvisning and AppRec alike; the parser never reads it.
    apply: (xml) => replaceFirst(xml, /<((?:\w+:)?MIGversion)>[^<]*<\/\1>/, ''),
    // libxml2 reports it at the element that follows, naming the missing one as expected.
    names: () => 'MIGversion)',
  },
  'malformed date': {
    // A Norwegian-style date where xs:dateTime is required: MsgHead GenDate text, or GenDate/@V of a bare message.
    apply: (xml) =>
      replaceFirst(xml, /(<(?:\w+:)?GenDate>)[^<]*(<\/(?:\w+:)?GenDate>)/, '$131.01.2018 11:35$2') ??
      replaceFirst(xml, /(<(?:\w+:)?GenDate V=")[^"]*(")/, '$131.01.2018 11:35$2'),
    names: () => 'element GenDate',
    value: '31.01.2018 11:35',
  },
};

function replaceFirst(xml: string, pattern: RegExp, replacement: string): string | undefined {
  if (!pattern.test(xml)) return undefined;
  return xml.replace(pattern, replacement);
}

describe('XsdValidationPool (libxml2-wasm in a worker) against xmllint', () => {
  const pool = new XsdValidationPool({ workers: 2, diagnostics: true });
  beforeAll(() => pool.start(), 60000);
  afterAll(() => pool.close());

  it('compiles the carried schema set once per worker', () => {
    expect(pool.compileMs).toBeGreaterThan(0);
  });

  withCorpus('../shared/corpus', () => {
    const files = corpusPresent ? xmlFiles(CORPUS) : [];
    const business = files.filter((f) => !relative(CORPUS, f).startsWith('ebxml'));

    it('carries the official XSDs unchanged (byte-identical to ../shared/corpus/xsd)', () => {
      const carried = xmlFilesOf(resolve(repositoryRoot(), 'schemas/xsd'), '.xsd').filter((f) => !f.includes('/hub/'));
      expect(carried.length).toBeGreaterThanOrEqual(35);
      for (const file of carried) {
        const official = join(CORPUS, 'xsd', relative(resolve(repositoryRoot(), 'schemas/xsd'), file));
        expect([relative(CORPUS, official), sha256(readFileSync(file))]).toEqual([relative(CORPUS, official), sha256(readFileSync(official))]);
      }
    });

    it("gives xmllint's verdict on every corpus file; every national example validates, the ebXML envelopes do not", async () => {
      const bytes = files.map((f) => readFileSync(f));
      const reference = xmllint(bytes);
      const mine = await Promise.all(bytes.map((b) => pool.validate(b)));
      const table = files.map((f, i) => [relative(CORPUS, f), isValid(mine[i]), reference[i].valid]);
      for (const [file, ours, theirs] of table) expect([file, ours]).toEqual([file, theirs]);
      expect(business.length).toBe(46);
      expect(table.filter(([file, ours]) => ours && !String(file).startsWith('ebxml')).length).toBe(46);
      expect(table.filter(([file, ours]) => !ours && String(file).startsWith('ebxml')).length).toBe(files.length - 46);
    });

    it.each(Object.keys(MUTATIONS))(
      'every corpus example with a %s: refused by both, on the same lines, naming the element, which the parser alone accepts',
      async (name) => {
        const mutation = MUTATIONS[name];
        const variants = business.flatMap((f) => {
          const xml = readFileSync(f, 'utf8');
          const mutated = mutation.apply(xml);
          return mutated === undefined ? [] : [{ file: relative(CORPUS, f), xml: mutated }];
        });
        expect(variants.length).toBeGreaterThan(name === 'emptied xs:boolean' ? 10 : 40);
        await expectRefusedLikeXmllint(pool, variants, mutation);
      },
    );
  });

  it('validates every message the builder makes (each kind and version, minimal, C, ISO-8859-1) and a seeded random mix, as xmllint does', async () => {
    const docs: Buffer[] = [];
    for (const m of SUPPORTED_MESSAGES) {
      docs.push(buildMessage({ kind: m.kind, version: m.version }));
      docs.push(buildMessage({ kind: m.kind, version: m.version, status: 'C', encoding: 'ISO-8859-1' }));
    }
    const rng = createRng(4242);
    for (let i = 0; i < 60; i++) docs.push(randomMessage(rng, { attachmentShare: 0.1 }).bytes);
    const reference = xmllint(docs);
    const mine = await Promise.all(docs.map((d) => pool.validate(d)));
    expect(mine.map(isValid)).toEqual(reference.map((r) => r.valid));
    expect(mine.every(isValid)).toBe(true);
  });

  it.each(Object.keys(MUTATIONS))('built messages with a %s: refused by both, same lines, element named', async (name) => {
    const mutation = MUTATIONS[name];
    const variants = SUPPORTED_MESSAGES.flatMap((m) => {
      const xml = buildMessage({ kind: m.kind, version: m.version, status: 'N' }).toString('utf8');
      const mutated = mutation.apply(xml);
      return mutated === undefined ? [] : [{ file: `${m.kind} ${m.version}`, xml: mutated }];
    });
    expect(variants.length).toBeGreaterThan(name === 'emptied xs:boolean' ? 3 : 20);
    await expectRefusedLikeXmllint(pool, variants, mutation);
  });

  it('a MsgHead payload with no official schema (standard OTHER) passes with its namespace named; the rest of MsgHead is still validated', async () => {
    const good = buildMessage({ kind: 'ORIENTERING_TJENESTETILBUD', version: '1.6' }).toString('utf8');
    const other = good.replace(/http:\/\/www\.kith\.no\/xmlstds\/po\/OrienteringOmTjenestetilbud\/2012-04-01/g, 'urn:example:e-resept');
    const otherBadDate = MUTATIONS['malformed date'].apply(other) as string;
    const undeclaredRoot = good.replace(/<(\/?)pl:OrienteringOmTjenestetilbud\b/g, '<$1pl:Orientering');
    const [a, b, c] = await Promise.all([other, otherBadDate, undeclaredRoot].map((x) => pool.validate(Buffer.from(x))));
    const reference = xmllint([other, otherBadDate].map((x) => Buffer.from(x)));
    // xmllint refuses the unknown payload (MsgHead Content is strict); that is its only finding.
    expect(reference[0].valid).toBe(false);
    expect(reference[0].messages.join('\n')).toMatch(/demanded by the strict wildcard/);
    expect(reference[0].lines).toHaveLength(1);
    expect(a).toEqual({ outcome: 'valid', unknownPayloadNamespaces: ['urn:example:e-resept'] });
    expect(b.outcome).toBe('invalid');
    expect(b.outcome === 'invalid' && b.issues.map((i) => i.element)).toEqual(['GenDate']);
    expect(linesOf(b)).toEqual(reference[1].lines.filter((l) => !reference[0].lines.includes(l)));
    // A namespace the carried set has a schema for is not "OTHER": an element it does not declare is refused.
    expect(c.outcome).toBe('invalid');
    expect(c.outcome === 'invalid' && formatXsdIssue(c.issues[0])).toMatch(/element Orientering: no official schema declares this element/);
  });

  it('reports what libxml2 cannot read as not well-formed, without content', async () => {
    const verdict = await pool.validate(Buffer.from('<?xml version="1.0"?><a><b>12345678901</a>'));
    expect(verdict.outcome).toBe('notWellFormed');
    expect(JSON.stringify(verdict)).not.toContain('12345678901');
  });

  it('replaces a worker that dies: its requests fail as unavailable, the next ones are answered', async () => {
    const own = new XsdValidationPool({ workers: 1 });
    await own.start();
    const doc = buildMessage({ kind: 'LOG_INNLAGT', version: '1.6' });
    const inFlight = own.validate(doc);
    const slots = (own as unknown as { slots: Array<{ worker: { terminate(): Promise<number> } }> }).slots;
    await slots[0].worker.terminate();
    await expect(inFlight).rejects.toBeInstanceOf(XsdValidatorUnavailableException);
    await expect(own.validate(doc)).resolves.toEqual({ outcome: 'valid', unknownPayloadNamespaces: [] });
    await own.close();
    await expect(own.validate(doc)).rejects.toBeInstanceOf(XsdValidatorUnavailableException);
  });

  it("disposes every libxml2 document it made (valid, invalid, not well-formed): only each worker's validator stays", async () => {
    // Runs after the tests above, which sent hundreds of documents of every outcome through both workers.
    await pool.validate(Buffer.from('<a><b></a>'));
    await pool.validate(Buffer.from(MUTATIONS['malformed date'].apply(buildMessage({ kind: 'LOG_DOD', version: '1.5' }).toString('utf8')) as string));
    expect(await pool.undisposed()).toEqual([{ XsdValidator: 1 }, { XsdValidator: 1 }]);
  });
});

async function expectRefusedLikeXmllint(
  pool: XsdValidationPool,
  variants: Array<{ file: string; xml: string }>,
  mutation: { names: (xml: string) => string; value?: string },
): Promise<void> {
  const bytes = variants.map((v) => Buffer.from(v.xml, 'utf8'));
  const reference = xmllint(bytes);
  const mine = await Promise.all(bytes.map((b) => pool.validate(b)));
  for (const [i, v] of variants.entries()) {
    const verdict = mine[i];
    // The parser alone (intake before this change) reads the variant without complaint.
    expect(() => parseMessage(bytes[i])).not.toThrow();
    expect([v.file, reference[i].valid, verdict.outcome]).toEqual([v.file, false, 'invalid']);
    expect([v.file, linesOf(verdict)]).toEqual([v.file, reference[i].lines.slice(0, 10)]);
    const texts = verdict.outcome === 'invalid' ? verdict.issues.map(formatXsdIssue).join('; ') : '';
    expect([v.file, texts]).toEqual([v.file, expect.stringContaining(mutation.names(v.xml))]);
    if (mutation.value) expect(texts).not.toContain(mutation.value);
  }
}

function xmlFilesOf(dir: string, ext: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? xmlFilesOf(path, ext) : name.endsWith(ext) ? [path] : [];
    });
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}
