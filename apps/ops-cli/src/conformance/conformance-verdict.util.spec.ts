import { agreement, CONFORMANCE_EXIT, judge, planRun, Row, summarize } from './conformance-verdict.util';

const ok = (originalMsgId = 'm1') => ({ status: '1', originalMsgId, errors: [] });
const avvist = (code = 'T01') => ({ status: '2', originalMsgId: 'UKJENT', errors: [{ code }] });
const doc = { isAppRec: false, msgId: 'm1' };

describe('judge', () => {
  it.each([
    ['202 with AppRec OK', { httpStatus: 202, bodyEmpty: false, appRec: ok() }, doc, 'accept', undefined],
    ['200 (resend) with the same AppRec OK', { httpStatus: 200, bodyEmpty: false, appRec: ok() }, doc, 'accept', undefined],
    ['202 with no body for a posted AppRec', { httpStatus: 202, bodyEmpty: true }, { isAppRec: true, msgId: 'r1' }, 'accept', undefined],
    ['422 with AppRec status 2', { httpStatus: 422, bodyEmpty: false, appRec: avvist() }, doc, 'reject', undefined],
    ['413 with AppRec status 2', { httpStatus: 413, bodyEmpty: false, appRec: avvist('T99') }, doc, 'reject', undefined],
    ['AppRec status 3 (OK, feil i delmelding)', { httpStatus: 200, bodyEmpty: false, appRec: { ...ok(), status: '3' } }, doc, 'reject', undefined],
    ['a rejection of an unreadable file (no MsgId of its own)', { httpStatus: 422, bodyEmpty: false, appRec: avvist() }, { isAppRec: false }, 'reject', undefined],
    ['202 with no body for a business document', { httpStatus: 202, bodyEmpty: true }, doc, 'error', 'HTTP 202 without an AppRec (only an AppRec is answered without one)'],
    ['401 with a problem', { httpStatus: 401, bodyEmpty: false, failure: 'HTTP 401: Missing bearer token' }, doc, 'error', 'HTTP 401: Missing bearer token'],
    ['403 with no body', { httpStatus: 403, bodyEmpty: true }, doc, 'error', 'HTTP 403'],
    ['503 with an unreadable body', { httpStatus: 503, bodyEmpty: false }, doc, 'error', 'HTTP 503, answer is not an AppRec'],
    ['a timeout', { bodyEmpty: true, failure: 'no answer within 10 ms' }, doc, 'error', 'no answer within 10 ms'],
    ['AppRec OK with HTTP 422', { httpStatus: 422, bodyEmpty: false, appRec: ok() }, doc, 'error', 'HTTP 422 with AppRec status 1 (OK)'],
    ['AppRec OK for another MsgId', { httpStatus: 202, bodyEmpty: false, appRec: ok('m2') }, doc, 'error', 'the AppRec answers MsgId m2, not the posted m1'],
    ['an AppRec status outside 8258', { httpStatus: 202, bodyEmpty: false, appRec: { ...ok(), status: '9' } }, doc, 'error', 'AppRec status 9 is not in code list 8258'],
  ] as const)('%s → %s', (_label, answer, posted, result, reason) => {
    expect(judge(answer, posted)).toEqual(reason ? { result, reason } : { result });
  });
});

describe('agreement', () => {
  it('agrees only when the result is the expected verdict; an error or a missing expectation disagrees; null without expectations', () => {
    expect(agreement('accept', 'accept', true)).toBe(true);
    expect(agreement('reject', 'reject', true)).toBe(true);
    expect(agreement('reject', 'accept', true)).toBe(false);
    expect(agreement('accept', 'reject', true)).toBe(false);
    expect(agreement('error', 'reject', true)).toBe(false);
    expect(agreement('accept', null, true)).toBe(false);
    expect(agreement('accept', null, false)).toBeNull();
  });
});

describe('planRun', () => {
  const found = ['p/b_C.xml', 'p/b_N.xml', 'p/b_M.xml', 'ebxml/e.xml', 'a.xml', 'B.xml'];
  const expectations = { files: [{ path: 'p/b_N.xml', expected: 'accept' as const }, { path: 'p/b_M.xml', expected: 'accept' as const }, { path: 'p/b_C.xml', expected: 'accept' as const }, { path: 'gone.xml', expected: 'reject' as const }], exclude: ['ebxml'] };

  it('posts in path order (code points) without expectations', () => {
    expect(planRun(found, undefined, 'path')).toEqual({ files: ['B.xml', 'a.xml', 'ebxml/e.xml', 'p/b_C.xml', 'p/b_M.xml', 'p/b_N.xml'], missing: [] });
  });

  it("posts in the expectations' order (N before M before C), then unnamed files in path order, and lists expected files that are missing", () => {
    expect(planRun(found, expectations, 'expect')).toEqual({ files: ['p/b_N.xml', 'p/b_M.xml', 'p/b_C.xml', 'B.xml', 'a.xml'], missing: ['gone.xml'] });
  });

  it('applies exclusions from the command line and the file, and --order path overrides the file order', () => {
    expect(planRun(found, expectations, 'path', ['p/*_C.xml'])).toEqual({ files: ['B.xml', 'a.xml', 'p/b_M.xml', 'p/b_N.xml'], missing: ['p/b_C.xml', 'gone.xml'] });
  });
});

describe('summarize', () => {
  const row = (result: Row['result'], expected: Row['expected'], withExpectations = true): Row => ({
    file: `${result}-${expected}`, httpStatus: 202, appRecStatus: '1', errors: [], result, expected, agree: agreement(result, expected, withExpectations), ms: 1,
  });

  it('exits 0 when all agree', () => {
    expect(summarize([row('accept', 'accept'), row('reject', 'reject')], [], true, 1.5)).toEqual({
      files: 2, accepted: 1, rejected: 1, errors: 0, agree: 2, disagree: 0, withoutExpectation: 0, missing: 0, seconds: 1.5, exitCode: CONFORMANCE_EXIT.AGREE,
    });
  });

  it('exits 1 on a wrong verdict, a file without expectation or an expected file that is missing', () => {
    expect(summarize([row('accept', 'reject')], [], true, 0).exitCode).toBe(CONFORMANCE_EXIT.DISAGREE);
    expect(summarize([row('accept', null)], [], true, 0)).toMatchObject({ agree: 0, disagree: 1, withoutExpectation: 1, exitCode: CONFORMANCE_EXIT.DISAGREE });
    expect(summarize([row('accept', 'accept')], ['gone.xml'], true, 0)).toMatchObject({ agree: 1, disagree: 1, missing: 1, exitCode: CONFORMANCE_EXIT.DISAGREE });
  });

  it('exits 2 when a file got no verdict, also among disagreements, and also without expectations', () => {
    expect(summarize([row('error', 'accept'), row('accept', 'reject')], [], true, 0)).toMatchObject({ errors: 1, disagree: 2, exitCode: CONFORMANCE_EXIT.ERROR });
    expect(summarize([row('error', null, false), row('accept', null, false)], [], false, 0)).toMatchObject({ errors: 1, agree: null, disagree: null, exitCode: CONFORMANCE_EXIT.ERROR });
    expect(summarize([row('reject', null, false)], [], false, 0)).toMatchObject({ rejected: 1, exitCode: CONFORMANCE_EXIT.AGREE });
  });

  it('the exit statuses are distinct', () => {
    expect(new Set(Object.values(CONFORMANCE_EXIT)).size).toBe(3);
  });
});
