import { renderReport } from './conformance-report.util';
import { Row, summarize } from './conformance-verdict.util';

const rows: Row[] = [
  { file: 'plo/Ny.xml', httpStatus: 202, appRecStatus: '1', errors: [], result: 'accept', expected: 'accept', agree: true, ms: 40 },
  { file: 'broken/not-well-formed.xml', httpStatus: 422, appRecStatus: '2', errors: [{ code: 'T01', detail: 'line 3' }, { code: 'X99' }], result: 'reject', expected: 'accept', agree: false, ms: 5 },
  { file: 'apprec.xml', httpStatus: 202, appRecStatus: null, errors: [], result: 'accept', expected: null, agree: false, ms: 7 },
  { file: 'x.xml', httpStatus: 403, appRecStatus: null, errors: [], result: 'error', reason: 'HTTP 403: not for kommune 3428', expected: 'reject', agree: false, ms: 3 },
];

describe('renderReport', () => {
  it('prints one aligned row per file with HTTP, AppRec status, error codes, expected, agreement and why a file got no verdict, the missing files and the summary', () => {
    const text = renderReport({ dir: 'corpus', url: 'http://hub', expectations: 'e.yaml', rows, missing: ['gone.xml'], summary: summarize(rows, ['gone.xml'], true, 2.25) });
    expect(text.split('\n')).toEqual([
      'File                        HTTP  AppRec    Errors   Result  Expected  Agree  Reason',
      'plo/Ny.xml                  202   1 OK      -        accept  accept    yes',
      'broken/not-well-formed.xml  422   2 Avvist  T01,X99  reject  accept    NO',
      'apprec.xml                  202   -         -        accept  (none)    NO',
      'x.xml                       403   -         -        error   reject    NO     HTTP 403: not for kommune 3428',
      'Expected but not in corpus: gone.xml',
      '1/5 agree with the expectations, 4 disagree (1 without expectation, 1 expected but missing); 4 files in 2.3 s: 2 accepted, 1 rejected, 1 without verdict',
    ]);
  });

  it('without expectations has no Expected/Agree columns and counts verdicts only', () => {
    const text = renderReport({ dir: 'corpus', url: 'http://hub', expectations: null, rows: [{ ...rows[0], expected: null, agree: null }], missing: [], summary: summarize([rows[0]], [], false, 0.04) });
    expect(text.split('\n')).toEqual(['File        HTTP  AppRec  Errors  Result', 'plo/Ny.xml  202   1 OK    -       accept', '1 files in 0.0 s: 1 accepted, 0 rejected, 0 without verdict']);
  });
});
