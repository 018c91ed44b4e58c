import { assertUnreachable } from '@hub/exceptions';
import type { HttpAnswer } from '@hub/platform';
import { AuditException, AuditExceptionCode } from './audit.exception';

/** Every AuditException code to its HTTP answer (exhaustive: a new code fails to compile here). */
export function auditAnswer(error: AuditException): HttpAnswer {
  switch (error.code) {
    case AuditExceptionCode.NO_PATIENT_IDENTITY:
      return { status: 403, code: 'no_patient_identity', detail: error.message };
    case AuditExceptionCode.AUDIT_UNAVAILABLE:
      return { status: 503, code: 'audit_unavailable', detail: error.message, headers: { 'Retry-After': '5' } };
    default:
      return assertUnreachable(error.code, 'audit error code');
  }
}

/** The audit feature's mapper for the answer-format filters: its own exceptions, nothing else. */
export function auditMapper(error: unknown): HttpAnswer | undefined {
  return error instanceof AuditException ? auditAnswer(error) : undefined;
}
