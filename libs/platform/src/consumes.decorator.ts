import { applyDecorators, CanActivate, ExecutionContext, Injectable, SetMetadata, UseGuards } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { EdgeException, EdgeExceptionCode } from './edge.exception';

const CONSUMES = 'hub:consumes';

/** Refuses a body of another media type with 415 (after authentication: AuthGuard runs first). */
@Injectable()
export class ConsumesGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const types = this.reflector.get<string[] | undefined>(CONSUMES, context.getHandler()) ?? [];
    const request = context.switchToHttp().getRequest<Request>();
    // No body at all is not a body of another type: the route's own checks answer it.
    if (!request.headers['content-type'] && !request.headers['transfer-encoding'] && Number(request.headers['content-length'] ?? 0) === 0) return true;
    const given = (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (!types.includes(given)) throw new EdgeException(EdgeExceptionCode.UNSUPPORTED_MEDIA_TYPE, `Send the request body as ${types.join(' or ')}`);
    return true;
  }
}

/** The media types a route's body may have. */
export const Consumes = (...types: string[]) => applyDecorators(SetMetadata(CONSUMES, types), UseGuards(ConsumesGuard));
