import { assertUnreachable } from '@hub/exceptions';
import { AuditUnavailableException, auditWriteAnswer, type HttpAnswer } from '@hub/platform';
import { BLOCKED_DETAIL } from './blocked-record';
import { ReadApiException, ReadApiExceptionCode } from './read-api.exception';

/** A refused read that was audited names its audit record, as an answered one does. */
function auditHeader(error: ReadApiException): Record<string, string> {
  return typeof error.metadata.auditId === 'string' ? { 'X-Audit-Id': error.metadata.auditId } : {};
}

/** Every ReadApiException code to its HTTP answer (exhaustive: a new code fails to compile here). */
export function readApiAnswer(error: ReadApiException): HttpAnswer {
  switch (error.code) {
    case ReadApiExceptionCode.INVALID_SEARCH:
      return { status: 400, code: 'invalid_search', fhirIssue: 'invalid', detail: error.message };
    case ReadApiExceptionCode.INVALID_IDENTIFIER:
      return { status: 400, code: 'invalid_identifier', fhirIssue: 'invalid', detail: error.message };
    case ReadApiExceptionCode.RECORD_BLOCKED:
      return { status: 403, code: 'record_blocked', fhirIssue: 'suppressed', detail: BLOCKED_DETAIL, headers: auditHeader(error) };
    case ReadApiExceptionCode.NOT_FOUND:
      return { status: 404, code: 'not_found', fhirIssue: 'not-found', detail: error.message, headers: auditHeader(error) };
    case ReadApiExceptionCode.SCOPE_REQUIRED:
      return { status: 403, code: 'insufficient_scope', fhirIssue: 'forbidden', detail: error.message };
    default:
      return assertUnreachable(error.code, 'read API error code');
  }
}

/**
 * The read API's mapper for the answer-format filters: its own exceptions, and the platform's
 * AuditWriter refusing a read it could not audit (503); nothing else.
 */
export function readApiMapper(error: unknown): HttpAnswer | undefined {
  if (error instanceof AuditUnavailableException) return auditWriteAnswer(error);
  return error instanceof ReadApiException ? readApiAnswer(error) : undefined;
}
