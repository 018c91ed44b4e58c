import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { parseMessage } from '@hub/messages';
import { AnsweredAppRec, Answer, judge, Posted, Row, agreement } from './conformance-verdict.util';
import { Verdict } from './conformance-expectations.reader';

/** The hub could not be reached at all (nothing was answered): a connection error, not a verdict. */
export class HubUnreachableException extends Error {
  constructor(readonly url: string, readonly reason: string) {
    super(`Cannot reach the hub at ${url} (${reason}); is it running? (--url)`);
    this.name = 'HubUnreachableException';
  }
}

/** Every `*.xml` file under `dir` (recursively), as paths relative to it with `/`. */
export function listXmlFiles(dir: string): string[] {
  const walk = (folder: string): string[] =>
    readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) return walk(path);
      return entry.isFile() && entry.name.toLowerCase().endsWith('.xml') ? [relative(dir, path).split(sep).join('/')] : [];
    });
  return walk(dir);
}

/** What the project's own reader makes of a file before it is posted (its MsgId, whether it is an AppRec). */
export function readPosted(bytes: Buffer): Posted {
  try {
    const parsed = parseMessage(bytes);
    return { isAppRec: parsed.standard === 'APPREC', msgId: parsed.msgId };
  } catch {
    return { isAppRec: false };
  }
}

/** Reads the hub's answer body: an AppRec through the project's AppRec reader, else the problem's detail. */
export function readAnswer(httpStatus: number, body: Buffer): Answer {
  if (body.length === 0) return { httpStatus, bodyEmpty: true };
  try {
    const appRec = parseMessage(body).appRec;
    if (appRec) {
      const answered: AnsweredAppRec = { status: appRec.status, originalMsgId: appRec.originalMsgId, errors: appRec.errors.map((e) => ({ ...e })) };
      return { httpStatus, bodyEmpty: false, appRec: answered };
    }
  } catch {
    // Not an AppRec (a JSON problem, an error page): judged by the HTTP status below.
  }
  const detail = problemDetail(body);
  return detail ? { httpStatus, bodyEmpty: false, failure: `HTTP ${httpStatus}: ${detail}` } : { httpStatus, bodyEmpty: false };
}

function problemDetail(body: Buffer): string | undefined {
  try {
    const problem = JSON.parse(body.toString('utf8')) as { detail?: unknown; title?: unknown; message?: unknown };
    const text = [problem.detail, problem.title, problem.message].find((v) => typeof v === 'string' && v.trim() !== '') as string | undefined;
    return text?.replace(/\s+/g, ' ').slice(0, 200);
  } catch {
    return undefined;
  }
}

/**
 * POSTs one file's bytes as received (Content-Type application/xml) and reads the answer.
 * `connectionError` is set when no HTTP exchange took place at all (other than a timeout).
 */
export async function postFile(url: string, token: string, bytes: Buffer, timeoutMs: number): Promise<Answer & { connectionError?: string }> {
  let response: Response;
  try {
    response = await fetch(`${url}/v1/messages`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/xml' },
      body: bytes,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = Buffer.from(await response.arrayBuffer());
    return readAnswer(response.status, body);
  } catch (error) {
    if ((error as { name?: unknown })?.name === 'TimeoutError') return { bodyEmpty: true, failure: `no answer within ${timeoutMs} ms` };
    // fetch wraps the socket's error (ECONNREFUSED, ENOTFOUND, …) or its own refusal ("bad port") as the cause.
    const cause = (error as { cause?: { code?: unknown; message?: unknown } })?.cause;
    const reason = typeof cause?.code === 'string' ? cause.code : typeof cause?.message === 'string' ? cause.message : error instanceof Error ? error.message : String(error);
    return { bodyEmpty: true, failure: `request failed: ${reason}`, connectionError: reason };
  }
}

export interface RunOptions {
  dir: string;
  url: string;
  token: string;
  files: readonly string[];
  /** The expectation per file; undefined when run without an expectations file. */
  expectations?: ReadonlyMap<string, Verdict>;
  timeoutMs: number;
  /** Called after each file. */
  onRow?: (row: Row) => void;
  /** Stops after the current file when aborted. */
  signal?: AbortSignal;
}

/**
 * Posts the files one at a time, in the given order (each answer before the next request: a
 * Ny must be stored before its Endring arrives), and judges each answer.
 */
export async function runConformance(options: RunOptions): Promise<Row[]> {
  const rows: Row[] = [];
  for (const file of options.files) {
    if (options.signal?.aborted) break;
    const bytes = readFileSync(join(options.dir, file));
    const started = Date.now();
    const answer = await postFile(options.url, options.token, bytes, options.timeoutMs);
    // Nothing answered yet and the very first request could not connect: a wrong --url or a hub that is down.
    if (answer.connectionError && !rows.some((r) => r.httpStatus !== null)) throw new HubUnreachableException(options.url, answer.connectionError);
    const { result, reason } = judge(answer, readPosted(bytes));
    const expected = options.expectations?.get(file) ?? null;
    const row: Row = {
      file,
      httpStatus: answer.httpStatus ?? null,
      appRecStatus: answer.appRec?.status ?? null,
      errors: answer.appRec?.errors ?? [],
      result,
      ...(reason ? { reason } : {}),
      expected,
      agree: agreement(result, expected, options.expectations !== undefined),
      ms: Date.now() - started,
    };
    rows.push(row);
    options.onRow?.(row);
  }
  return rows;
}
