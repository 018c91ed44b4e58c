import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Principal } from '@hub/auth';
import type { AuthenticatedRequest } from './auth.guard';

/** The principal AuthGuard verified for this request (routes that declare scopes only). */
export const CurrentPrincipal = createParamDecorator((_data: unknown, context: ExecutionContext): Principal =>
  context.switchToHttp().getRequest<AuthenticatedRequest>().principal,
);
