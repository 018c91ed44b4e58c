import { Inject, Injectable } from '@nestjs/common';
import type { HubConfig } from '@hub/config';
import { devJwks, Principal, TokenVerifier, VerifiedToken } from '@hub/auth';
import { HUB_CONFIG } from './platform.tokens';

/** Builds the TokenVerifier from configuration (remote JWKS, or the dev issuer's key when enabled). */
@Injectable()
export class TokenVerifierProvider {
  private verifier?: Promise<TokenVerifier>;

  constructor(@Inject(HUB_CONFIG) private readonly config: HubConfig) {}

  /** A plain bearer token (`Authorization: Bearer`); a DPoP-bound one is refused. */
  verify(authorization: string | undefined): Promise<Principal> {
    return this.get().then((v) => v.verify(authorization));
  }

  /** One access token, bound or not (the DPoP scheme checks the binding). */
  verifyToken(token: string): Promise<VerifiedToken> {
    return this.get().then((v) => v.verifyToken(token));
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
