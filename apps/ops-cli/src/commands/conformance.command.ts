import { existsSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { ConfigException, HubClientConfig, loadHubClientConfig } from '@hub/config';
import { mintDevToken } from '@hub/auth';
import { parseDirectory } from '@hub/directory';
import { CliError, output } from '../cli-error';
import { ProgressBar } from '../progress-bar';
import { Expectations, ExpectationsException, normalizeRelativePath, parseExpectations } from '../conformance/conformance-expectations.reader';
import { CONFORMANCE_EXIT, Order, planRun, summarize } from '../conformance/conformance-verdict.util';
import { ConformanceReport, renderReport } from '../conformance/conformance-report.util';
import { HubUnreachableException, listXmlFiles, runConformance } from '../conformance/conformance.runner';

const collect = (value: string, previous: string[]) => [...previous, ...value.split(/[ ,]+/).filter(Boolean)];
const usage = (message: string) => new CliError(message, CONFORMANCE_EXIT.ERROR);

interface Flags {
  url?: string;
  token?: string;
  kommune: string[];
  expect?: string;
  order?: string;
  exclude: string[];
  timeout: string;
}

/**
 * `hendelseslager conformance DIR [--expect FILE]`, for the people who certify an installation:
 * posts every XML file under DIR to a running hub, one at a time, and tells what it answered;
 * with an expectations file, whether each answer agrees (exit 0 only when all do).
 */
export function registerConformanceCommand(program: Command): void {
  program
    .command('conformance')
    .description('Post every *.xml file under DIR to a running hub and report HTTP status, AppRec status and error codes; with --expect, the agreement with an expectations file')
    .argument('<dir>', 'folder of business documents (searched recursively for *.xml)')
    .option('--expect <file>', 'expectations file (YAML: files: {path relative to DIR: accept | reject}, exclude: [...])')
    .option('--url <url>', 'hub base URL (default HENDELSESLAGER_URL, else http://127.0.0.1:PORT)')
    .option('--token <token>', 'bearer token with scope messages:write (default HENDELSESLAGER_TOKEN, else minted by the development issuer when it is enabled)')
    .option('--kommune <knr...>', 'kommuner of a minted token (default: every kommune in HENDELSESLAGER_DIRECTORY)', collect, [])
    .option('--order <order>', "posting order: 'path', or 'expect' (the expectations file's order, then the files it does not name); default expect with --expect, else path")
    .option('--exclude <path...>', 'folders, files or patterns (* within a folder, ** across) relative to DIR not to post', collect, [])
    .option('--timeout <ms>', 'how long to wait for each answer', '30000')
    .addHelpText(
      'after',
      '\nExit status: 0 every file answered and (with --expect) every answer agrees; 1 a disagreement (a verdict other than expected,\n' +
        'a file without expectation, an expected file missing); 2 bad arguments or files, no token, hub unreachable, or a file\n' +
        'without verdict (401, 403, 5xx, timeout, no AppRec). accept = HTTP 200/202 with AppRec status 1 (or no body for an\n' +
        'AppRec); reject = AppRec status 2 or 3. See apps/ops-cli/README.md.',
    )
    .action(async (dirArg: string, flags: Flags) => {
      const json = Boolean(program.opts().json);
      const config = clientConfig();
      const dir = resolve(dirArg);
      if (!existsSync(dir) || !statSync(dir).isDirectory()) throw usage(`${dirArg} is not a folder`);
      const expectations = flags.expect ? readExpectations(flags.expect) : undefined;
      const order = flags.order ?? (expectations ? 'expect' : 'path');
      if (order !== 'path' && order !== 'expect') throw usage("--order must be 'path' or 'expect'");
      if (order === 'expect' && !expectations) throw usage('--order expect needs --expect <file>');
      const timeoutMs = Number(flags.timeout);
      if (!Number.isInteger(timeoutMs) || timeoutMs < 1) throw usage('--timeout must be a positive number of milliseconds');
      const url = (flags.url ?? config.hubUrl).replace(/\/+$/, '');
      if (!/^https?:\/\/[^\s/]+/.test(url)) throw usage(`--url ${url}: expected http:// or https:// and a host`);
      let exclude: string[];
      try {
        exclude = flags.exclude.map(normalizeRelativePath);
      } catch (error) {
        throw usage(`--exclude ${error instanceof Error ? error.message : String(error)}`);
      }

      const plan = planRun(listXmlFiles(dir), expectations, order as Order, exclude);
      if (plan.files.length === 0) throw usage(`No *.xml files to post under ${dirArg}`);
      const token = await resolveToken(flags, config);

      const bar = new ProgressBar('conformance', plan.files.length, !json);
      const controller = new AbortController();
      const onSigint = () => {
        process.stderr.write('\nhendelseslager: stopping after the current file\n');
        controller.abort();
      };
      process.once('SIGINT', onSigint);
      const started = Date.now();
      let rows;
      try {
        rows = await runConformance({
          dir,
          url,
          token,
          files: plan.files,
          expectations: expectations ? new Map(expectations.files.map((e) => [e.path, e.expected])) : undefined,
          timeoutMs,
          onRow: () => bar.tick(),
          signal: controller.signal,
        });
      } catch (error) {
        if (error instanceof HubUnreachableException) throw usage(error.message);
        throw error;
      } finally {
        process.off('SIGINT', onSigint);
      }
      bar.done();
      const summary = summarize(rows, plan.missing, expectations !== undefined, (Date.now() - started) / 1000);
      const report: ConformanceReport = { dir: dirArg, url, expectations: flags.expect ?? null, rows, missing: plan.missing, summary };
      output(json, report, () => renderReport(report));
      if (controller.signal.aborted) throw new CliError(`conformance interrupted after ${rows.length} of ${plan.files.length} files`, 130);
      if (summary.exitCode === CONFORMANCE_EXIT.DISAGREE) throw new CliError(`${summary.disagree} disagreement(s) with ${flags.expect}`, CONFORMANCE_EXIT.DISAGREE);
      if (summary.exitCode === CONFORMANCE_EXIT.ERROR) throw new CliError(`${summary.errors} file(s) got no verdict from the hub`, CONFORMANCE_EXIT.ERROR);
    });
}

function clientConfig(): HubClientConfig {
  try {
    return loadHubClientConfig();
  } catch (error) {
    if (error instanceof ConfigException) throw usage(error.message);
    throw error;
  }
}

function readExpectations(path: string): Expectations {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw usage(`Cannot read the expectations file ${path}`);
  }
  try {
    return parseExpectations(text);
  } catch (error) {
    if (error instanceof ExpectationsException) throw usage(`${path}: ${error.message}`);
    throw error;
  }
}

