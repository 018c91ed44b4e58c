import { HubException, HubExceptionOptions } from '@hub/exceptions';

/** Why intake refuses a request other than by an AppRec; mapped to HTTP in one place (intake-http.util.ts). */
export enum IntakeExceptionCode {
  KAFKA_UNAVAILABLE = 'INTAKE.KAFKA_UNAVAILABLE',
  SCHEMA_REGISTRY_UNAVAILABLE = 'INTAKE.SCHEMA_REGISTRY_UNAVAILABLE',
  POSTGRES_UNAVAILABLE = 'INTAKE.POSTGRES_UNAVAILABLE',
  XSD_VALIDATOR_UNAVAILABLE = 'INTAKE.XSD_VALIDATOR_UNAVAILABLE',
  FORBIDDEN_KOMMUNE = 'INTAKE.FORBIDDEN_KOMMUNE',
}

/** The one error type of the intake feature (the message's own faults are AppRecs, not exceptions). */
export class IntakeException extends HubException<IntakeExceptionCode> {
  constructor(code: IntakeExceptionCode, message: string, options?: HubExceptionOptions) {
    super(code, message, options);
  }
}

const UNAVAILABLE = {
  kafka: IntakeExceptionCode.KAFKA_UNAVAILABLE,
  'schema-registry': IntakeExceptionCode.SCHEMA_REGISTRY_UNAVAILABLE,
  postgres: IntakeExceptionCode.POSTGRES_UNAVAILABLE,
  'xsd-validator': IntakeExceptionCode.XSD_VALIDATOR_UNAVAILABLE,
} as const;

/** Intake failures that are not the message's fault: the gateway should retry later. */
export class IntakeUnavailableException extends IntakeException {
  constructor(readonly dependency: keyof typeof UNAVAILABLE, message: string) {
    super(UNAVAILABLE[dependency], message, { metadata: { dependency } });
  }
}

/** The gateway's token does not cover any kommune the message belongs to. */
export class IntakeForbiddenException extends IntakeException {
  constructor(message: string) {
    super(IntakeExceptionCode.FORBIDDEN_KOMMUNE, message);
  }
}
