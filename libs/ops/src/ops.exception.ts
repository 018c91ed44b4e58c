import { assertUnreachable, HubException, HubExceptionOptions } from '@hub/exceptions';

/**
 * Errors of the operations library, with string codes (they cross into the CLI, which maps
 * each code to an exit status in one exhaustive switch). Messages are for operators and never
 * contain identifiers, names or diagnoses.
 */
export enum OpsExceptionCode {
  INVALID_ARGUMENT = 'OPS.INVALID_ARGUMENT',
  NOT_FOUND = 'OPS.NOT_FOUND',
  CONFLICT = 'OPS.CONFLICT',
  INTERRUPTED = 'OPS.INTERRUPTED',
}

export class OpsException extends HubException<OpsExceptionCode> {
  constructor(code: OpsExceptionCode, message: string, options?: HubExceptionOptions) {
    super(code, message, options);
  }
}

/** Exit status of the CLI for an operations error (2 usage, 3 not found, 4 conflict, 130 interrupted). */
export function opsExitCode(code: OpsExceptionCode): number {
  switch (code) {
    case OpsExceptionCode.INVALID_ARGUMENT:
      return 2;
    case OpsExceptionCode.NOT_FOUND:
      return 3;
    case OpsExceptionCode.CONFLICT:
      return 4;
    case OpsExceptionCode.INTERRUPTED:
      return 130;
    default:
      return assertUnreachable(code, 'ops error code');
  }
}
