import { HubException } from '@hub/exceptions';

/** An expected failure with a message for the operator (no stack trace). */
export enum CliExceptionCode {
  FAILED = 'CLI.FAILED',
}

export class CliError extends HubException<CliExceptionCode> {
  constructor(message: string, readonly exitCode = 1) {
    super(CliExceptionCode.FAILED, message);
  }
}

/** Prints a result as JSON (with --json) or as text lines. */
export function output(json: boolean, value: unknown, text: () => string): void {
  process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${text()}\n`);
}
