import { Inject, Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import type { HubConfig } from '@hub/config';
import { HUB_CONFIG } from '@hub/platform';

export interface RawBodyRequest extends Request {
  rawBody?: Buffer;
  bodyTooLarge?: boolean;
}

/**
 * Reads the message body as bytes (never as a string: the XML declaration decides the
 * encoding) and stops reading once it exceeds the configured limit, so an oversized body is
 * refused before any parsing.
 */
@Injectable()
export class RawBodyMiddleware implements NestMiddleware {
  constructor(@Inject(HUB_CONFIG) private readonly config: HubConfig) {}

  use(req: RawBodyRequest, _res: Response, next: NextFunction): void {
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
