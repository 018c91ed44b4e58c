import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import { buildMessage } from '@hub/testing';
import { parseExpectations } from '../../apps/ops-cli/src/conformance/conformance-expectations.reader';
import { planRun } from '../../apps/ops-cli/src/conformance/conformance-verdict.util';
import { listXmlFiles } from '../../apps/ops-cli/src/conformance/conformance.runner';
import { CliRun, runCli } from '../support/app-process';
import { HubHarness, startHub } from '../support/hub-harness';
import { ALL_DEMO_KOMMUNER, demoKommuner } from './intake-support';

/**
 * Issue #12, the certification runner: the compiled `hendelseslager conformance` (a real process)
 * posts the national examples of ../shared/corpus to a hub started on a fresh namespace and
 * database, and its verdicts agree with test/conformance/corpus.expect.yaml (exit 0); a wrong
 * expectation, a refused token and an unreachable hub each give their own non-zero exit.
 */
const ROOT = resolve(__dirname, '../..');
const CORPUS = resolve(ROOT, '../shared/corpus');
const EXPECT = join(ROOT, 'test/conformance/corpus.expect.yaml');
const REUSE_EXPECT = join(ROOT, 'test/conformance/corpus-msgid-reuse.expect.yaml');
const corpusPresent = existsSync(join(CORPUS, 'plo'));
if (!corpusPresent) {
  console.warn(`Conformance runner e2e over the corpus skipped: ${CORPUS} is absent (CI always has ../shared/corpus).`);
}


function cli(env: Record<string, string | undefined>, ...args: string[]): Promise<CliRun> {
  return runCli({ PATH: process.env.PATH, NODE_ENV: 'test', ...env }, args);
}

interface JsonRow {
  file: string;
  httpStatus: number | null;
  appRecStatus: string | null;
  errors: Array<{ code: string }>;
  result: string;
  reason?: string;
  expected: string | null;
  agree: boolean | null;
}

/** The environment a certifier's shell would have for a local hub with the development issuer. */
function devEnv(hub: HubHarness): Record<string, string> {
  return { HENDELSESLAGER_URL: hub.baseUrl, HENDELSESLAGER_DEV_ISSUER: 'true', HENDELSESLAGER_DEV_ISSUER_KEY: hub.keyFile, HENDELSESLAGER_DIRECTORY: hub.directoryPath };
}

const itWithCorpus = corpusPresent ? it : it.skip;

