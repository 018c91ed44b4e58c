import { assertUnreachable } from '@hub/exceptions';
import type { HttpAnswer } from '@hub/platform';
import { ReadApiException, ReadApiExceptionCode } from './read-api.exception';

export const AUDIT_UNAVAILABLE_DETAIL = 'The audit log is unavailable, so no patient data can be read right now';

/** Every ReadApiException code to its HTTP answer (exhaustive: a new code fails to compile here). */
export function readApiAnswer(error: ReadApiException): HttpAnswer {
  switch (error.code) {
    case ReadApiExceptionCode.INVALID_SEARCH:
      return { status: 400, code: 'invalid_search', fhirIssue: 'invalid', detail: error.message };
    case ReadApiExceptionCode.INVALID_IDENTIFIER:
      return { status: 400, code: 'invalid_identifier', fhirIssue: 'invalid', detail: error.message };
    case ReadApiExceptionCode.AUDIT_UNAVAILABLE:
      // The exception's own message names the cause; the answer says only what the client can do.
      return { status: 503, code: 'audit_unavailable', fhirIssue: 'transient', detail: AUDIT_UNAVAILABLE_DETAIL, headers: { 'Retry-After': '5' } };
    default:
      return assertUnreachable(error.code, 'read API error code');
  }
}
