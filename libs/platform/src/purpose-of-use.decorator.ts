import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { EdgeException, EdgeExceptionCode } from './edge.exception';
import { recordEdgeRefusal } from './http-edge';

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
 * `@PurposeOfUse()` is always one of PURPOSES_OF_USE, or the request was answered 403 and, for a
 * token client behind HttpEdgeGuard, the refusal recorded.
 */
export const PurposeOfUse = createParamDecorator(purposeOfUseParam);

/** What `@PurposeOfUse()` resolves, by name so a test can find each handler that uses it (apps/hub/src/http-edge-order.spec.ts). */
export function purposeOfUseParam(_data: unknown, context: ExecutionContext): string {
  const request = context.switchToHttp().getRequest<Request>();
  try {
    return requirePurposeOfUse(request.headers['x-purpose-of-use']);
  } catch (error) {
    recordEdgeRefusal(request, 'purpose_of_use_required');
    throw error;
  }
}
