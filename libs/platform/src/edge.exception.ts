import { assertUnreachable, HubException, HubExceptionOptions } from '@hub/exceptions';
import type { HttpAnswer } from './http-answer';

/**
 * Why a request is refused at the HTTP edge, before any service runs: the concerns every
 * route shares (purpose of use, patient identifier, request schema, media type).
 */
export enum EdgeExceptionCode {
  PURPOSE_REQUIRED = 'EDGE.PURPOSE_REQUIRED',
  INVALID_IDENTIFIER = 'EDGE.INVALID_IDENTIFIER',
  /** The body or the query does not match the route's schema. */
  INVALID_REQUEST = 'EDGE.INVALID_REQUEST',
  UNSUPPORTED_MEDIA_TYPE = 'EDGE.UNSUPPORTED_MEDIA_TYPE',
  /** The answer was asked for in a format the route does not produce (`Accept`, FHIR's `_format`). */
  NOT_ACCEPTABLE = 'EDGE.NOT_ACCEPTABLE',
  /** A path parameter names nothing this route serves (a resource type, a malformed id). */
  NOT_SERVED = 'EDGE.NOT_SERVED',
}

/** Texts name fields, positions and kinds, never the values the client sent (they may be health data). */
export class EdgeException extends HubException<EdgeExceptionCode> {
  constructor(code: EdgeExceptionCode, message: string, options?: HubExceptionOptions) {
    super(code, message, options);
  }
}

/** Every EdgeException code to its HTTP answer (exhaustive: a new code fails to compile here). */
export function edgeAnswer(error: EdgeException): HttpAnswer {
  switch (error.code) {
    case EdgeExceptionCode.PURPOSE_REQUIRED:
      return { status: 403, code: 'purpose_of_use_required', fhirIssue: 'forbidden', detail: error.message };
    case EdgeExceptionCode.INVALID_IDENTIFIER:
      return { status: 400, code: 'invalid_identifier', fhirIssue: 'invalid', detail: error.message };
    case EdgeExceptionCode.INVALID_REQUEST:
      return { status: 400, code: 'invalid_request', fhirIssue: 'invalid', detail: error.message };
    case EdgeExceptionCode.UNSUPPORTED_MEDIA_TYPE:
      return { status: 415, code: 'unsupported_media_type', fhirIssue: 'not-supported', detail: error.message };
    case EdgeExceptionCode.NOT_ACCEPTABLE:
      return { status: 406, code: 'not_acceptable', fhirIssue: 'not-supported', detail: error.message };
    case EdgeExceptionCode.NOT_SERVED:
      return { status: 404, code: 'not_found', fhirIssue: 'not-supported', detail: error.message };
    default:
      return assertUnreachable(error.code, 'edge error code');
  }
}
