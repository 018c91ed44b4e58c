import { assertUnreachable, HubException } from '@hub/exceptions';

/**
 * Why a received message cannot be accepted, with the AppRec error code (code list 8221)
 * the receiver answers with. Messages never contain health data (no identifiers, names or
 * diagnoses): they are logged and returned to the gateway.
 */
export enum MessageExceptionCode {
  /** Not XML, not well-formed, undecodable, or a DOCTYPE (refused: XXE / entity expansion). */
  NOT_WELL_FORMED = 'MESSAGE.NOT_WELL_FORMED',
  /** Neither MsgHead nor a supported standalone message. */
  UNSUPPORTED_FORMAT = 'MESSAGE.UNSUPPORTED_FORMAT',
  /** Structure violates the schema so that mapping is impossible (missing MsgInfo, Type/payload mismatch...). */
  SCHEMA_VIOLATION = 'MESSAGE.SCHEMA_VIOLATION',
  /** MsgId missing or not a UUID. */
  INVALID_MSG_ID = 'MESSAGE.INVALID_MSG_ID',
  /** The message has no patient identifier. */
  PATIENT_ID_MISSING = 'MESSAGE.PATIENT_ID_MISSING',
  /** FNR / DNR fails its checksum or date rules. */
  PATIENT_ID_INVALID = 'MESSAGE.PATIENT_ID_INVALID',
  /** No sender organisation with an identifier. */
  SENDER_MISSING = 'MESSAGE.SENDER_MISSING',
  /** No party of the message belongs to a kommune in the directory (or to the gateway's kommuner). */
  UNKNOWN_RECEIVER = 'MESSAGE.UNKNOWN_RECEIVER',
  /** Body larger than the configured limit. */
  TOO_LARGE = 'MESSAGE.TOO_LARGE',
}

/** AppRec 8221 code for each exception code; an exhaustive switch so a new code cannot be forgotten. */
export function appRecErrorCode(code: MessageExceptionCode): string {
  switch (code) {
    case MessageExceptionCode.NOT_WELL_FORMED:
      return 'T01';
    case MessageExceptionCode.SCHEMA_VIOLATION:
      return 'T02';
    case MessageExceptionCode.UNSUPPORTED_FORMAT:
      return 'T10';
    case MessageExceptionCode.TOO_LARGE:
      return 'T99';
    case MessageExceptionCode.INVALID_MSG_ID:
      return 'E10';
    case MessageExceptionCode.UNKNOWN_RECEIVER:
      return 'E21';
    case MessageExceptionCode.PATIENT_ID_MISSING:
      return 'E30';
    case MessageExceptionCode.PATIENT_ID_INVALID:
      return 'E31';
    case MessageExceptionCode.SENDER_MISSING:
      return 'X99';
    default:
      return assertUnreachable(code, 'message error code');
  }
}

export class MessageException extends HubException<MessageExceptionCode> {
  constructor(
    code: MessageExceptionCode,
    /** Human-readable reason, safe to log and to put into AppRec Error/@OT. */
    message: string,
    /** What could be read before failing; lets the AppRec mirror the original's parties and MsgId. */
    readonly partial?: { msgId?: string; msgType?: string; genDate?: string; namespace?: string },
    /** `cause`: the underlying error when an unexpected failure was wrapped (for logs, never for the AppRec). */
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}
