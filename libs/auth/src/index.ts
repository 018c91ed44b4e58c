export * from './token-verifier';
export * from './dev-issuer';
export * from './constant-time.util';
export * from './rate-limiter';
export * from './oidc-client';
export * from './web-session';
export * from './dpop-proof.verifier';
export * from './dpop-client';
