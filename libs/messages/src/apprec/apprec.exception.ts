import { HubException } from '@hub/exceptions';

/** Why an AppRec could not be built. Messages never contain health data. */
export enum AppRecExceptionCode {
  /** Status REJECTED needs at least one Error, status OK must have none (8258 / HIS 80415). */
  STATUS_ERRORS_MISMATCH = 'APPREC.STATUS_ERRORS_MISMATCH',
  /** A date that must be xs:dateTime is not one. */
  INVALID_DATE_TIME = 'APPREC.INVALID_DATE_TIME',
  /** An error code is not an 8221-shaped code (letter + two digits). */
  INVALID_ERROR_CODE = 'APPREC.INVALID_ERROR_CODE',
  /** The receipt's own Id (a new UUID) is missing. */
  MISSING_RECEIPT_ID = 'APPREC.MISSING_RECEIPT_ID',
}

export class AppRecException extends HubException<AppRecExceptionCode> {
  constructor(code: AppRecExceptionCode, message: string) {
    super(code, message);
  }
}
