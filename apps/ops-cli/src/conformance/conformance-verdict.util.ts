import { Expectations, isExcluded, Verdict } from './conformance-expectations.reader';

/**
 * The pure half of the conformance runner: what the hub's answer to one file means, whether it
 * agrees with the expectation, the order files are posted in, and the exit status.
 */

/** Exit statuses of `hendelseslager conformance`. */
export const CONFORMANCE_EXIT = {
  /** Every file got a verdict and (with --expect) every verdict agrees with its expectation. */
  AGREE: 0,
  /** Every file got a verdict, and at least one disagrees, has no expectation or is expected but missing. */
  DISAGREE: 1,
  /** Bad arguments or files, no token, hub unreachable, or at least one file got no verdict (401, 403, 5xx, timeout, no AppRec). */
  ERROR: 2,
} as const;

export type Result = Verdict | 'error';

/** An AppRec as the hub answered it, read with the project's AppRec reader. */
export interface AnsweredAppRec {
  /** Code list 8258: 1 OK, 2 Avvist, 3 OK, feil i delmelding. */
  status: string;
  originalMsgId?: string;
  /** Code list 8221 codes with their text (DN) and detail (OT). */
  errors: Array<{ code: string; text?: string; detail?: string }>;
}

/** What came back for one posted file. */
export interface Answer {
  /** Undefined when no HTTP answer came (timeout, connection reset). */
  httpStatus?: number;
  bodyEmpty: boolean;
  /** The AppRec in the body, when the body is one. */
  appRec?: AnsweredAppRec;
  /** Why there is no usable answer (timeout, unreadable body). */
  failure?: string;
}

/** What the runner knows about the file it posted (read with the same reader; undefined when unreadable). */
export interface Posted {
  isAppRec: boolean;
  msgId?: string;
}

/**
 * accept: HTTP 2xx with AppRec status 1, or 2xx with no body for a posted AppRec (an AppRec is
 * never answered with an AppRec). reject: an AppRec with status 2 (Avvist) or 3 (OK, feil i
 * delmelding: the receiver found errors), whatever the HTTP status. Everything else is an error.
 */
export function judge(answer: Answer, posted: Posted): { result: Result; reason?: string } {
  if (answer.failure) return { result: 'error', reason: answer.failure };
  const status = answer.httpStatus;
  const ok = status === 200 || status === 202;
  if (answer.appRec) {
    const { appRec } = answer;
    if (appRec.status === '2' || appRec.status === '3') return { result: 'reject' };
    if (appRec.status !== '1') return { result: 'error', reason: `AppRec status ${appRec.status} is not in code list 8258` };
    if (!ok) return { result: 'error', reason: `HTTP ${status} with AppRec status 1 (OK)` };
    if (posted.msgId !== undefined && appRec.originalMsgId !== posted.msgId) return { result: 'error', reason: `the AppRec answers MsgId ${appRec.originalMsgId ?? '(none)'}, not the posted ${posted.msgId}` };
    return { result: 'accept' };
  }
  if (ok && answer.bodyEmpty) {
    return posted.isAppRec ? { result: 'accept' } : { result: 'error', reason: `HTTP ${status} without an AppRec (only an AppRec is answered without one)` };
  }
  if (status === undefined) return { result: 'error', reason: 'no answer' };
  return { result: 'error', reason: answer.bodyEmpty ? `HTTP ${status}` : `HTTP ${status}, answer is not an AppRec` };
}

export interface Row {
  /** Path relative to DIR, with `/`. */
  file: string;
  httpStatus: number | null;
  /** 8258 status of the answered AppRec; null when none. */
  appRecStatus: string | null;
  errors: AnsweredAppRec['errors'];
  result: Result;
  reason?: string;
  /** null when there is no expectation for the file. */
  expected: Verdict | null;
  /** null when run without expectations. */
  agree: boolean | null;
  ms: number;
}

export function agreement(result: Result, expected: Verdict | null, withExpectations: boolean): boolean | null {
  if (!withExpectations) return null;
  return expected !== null && result === expected;
}

export type Order = 'path' | 'expect';

/** Code-point order of `/`-separated paths: the same on every machine and locale. */
export function byPath(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The files to post, in order, and the expected files that are not there. In `expect` order the
 * expectations file's order comes first (a Ny must reach the hub before its Endring and
 * Kansellering), then files it does not name, in path order.
 */
export function planRun(found: readonly string[], expectations: Expectations | undefined, order: Order, exclude: readonly string[] = []): { files: string[]; missing: string[] } {
  const excluded = [...exclude, ...(expectations?.exclude ?? [])];
  const present = found.filter((f) => !isExcluded(f, excluded)).sort(byPath);
  const presentSet = new Set(present);
  const listed = (expectations?.files ?? []).map((e) => e.path);
  const missing = listed.filter((p) => !presentSet.has(p));
  if (order === 'path' || !expectations) return { files: present, missing };
  const listedSet = new Set(listed);
  return { files: [...listed.filter((p) => presentSet.has(p)), ...present.filter((p) => !listedSet.has(p))], missing };
}

export interface Summary {
  files: number;
  accepted: number;
  rejected: number;
  errors: number;
  /** With expectations: rows that agree / disagree (errors and files without expectation included). */
  agree: number | null;
  disagree: number | null;
  withoutExpectation: number | null;
  /** Expected files not found in DIR (a disagreement each). */
  missing: number;
  seconds: number;
  exitCode: number;
}

export function summarize(rows: readonly Row[], missing: readonly string[], withExpectations: boolean, seconds: number): Summary {
  const count = (p: (r: Row) => boolean) => rows.filter(p).length;
  const errors = count((r) => r.result === 'error');
  const disagree = withExpectations ? count((r) => r.agree === false) + missing.length : null;
  const exitCode = errors > 0 ? CONFORMANCE_EXIT.ERROR : disagree ? CONFORMANCE_EXIT.DISAGREE : CONFORMANCE_EXIT.AGREE;
  return {
    files: rows.length,
    accepted: count((r) => r.result === 'accept'),
    rejected: count((r) => r.result === 'reject'),
    errors,
    agree: withExpectations ? count((r) => r.agree === true) : null,
    disagree,
    withoutExpectation: withExpectations ? count((r) => r.expected === null) : null,
    missing: missing.length,
    seconds,
    exitCode,
  };
}
