import { Inject, Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import type { HubConfig } from '@hub/config';
import { HUB_CONFIG, RequestAuthenticator } from '@hub/platform';

export interface RawBodyRequest extends Request {
  rawBody?: Buffer;
  bodyTooLarge?: boolean;
}

/**
 * Reads the message body as bytes (never as a string: the XML declaration decides the
 * encoding) and stops reading once it exceeds the configured limit, so an oversized body is
 * refused before any parsing. It authenticates first and reads nothing for a request without a
 * valid token that may write messages: the guard then answers 401/403 and the connection is
 * closed instead of taking in up to INTAKE_MAX_BODY_BYTES from a stranger.
 */
@Injectable()
export class RawBodyMiddleware implements NestMiddleware {
  constructor(@Inject(HUB_CONFIG) private readonly config: HubConfig, private readonly authenticator: RequestAuthenticator) {}

  use(req: RawBodyRequest, res: Response, next: NextFunction): void {
    // The guard reuses this verification (one per request, so a DPoP proof is spent once).
    this.authenticator.authenticate(req).then(
      (principal) => (principal.scopes.has('messages:write') ? this.read(req, next) : this.skip(res, next)),
      () => this.skip(res, next),
    );
  }

  /** Leaves the body unread: the guard refuses the request, and the connection closes after the answer. */
  private skip(res: Response, next: NextFunction): void {
    res.setHeader('Connection', 'close');
    next();
  }

  private read(req: RawBodyRequest, next: NextFunction): void {
    const limit = this.config.intake.maxBodyBytes;
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (Number.isFinite(declared) && declared > limit) {
      req.bodyTooLarge = true;
      req.resume();
      next();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      if (!req.bodyTooLarge) req.rawBody = Buffer.concat(chunks, size);
      next();
    };
    req.on('data', (chunk: Buffer) => {
      if (req.bodyTooLarge) return;
      size += chunk.length;
      if (size > limit) {
        req.bodyTooLarge = true;
        chunks.length = 0;
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', finish);
    req.on('error', (error) => {
      if (done) return;
      done = true;
      next(error);
    });
  }
}
