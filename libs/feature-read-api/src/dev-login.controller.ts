import { Body, Controller, HttpCode, Inject, Post } from '@nestjs/common';
import type { HubConfig } from '@hub/config';
import { mintDevToken } from '@hub/auth';
import { HUB_CONFIG, problem } from '@hub/platform';

interface DevLoginRequest {
  kommunenummer?: unknown;
  name?: unknown;
}

/** Lifetime of a web-page token from the development issuer. */
const DEV_TOKEN_SECONDS = 3600;

/**
 * Sign-in for the web page in development: mints a short-lived `patients:read` token for one
 * kommune from the local development issuer. It answers 404 unless HENDELSESLAGER_DEV_ISSUER
 * is true, which configuration refuses in production; real deployments sign in with HelseID.
 */
@Controller('dev')
export class DevLoginController {
  constructor(@Inject(HUB_CONFIG) private readonly config: HubConfig) {}

  @Post('token')
  @HttpCode(200)
  async token(@Body() body: DevLoginRequest): Promise<{ access_token: string; token_type: 'Bearer'; expires_in: number; kommunenummer: string }> {
    if (!this.config.auth.devIssuer.enabled) throw problem(404, 'not_found', 'Not found');
    const knr = body?.kommunenummer;
    if (typeof knr !== 'string' || !/^\d{4}$/.test(knr)) throw problem(400, 'invalid_kommunenummer', 'Body must be {"kommunenummer": "<4 digits>", "name"?: string}');
    const name = typeof body.name === 'string' && body.name.trim() ? body.name.trim().slice(0, 80) : 'Utvikler';
    const accessToken = await mintDevToken(this.config.auth.devIssuer.keyFile, {
      client: 'hendelseslager-web-dev',
      scopes: ['patients:read'],
      kommuner: [knr],
      audience: this.config.auth.audience,
      organisation: 'Utviklingsmiljø',
      name,
      expiresInSeconds: DEV_TOKEN_SECONDS,
    });
    return { access_token: accessToken, token_type: 'Bearer', expires_in: DEV_TOKEN_SECONDS, kommunenummer: knr };
  }
}
