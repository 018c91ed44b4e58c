import { Row, Summary } from './conformance-verdict.util';

/** The one JSON document of `conformance --json`. */
export interface ConformanceReport {
  dir: string;
  url: string;
  expectations: string | null;
  rows: Row[];
  /** Files the expectations name that are not in DIR. */
  missing: string[];
  summary: Summary;
}

const APPREC_STATUS_TEXT: Record<string, string> = { '1': 'OK', '2': 'Avvist', '3': 'OK, feil i delmelding' };

/** The text table: one line per file, then missing files, then the summary line. */
export function renderReport(report: ConformanceReport): string {
  const withExpectations = report.expectations !== null;
  // Why a file got no verdict goes last, so long reasons do not widen the table.
  const withReasons = report.rows.some((r) => r.reason);
  const header = ['File', 'HTTP', 'AppRec', 'Errors', 'Result', ...(withExpectations ? ['Expected', 'Agree'] : []), ...(withReasons ? ['Reason'] : [])];
  const lines = report.rows.map((r) => [
    r.file,
    r.httpStatus === null ? '-' : String(r.httpStatus),
    r.appRecStatus === null ? '-' : `${r.appRecStatus} ${APPREC_STATUS_TEXT[r.appRecStatus] ?? ''}`.trim(),
    r.errors.length ? r.errors.map((e) => e.code).join(',') : '-',
    r.result,
    ...(withExpectations ? [r.expected ?? '(none)', r.agree ? 'yes' : 'NO'] : []),
    ...(withReasons ? [r.reason ?? ''] : []),
  ]);
  const out = [...table([header, ...lines])];
  for (const m of report.missing) out.push(`Expected but not in ${report.dir}: ${m}`);
  out.push(summaryLine(report.summary));
  return out.join('\n');
}

export function summaryLine(s: Summary): string {
  const time = `${s.seconds.toFixed(1)} s`;
  const verdicts = `${s.accepted} accepted, ${s.rejected} rejected, ${s.errors} without verdict`;
  if (s.agree === null) return `${s.files} files in ${time}: ${verdicts}`;
  const total = s.files + s.missing;
  return `${s.agree}/${total} agree with the expectations, ${s.disagree} disagree (${s.withoutExpectation} without expectation, ${s.missing} expected but missing); ${s.files} files in ${time}: ${verdicts}`;
}

/** Left-aligned columns separated by two spaces; the last column is not padded. */
function table(rows: string[][]): string[] {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ').trimEnd());
}
