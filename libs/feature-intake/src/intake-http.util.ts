import type { HttpException } from '@nestjs/common';
import { assertUnreachable } from '@hub/exceptions';
import { problem } from '@hub/platform';
import { IntakeException, IntakeExceptionCode } from './intake.exception';

const RETRY = 'The hub cannot store messages right now; nothing was stored. Send the same message again later.';

/** Every IntakeException code to its HTTP answer (exhaustive: a new code fails to compile here). */
export function intakeHttpError(error: IntakeException): HttpException {
  switch (error.code) {
    case IntakeExceptionCode.KAFKA_UNAVAILABLE:
      return problem(503, 'kafka_unavailable', RETRY, { 'Retry-After': '5' });
    case IntakeExceptionCode.SCHEMA_REGISTRY_UNAVAILABLE:
      return problem(503, 'schema-registry_unavailable', RETRY, { 'Retry-After': '5' });
    case IntakeExceptionCode.POSTGRES_UNAVAILABLE:
      return problem(503, 'postgres_unavailable', RETRY, { 'Retry-After': '5' });
    case IntakeExceptionCode.FORBIDDEN_KOMMUNE:
      return problem(403, 'forbidden_kommune', error.message);
    default:
      return assertUnreachable(error.code, 'intake error code');
  }
}
