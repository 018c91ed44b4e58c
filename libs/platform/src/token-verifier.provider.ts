import { Inject, Injectable } from '@nestjs/common';
import type { HubConfig } from '@hub/config';
import { devJwks, Principal, TokenVerifier } from '@hub/auth';
import { HUB_CONFIG } from './platform.tokens';

/** Builds the TokenVerifier from configuration (remote JWKS, or the dev issuer's key when enabled). */
@Injectable()
export class TokenVerifierProvider {
  private verifier?: Promise<TokenVerifier>;

  constructor(@Inject(HUB_CONFIG) private readonly config: HubConfig) {}

  verify(authorization: string | undefined): Promise<Principal> {
    return this.get().then((v) => v.verify(authorization));
  }

  private get(): Promise<TokenVerifier> {
    if (!this.verifier) {
      const auth = this.config.auth;
      this.verifier = (async () =>
        new TokenVerifier({
          issuer: auth.issuer,
          audience: auth.audience,
          clockToleranceSeconds: auth.clockToleranceSeconds,
          maxTokenLifetimeSeconds: auth.maxTokenLifetimeSeconds,
          jwksUri: auth.jwksUri,
          localJwks: auth.devIssuer.enabled && !auth.jwksUri ? await devJwks(auth.devIssuer.keyFile) : undefined,
        }))();
    }
    return this.verifier;
  }
}
