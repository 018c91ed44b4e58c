import type { HttpException } from '@nestjs/common';
import { assertUnreachable } from '@hub/exceptions';
import { problem } from '@hub/platform';
import { AuditException, AuditExceptionCode } from './audit.exception';

/** Every AuditException code to its HTTP answer (exhaustive: a new code fails to compile here). */
export function auditHttpError(error: AuditException): HttpException {
  switch (error.code) {
    case AuditExceptionCode.NO_PATIENT_IDENTITY:
      return problem(403, 'no_patient_identity', error.message);
    case AuditExceptionCode.INVALID_IDENTIFIER:
      return problem(400, 'invalid_identifier', error.message);
    case AuditExceptionCode.PURPOSE_REQUIRED:
      return problem(403, 'purpose_of_use_required', error.message);
    case AuditExceptionCode.AUDIT_UNAVAILABLE:
      return problem(503, 'audit_unavailable', error.message, { 'Retry-After': '5' });
    default:
      return assertUnreachable(error.code, 'audit error code');
  }
}
