import { HubException, HubExceptionOptions } from '@hub/exceptions';

/** Why an access-log or blocking request is refused; mapped to HTTP in one place (audit-http.util.ts). */
export enum AuditExceptionCode {
  NO_PATIENT_IDENTITY = 'AUDIT.NO_PATIENT_IDENTITY',
  AUDIT_UNAVAILABLE = 'AUDIT.AUDIT_UNAVAILABLE',
}

/** The one error type of the audit feature. Messages never contain an identifier. */
export class AuditException extends HubException<AuditExceptionCode> {
  constructor(code: AuditExceptionCode, message: string, options?: HubExceptionOptions) {
    super(code, message, options);
  }
}
