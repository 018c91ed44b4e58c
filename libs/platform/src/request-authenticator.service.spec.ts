import type { Request } from 'express';
import type { DataSource } from 'typeorm';
import { AuthenticationException, DpopException } from '@hub/auth';
import { loadHubConfig } from '@hub/config';
import { RequestAuthenticator } from './request-authenticator.service';
import type { TokenVerifierProvider } from './token-verifier.provider';

describe('RequestAuthenticator', () => {
  const make = (env: Record<string, string> = {}) => {
    const verify = jest.fn().mockResolvedValue({ clientId: 'epj', scopes: new Set(['patients:read']), kommuner: new Set(['0301']) });
    const tokens = { verify, verifyToken: jest.fn() } as unknown as TokenVerifierProvider;
    const config = loadHubConfig({ HENDELSESLAGER_DEV_ISSUER: 'true', ...env });
    return { authenticator: new RequestAuthenticator(tokens, config, {} as DataSource), verify };
  };

  it('challenges with Bearer and DPoP (algs) while bearer is allowed, and names the failed scheme', () => {
    const { authenticator } = make();
    expect(authenticator.challenge(new AuthenticationException('Missing access token'))).toEqual({
      'WWW-Authenticate': 'Bearer realm="hendelseslager", DPoP algs="ES256 ES384 PS256 PS384 RS256 RS384 EdDSA"',
    });
    expect(authenticator.challenge(new AuthenticationException('Token expired'))['WWW-Authenticate']).toBe(
      'Bearer realm="hendelseslager", error="invalid_token", error_description="Token expired", DPoP algs="ES256 ES384 PS256 PS384 RS256 RS384 EdDSA"',
    );
    expect(authenticator.challenge(new DpopException('invalid_dpop_proof', 'DPoP proof "x" is too old'))['WWW-Authenticate']).toBe(
      `Bearer realm="hendelseslager", DPoP error="invalid_dpop_proof", error_description="DPoP proof 'x' is too old", algs="ES256 ES384 PS256 PS384 RS256 RS384 EdDSA"`,
    );
  });

  it('challenges with DPoP only when DPoP is required, and hands out the nonce it asks for', () => {
    const { authenticator } = make({ AUTH_DPOP_REQUIRED: 'true' });
    expect(authenticator.challenge(new DpopException('use_dpop_nonce', 'Resource server requires nonce in DPoP proof', 'n0nce'))).toEqual({
      'WWW-Authenticate': 'DPoP error="use_dpop_nonce", error_description="Resource server requires nonce in DPoP proof", algs="ES256 ES384 PS256 PS384 RS256 RS384 EdDSA"',
      'DPoP-Nonce': 'n0nce',
    });
  });

  it('verifies a request once however often it is asked, and refuses bearer when DPoP is required', async () => {
    const { authenticator, verify } = make();
    const request = { headers: { authorization: 'Bearer a.b.c' }, method: 'GET', originalUrl: '/x' } as unknown as Request;
    const [first, second] = await Promise.all([authenticator.authenticate(request), authenticator.authenticate(request)]);
    expect(first).toBe(second);
    expect(verify).toHaveBeenCalledTimes(1);
    const strict = make({ AUTH_DPOP_REQUIRED: 'true' });
    await expect(strict.authenticator.authenticate({ headers: { authorization: 'Bearer a.b.c' } } as unknown as Request)).rejects.toMatchObject({ error: 'invalid_token' });
    expect(strict.verify).not.toHaveBeenCalled();
  });
});
