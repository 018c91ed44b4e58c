import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/**
 * Opaque paging tokens for FHIR searches. The search (including the patient identifier) is
 * encrypted and authenticated (AES-256-GCM), so `next` links carry no identifier in clear and
 * any read-api instance can continue a search without shared state.
 */
export class PageTokenCodec {
  private readonly key: Buffer;

  constructor(secret: string) {
    this.key = createHash('sha256').update(`fhir-page-token|${secret}`).digest();
  }

  seal(value: object, ttlSeconds = 900): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const plain = Buffer.from(JSON.stringify({ v: value, exp: Math.floor(Date.now() / 1000) + ttlSeconds }));
    const encrypted = Buffer.concat([cipher.update(plain), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), encrypted]).toString('base64url');
  }

  open<T>(token: string): T | undefined {
    try {
      const raw = Buffer.from(token, 'base64url');
      const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(12, 28));
      const plain = Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]);
      const { v, exp } = JSON.parse(plain.toString('utf8')) as { v: T; exp: number };
      return exp >= Math.floor(Date.now() / 1000) ? v : undefined;
    } catch {
      return undefined;
    }
  }
}
