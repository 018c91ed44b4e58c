import { assertUnreachable } from '@hub/exceptions';
import type { HttpAnswer } from '@hub/platform';
import { IntakeException, IntakeExceptionCode } from './intake.exception';

const RETRY = 'The hub cannot store messages right now; nothing was stored. Send the same message again later.';

/** Every IntakeException code to its HTTP answer (exhaustive: a new code fails to compile here). */
export function intakeAnswer(error: IntakeException): HttpAnswer {
  switch (error.code) {
    case IntakeExceptionCode.KAFKA_UNAVAILABLE:
      return { status: 503, code: 'kafka_unavailable', detail: RETRY, headers: { 'Retry-After': '5' } };
    case IntakeExceptionCode.SCHEMA_REGISTRY_UNAVAILABLE:
      return { status: 503, code: 'schema-registry_unavailable', detail: RETRY, headers: { 'Retry-After': '5' } };
    case IntakeExceptionCode.POSTGRES_UNAVAILABLE:
      return { status: 503, code: 'postgres_unavailable', detail: RETRY, headers: { 'Retry-After': '5' } };
    case IntakeExceptionCode.XSD_VALIDATOR_UNAVAILABLE:
      return { status: 503, code: 'xsd-validator_unavailable', detail: RETRY, headers: { 'Retry-After': '5' } };
    case IntakeExceptionCode.FORBIDDEN_KOMMUNE:
      return { status: 403, code: 'forbidden_kommune', detail: error.message };
    default:
      return assertUnreachable(error.code, 'intake error code');
  }
}

/** Intake's mapper for the problem JSON filter: its own exceptions, nothing else. */
export function intakeMapper(error: unknown): HttpAnswer | undefined {
  return error instanceof IntakeException ? intakeAnswer(error) : undefined;
}
