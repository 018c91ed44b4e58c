import { HubException, HubExceptionOptions } from '@hub/exceptions';

/** Why a read is refused; mapped to each answer format in one place (read-api-http.util.ts). */
export enum ReadApiExceptionCode {
  /** A search the API cannot run as asked (unknown parameter, bad value, bad page token). */
  INVALID_SEARCH = 'READ_API.INVALID_SEARCH',
  /** The patient identifier fails its checksum or date rules. */
  INVALID_IDENTIFIER = 'READ_API.INVALID_IDENTIFIER',
  /** The patient has blocked sharing (sperring): a single resource is refused, searches answer an outcome. */
  RECORD_BLOCKED = 'READ_API.RECORD_BLOCKED',
  /** Nothing with this id in this kommune (the read was audited all the same). */
  NOT_FOUND = 'READ_API.NOT_FOUND',
  /** A second scope the route needs besides the one the guard checked (a Subscription is also a patient read: patients:read). */
  SCOPE_REQUIRED = 'READ_API.SCOPE_REQUIRED',
}

/** The one error type of the read API; its subclasses only fix the code. */
export class ReadApiException extends HubException<ReadApiExceptionCode> {
  constructor(code: ReadApiExceptionCode, message: string, options?: HubExceptionOptions) {
    super(code, message, options);
  }
}