describe('hendelseslager conformance', () => {
  let hub: HubHarness;
  /** Messages made by the project builder: one valid, two to be refused. */
  const built = mkdtempSync(join(tmpdir(), 'conformance-built-'));
  const builtExpect = `${built}.expect.yaml`;
  const patient = { familyName: 'Bygd', givenName: 'Test', birthDate: '1950-05-05', fnr: '05055000000' };

  beforeAll(async () => {
    // A fresh namespace and database each run: the expectations hold for a hub that has not seen these MsgIds.
    hub = await startHub(demoKommuner(), {}, { isolated: 'c' });
    writeFileSync(join(built, 'valid.xml'), buildMessage({ kind: 'DIALOG_NOTAT', version: '1.1', msgId: randomUUID() }));
    writeFileSync(join(built, 'not-well-formed.xml'), buildMessage({ kind: 'DIALOG_NOTAT', version: '1.1', msgId: randomUUID() }).subarray(0, 300));
    writeFileSync(join(built, 'bad-fnr.xml'), buildMessage({ kind: 'ORIENTERING_TJENESTETILBUD', version: '1.6', msgId: randomUUID(), patient, services: [{ iplosCode: '15', startDate: '2024-01-01' }] }));
    writeFileSync(builtExpect, 'files:\n  not-well-formed.xml: reject\n  bad-fnr.xml: reject\n  valid.xml: accept\n');
  });
  afterAll(async () => {
    await hub?.close();
  });

  itWithCorpus('the expectations name every example message of the corpus; only ebxml/ and the MsgId reuse are left out', () => {
    const expectations = parseExpectations(readFileSync(EXPECT, 'utf8'));
    const found = listXmlFiles(CORPUS);
    const plan = planRun(found, expectations, 'expect');
    expect(plan.missing).toEqual([]);
    const named = new Set(expectations.files.map((e) => e.path));
    expect(plan.files.filter((f) => !named.has(f))).toEqual([]);
    expect(found.filter((f) => !plan.files.includes(f)).sort()).toEqual([
      'Henvisning/Henvisning_v2-0/Henvisning_ny_tilstand_v2-0_Test_mange_elementer.xml',
      ...found.filter((f) => f.startsWith('ebxml/')).sort(),
    ]);
    expect(plan.files).toHaveLength(45);
  });

  itWithCorpus('agrees with corpus.expect.yaml: every example accepted, in the file order, exit 0 and one JSON document', async () => {
    const run = await cli(devEnv(hub), '--json', 'conformance', CORPUS, '--expect', EXPECT);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as { rows: JsonRow[]; missing: string[]; summary: Record<string, number> };
    const expectations = parseExpectations(readFileSync(EXPECT, 'utf8'));
    expect(report.rows.map((r) => r.file)).toEqual(expectations.files.map((e) => e.path));
    const apprec = 'NPRbehandlerkravmelding/apprec-eksempel.xml';
    // The business documents get 202 and an AppRec OK without error codes; the AppRec example 202 and no AppRec.
    expect(report.rows.filter((r) => r.file !== apprec).map((r) => [r.file, r.httpStatus, r.appRecStatus, r.errors, r.result, r.agree])).toEqual(
      expectations.files.filter((e) => e.path !== apprec).map((e) => [e.path, 202, '1', [], 'accept', true]),
    );
    expect(report.rows.find((r) => r.file === apprec)).toMatchObject({ httpStatus: 202, appRecStatus: null, result: 'accept', agree: true });
    expect(report.missing).toEqual([]);
    expect(report.summary).toMatchObject({ files: 45, accepted: 45, agree: 45, disagree: 0, errors: 0, exitCode: 0 });
  });

  itWithCorpus('a wrong expectation, a file without one and a missing file: exit 1, shown in the table and the summary', async () => {
    const dir = join(CORPUS, 'Dialogmelding/Dialogmelding-v1-1');
    const wrong = join(mkdtempSync(join(tmpdir(), 'conformance-')), 'wrong.expect.yaml');
    writeFileSync(wrong, 'files:\n  Helsefaglig dialog.xml: reject\n  Helsefaglig dialog_angi profesjon hos mottaker.xml: accept\n  not-there.xml: accept\n');
    const run = await cli(devEnv(hub), 'conformance', dir, '--expect', wrong);
    expect(run.code).toBe(1);
    const lines = run.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^File +HTTP +AppRec +Errors +Result +Expected +Agree$/);
    // Posted after the run above, the identical examples are resends: 200 with the same AppRec OK (202 when run alone).
    expect(lines[1]).toMatch(/^Helsefaglig dialog\.xml +20[02] +1 OK +- +accept +reject +NO$/);
    expect(lines[2]).toMatch(/^Helsefaglig dialog_angi profesjon hos mottaker\.xml +20[02] +1 OK +- +accept +accept +yes$/);
    expect(lines[3]).toMatch(/^Status_paa_henvisning-InnkaltEtterViderehenvisning\.xml +20[02] +1 OK +- +accept +\(none\) +NO$/);
    expect(lines[4]).toBe(`Expected but not in ${dir}: not-there.xml`);
    expect(lines[5]).toMatch(/^1\/4 agree with the expectations, 3 disagree \(1 without expectation, 1 expected but missing\); 3 files in [\d.]+ s: 3 accepted, 0 rejected, 0 without verdict$/);
    expect(run.stderr).toBe(`hendelseslager: 3 disagreement(s) with ${wrong}\n`);
  });

  describe('with messages made by the project builder', () => {
    const dir = built;
    const expectFile = builtExpect;

    it('refusals are judged from the AppRec (status 2 and its 8221 codes), with a token given by --token', async () => {
      const token = await hub.token({ client: 'certifier', scopes: ['messages:write'], kommuner: ALL_DEMO_KOMMUNER() });
      const run = await cli({ HENDELSESLAGER_URL: hub.baseUrl }, '--json', 'conformance', dir, '--expect', expectFile, '--token', token);
      expect([run.code, run.stderr]).toEqual([0, '']);
      const rows = (JSON.parse(run.stdout) as { rows: JsonRow[] }).rows;
      expect(rows.map((r) => [r.file, r.httpStatus, r.appRecStatus, r.result, r.agree])).toEqual([
        ['not-well-formed.xml', 422, '2', 'reject', true],
        ['bad-fnr.xml', 422, '2', 'reject', true],
        ['valid.xml', 202, '1', 'accept', true],
      ]);
      expect(rows[0].errors.map((e) => e.code)).toEqual(['T01']);
      expect(rows[1].errors).toHaveLength(1);
    });

    it('a token the hub refuses gives error rows (no verdict) and exit 2, with the reason', async () => {
      const reader = await hub.token({ client: 'reader', scopes: ['patients:read'], kommuner: ALL_DEMO_KOMMUNER() });
      const run = await cli({ HENDELSESLAGER_URL: hub.baseUrl, HENDELSESLAGER_TOKEN: reader }, '--json', 'conformance', dir, '--expect', expectFile);
      expect(run.code).toBe(2);
      const report = JSON.parse(run.stdout) as { rows: JsonRow[]; summary: Record<string, number> };
      expect(report.rows.map((r) => [r.httpStatus, r.result, r.agree])).toEqual([[403, 'error', false], [403, 'error', false], [403, 'error', false]]);
      expect(report.rows[0].reason).toMatch(/^HTTP 403/);
      expect(report.summary).toMatchObject({ errors: 3, disagree: 3, exitCode: 2 });
      expect(JSON.parse(run.stderr.trim())).toEqual({ error: '3 file(s) got no verdict from the hub' });
    });
  });

  it.each([
    [['conformance', '/no/such/folder'], /\/no\/such\/folder is not a folder/],
    [['conformance', built, '--order', 'expect'], /--order expect needs --expect <file>/],
    [['conformance', built, '--expect', join(ROOT, 'package.json')], /package\.json: unknown key/],
    [['conformance', built, '--expect', builtExpect, '--url', 'http://127.0.0.1:2'], /Cannot reach the hub at http:\/\/127\.0\.0\.1:2 \(ECONNREFUSED\); is it running\? \(--url\)/],
  ])('%j exits 2 with a clear message and no stack trace', async (args, message) => {
    const run = await cli({ HENDELSESLAGER_TOKEN: 'x' }, ...(args as string[]));
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message as RegExp);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(run.stdout).toBe('');
  });

  it('without a token and without the development issuer it says how to give one (exit 2); --help documents the exit statuses', async () => {
    const run = await cli({}, 'conformance', built, '--url', hub.baseUrl);
    expect([run.code, run.stderr]).toEqual([2, 'hendelseslager: No token: give --token, set HENDELSESLAGER_TOKEN, or (development only) set HENDELSESLAGER_DEV_ISSUER=true\n']);
    const help = await cli({}, 'conformance', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Usage: hendelseslager conformance \[options\] <dir>/);
    expect(help.stdout).toMatch(/Exit status: 0 every file answered/);
  });
});

(corpusPresent ? describe : describe.skip)('the example that reuses a MsgId, alone against a fresh hub', () => {
  let hub: HubHarness;
  beforeAll(async () => {
    hub = await startHub(demoKommuner(), {}, { isolated: 'r' });
  });
  afterAll(async () => {
    await hub?.close();
  });

  it('Henvisning_ny_tilstand_v2-0_Test_mange_elementer.xml is accepted by a hub that has not seen its MsgId (corpus-msgid-reuse.expect.yaml)', async () => {
    const run = await cli(devEnv(hub), '--json', 'conformance', join(CORPUS, 'Henvisning/Henvisning_v2-0'), '--expect', REUSE_EXPECT);
    expect([run.code, run.stderr]).toEqual([0, '']);
    const rows = (JSON.parse(run.stdout) as { rows: JsonRow[] }).rows;
    expect(rows.map((r) => [r.file, r.httpStatus, r.appRecStatus, r.result, r.agree])).toEqual([['Henvisning_ny_tilstand_v2-0_Test_mange_elementer.xml', 202, '1', 'accept', true]]);
  });
});
