import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { EdgeException, EdgeExceptionCode } from './edge.exception';

/** HL7 v3 PurposeOfUse codes accepted on patient reads. */
export const PURPOSES_OF_USE: ReadonlySet<string> = new Set(['TREAT', 'ETREAT', 'COC', 'CAREMGT', 'PATADMIN', 'PATRQT', 'HOPERAT', 'HQUALIMP']);

/** The one check of a stated purpose of use; throws the edge's 403 when it is missing or unknown. */
export function requirePurposeOfUse(value: unknown): string {
  if (typeof value !== 'string' || !PURPOSES_OF_USE.has(value)) {
    throw new EdgeException(EdgeExceptionCode.PURPOSE_REQUIRED, `Header X-Purpose-Of-Use with one of ${[...PURPOSES_OF_USE].join(', ')} is required`);
  }
  return value;
}

/**
 * The `X-Purpose-Of-Use` header of a patient read, checked: a handler parameter decorated
 * `@PurposeOfUse()` is always one of PURPOSES_OF_USE, or the request was answered 403.
 */
export const PurposeOfUse = createParamDecorator((_data: unknown, context: ExecutionContext): string =>
  requirePurposeOfUse(context.switchToHttp().getRequest<Request>().headers['x-purpose-of-use']),
);
