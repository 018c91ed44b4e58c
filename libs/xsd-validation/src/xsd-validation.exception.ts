/** The validator itself could not give a verdict (worker failed, schema set not compiled, timeout): not the message's fault. */
export class XsdValidatorUnavailableException extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'XsdValidatorUnavailableException';
  }
}
