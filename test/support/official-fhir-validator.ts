import { ChildProcessWithoutNullStreams, execFileSync, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';

/** One issue the official validator reported, flattened from its OperationOutcome. */
export interface ValidatorIssue {
  severity: 'fatal' | 'error' | 'warning' | 'information';
  /** FHIRPath of the element, e.g. `Bundle.entry[2].resource.abatement.ofType(dateTime)`. */
  location: string;
  message: string;
  /** The validator's message id (an invariant's canonical#key, or a java-core message id). */
  messageId: string;
}

const ROOT = resolve(__dirname, '../..');
/** The project's own extensions and profiles, loaded besides the base R4 definitions. */
export const STRUCTURE_DEFINITIONS_DIR = resolve(ROOT, 'libs/fhir/structure-definitions');

/**
 * HAPI FHIR's instance validator (the engine of the official HL7 FHIR validator), R4, offline,
 * as one long-lived Java process (tools/fhir-validator): built and cached on first use by
 * tools/fhir-validator/build.mjs, started once per test file, one resource per request.
 */
export class OfficialFhirValidator {
  /** Build time (0 when cached) and JVM start-up to ready, in ms. */
  readonly timings: { buildMs: number; startMs: number };
  private readonly waiting: Array<(line: string) => void> = [];
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly process: ChildProcessWithoutNullStreams,
    lines: AsyncIterator<string>,
    timings: { buildMs: number; startMs: number },
  ) {
    this.timings = timings;
    void (async () => {
      for (;;) {
        const next = await lines.next();
        if (next.done) break;
        this.waiting.shift()?.(next.value);
      }
      for (const w of this.waiting.splice(0)) w('');
    })();
  }

  static async start(): Promise<OfficialFhirValidator> {
    const built = JSON.parse(execFileSync(process.execPath, [resolve(ROOT, 'tools/fhir-validator/build.mjs')], { encoding: 'utf8', timeout: 20 * 60 * 1000 })) as { classpath: string; builtMs: number };
    const started = Date.now();
    const child = spawn(
      process.env.FHIR_VALIDATOR_JAVA ?? 'java',
      // Serial GC, a bounded heap and the C1 compiler only: the validator is single-threaded and shares a
      // small machine, and a test file validates too little for C2 to pay off (start to ready 18 s
      // instead of 34 s, and a faster run, measured side by side).
      ['-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-Xmx768m', '-Xss4m', '-Dorg.slf4j.simpleLogger.defaultLogLevel=error', '-cp', built.classpath, 'FhirValidatorServer', STRUCTURE_DEFINITIONS_DIR],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    const stderr: string[] = [];
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => stderr.push(chunk));
    const lines = createInterface({ input: child.stdout, crlfDelay: Infinity })[Symbol.asyncIterator]();
    const first = await Promise.race([
      lines.next(),
      new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`FHIR validator exited (${code}) before it was ready: ${stderr.join('').slice(-2000)}`)))),
    ]);
    const ready = JSON.parse(first.value as string) as { ready: boolean; startMs: number };
    if (!ready.ready) throw new Error(`FHIR validator did not start: ${String(first.value)}`);
    const validator = new OfficialFhirValidator(child, lines, { buildMs: built.builtMs, startMs: Date.now() - started });
    return validator;
  }

  /** Every issue the validator reports for one resource (a Bundle includes its entries). */
  validate(resource: unknown): Promise<ValidatorIssue[]> {
    const run = this.queue.then(
      () =>
        new Promise<ValidatorIssue[]>((resolveIssues, reject) => {
          this.waiting.push((line) => {
            if (!line) return reject(new Error('FHIR validator stopped'));
            const outcome = JSON.parse(line) as { issue?: Array<{ severity: ValidatorIssue['severity']; diagnostics?: string; expression?: string[]; location?: string[]; details?: { coding?: Array<{ code?: string }> } }> };
            resolveIssues(
              (outcome.issue ?? [])
                // HAPI reports "no issues" as one information issue without a location.
                .filter((i) => !(i.severity === 'information' && !i.expression && /No issues detected/i.test(i.diagnostics ?? '')))
                .map((i) => ({ severity: i.severity, location: i.expression?.[0] ?? i.location?.[0] ?? '', message: i.diagnostics ?? '', messageId: i.details?.coding?.[0]?.code ?? '' })),
            );
          });
          this.process.stdin.write(`${JSON.stringify(resource)}\n`);
        }),
    );
    this.queue = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    if (this.process.exitCode !== null) return;
    const exited = new Promise((r) => this.process.once('exit', r));
    this.process.stdin.end();
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    if (this.process.exitCode === null) this.process.kill('SIGKILL');
  }
}

/** Errors (and fatals) only, as readable lines for a failing expectation. */
export function errorsOf(issues: ValidatorIssue[]): string[] {
  return issues.filter((i) => i.severity === 'error' || i.severity === 'fatal').map((i) => `${i.location}: ${i.message} [${i.messageId}]`);
}