/** --token, else HENDELSESLAGER_TOKEN, else a development-issuer token with messages:write for the needed kommuner. */
async function resolveToken(flags: Flags, config: HubClientConfig): Promise<string> {
  const given = flags.token ?? config.token;
  if (given) return given;
  if (!config.devIssuer.enabled) throw usage('No token: give --token, set HENDELSESLAGER_TOKEN, or (development only) set HENDELSESLAGER_DEV_ISSUER=true');
  let kommuner = flags.kommune;
  if (kommuner.length === 0) {
    try {
      kommuner = parseDirectory(readFileSync(config.directoryPath, 'utf8')).map((k) => k.kommunenummer);
    } catch (error) {
      throw usage(`Cannot read the kommune directory ${config.directoryPath} for the token's kommuner (${error instanceof Error ? error.message : String(error)}); give --kommune`);
    }
  }
  if (kommuner.some((k) => !/^\d{4}$/.test(k))) throw usage('--kommune must be 4-digit kommunenummer');
  // An explicit list, not '*': the hub files an AppRec that names no known party under the delivering gateway's kommuner.
  return mintDevToken(config.devIssuer.keyFile, { client: 'conformance-runner', scopes: ['messages:write'], kommuner, audience: config.audience, expiresInSeconds: 3600 });
}
