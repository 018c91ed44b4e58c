import { createCipheriv, createDecipheriv, createHash, randomFillSync } from 'node:crypto';

const IV_BYTES = 12;

/**
 * Opaque paging tokens for FHIR searches. The search (including the patient identifier) is
 * encrypted and authenticated (AES-256-GCM), so `next` links carry no identifier in clear and
 * any read-api instance can continue a search without shared state.
 */
export class PageTokenCodec {
  private readonly key: Buffer;
  /** Random bytes drawn a block at a time, each handed out once (as node's randomUUID does). */
  private random = Buffer.alloc(0);
  private randomOffset = 0;

  constructor(secret: string) {
    this.key = createHash('sha256').update(`fhir-page-token|${secret}`).digest();
  }

  seal(value: object, ttlSeconds = 900): string {
    const iv = this.freshIv();
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const plain = Buffer.from(JSON.stringify({ v: value, exp: Math.floor(Date.now() / 1000) + ttlSeconds }));
    const encrypted = Buffer.concat([cipher.update(plain), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), encrypted]).toString('base64url');
  }

  /**
   * A random 96-bit GCM IV, never one handed out before. One `randomBytes(12)` per token was
   * about 1 % of read-api's CPU (one to three tokens per search page); the bytes are as random.
   */
  private freshIv(): Buffer {
    if (this.randomOffset + IV_BYTES > this.random.length) {
      this.random = randomFillSync(Buffer.allocUnsafe(IV_BYTES * 256));
      this.randomOffset = 0;
    }
    const iv = this.random.subarray(this.randomOffset, this.randomOffset + IV_BYTES);
    this.randomOffset += IV_BYTES;
    return iv;
  }

  open<T>(token: string): T | undefined {
    try {
      const raw = Buffer.from(token, 'base64url');
      const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, IV_BYTES));
      decipher.setAuthTag(raw.subarray(IV_BYTES, 28));
      const plain = Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]);
      const { v, exp } = JSON.parse(plain.toString('utf8')) as { v: T; exp: number };
      return exp >= Math.floor(Date.now() / 1000) ? v : undefined;
    } catch {
      return undefined;
    }
  }
}
