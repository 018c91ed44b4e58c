export * from './token-verifier';
export * from './dev-issuer';
