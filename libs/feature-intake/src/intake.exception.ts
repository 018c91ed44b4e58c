/** Intake failures that are not the message's fault: the gateway should retry later. */
export class IntakeUnavailableException extends Error {
  constructor(readonly dependency: 'kafka' | 'schema-registry' | 'postgres' | 'xsd-validator', message: string) {
    super(message);
    this.name = 'IntakeUnavailableException';
  }
}

/** The gateway's token does not cover any kommune the message belongs to. */
export class IntakeForbiddenException extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IntakeForbiddenException';
  }
}
