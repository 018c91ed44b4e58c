#!/usr/bin/env node
// The local OpenID provider: HelseID's stand-in for the demo, the stack and the tests.
//
// oidc-provider (a certified OpenID Connect implementation) configured the way HelseID is used
// by the hub's web page: authorization code flow with PKCE (S256, required), confidential client
// authenticating with private_key_jwt, DPoP enabled, RP-initiated and back-channel logout, HelseID's claim names,
// and demo users. Its signing keys, cookie keys and the web client's key pair are generated on
// first start and kept in IDP_STATE_DIR (default .stack/idp), never committed.
//
// Usage: node tools/idp/idp.mjs   (npm run stack -- up starts it; see tools/idp/README.md)
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Provider from 'oidc-provider';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..', '..');
const env = process.env;

const host = env.IDP_HOST || '127.0.0.1';
const port = Number.parseInt(env.IDP_PORT || '4455', 10);
const issuer = env.IDP_ISSUER || `http://${host}:${port}`;
const stateDir = path.resolve(ROOT, env.IDP_STATE_DIR || path.join(env.STACK_DIR || '.stack', 'idp'));
const webClientId = env.IDP_WEB_CLIENT_ID || 'hendelseslager-web';
const list = (value, fallback) => (value || fallback).split(',').map((s) => s.trim()).filter(Boolean);
// The hub's public base URL (HENDELSESLAGER_PUBLIC_BASE_URL, as the hub reads it), else the hub's default port.
const hubBaseUrl = env.HENDELSESLAGER_PUBLIC_BASE_URL || `http://127.0.0.1:${env.PORT || 3000}`;
const redirectUris = list(env.IDP_WEB_REDIRECT_URIS, new URL('/auth/callback', hubBaseUrl).href);
const postLogoutRedirectUris = list(env.IDP_WEB_POST_LOGOUT_REDIRECT_URIS, redirectUris.map((u) => new URL('/', u).href).join(','));
// OpenID Connect Back-Channel Logout 1.0: where the provider POSTs a logout token when a session ends ('-' turns it off).
const backchannelLogoutUri = env.IDP_WEB_BACKCHANNEL_LOGOUT_URI || new URL('/auth/backchannel-logout', redirectUris[0]).href;
const usersFile = path.resolve(ROOT, env.IDP_USERS_FILE || path.join(HERE, 'users.demo.json'));

// HelseID's claim and scope names (https://utviklerportal.nhn.no/.../teknisk-referanse/claims and .../scopes).
export const CLAIMS = {
  pid: 'helseid://claims/identity/pid',
  securityLevel: 'helseid://claims/identity/security_level',
  hprNumber: 'helseid://claims/hpr/hpr_number',
  orgnrParent: 'helseid://claims/client/claims/orgnr_parent',
  orgnrChild: 'helseid://claims/client/claims/orgnr_child',
};

function readJson(file) {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

/** A JSON file created once (mode 0600) and read on every later start. */
function loadOrCreate(file, create) {
  if (fs.existsSync(file)) return readJson(file);
  const value = create();
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  fs.writeFileSync(file, JSON.stringify(value, null, 2), { mode: 0o600 });
  return value;
}

function privateJwk(type, options, alg) {
  const { privateKey } = crypto.generateKeyPairSync(type, options);
  return { ...privateKey.export({ format: 'jwk' }), kid: crypto.randomUUID(), alg, use: 'sig' };
}

function publicOf(jwk) {
  const pub = { ...jwk };
  for (const name of ['d', 'p', 'q', 'dp', 'dq', 'qi']) delete pub[name];
  return pub;
}

// The provider's own signing keys: RS256 (HelseID signs with RS256) and ES256.
const signingKeys = loadOrCreate(path.join(stateDir, 'signing-keys.json'), () => ({
  keys: [privateJwk('rsa', { modulusLength: 2048 }, 'RS256'), privateJwk('ec', { namedCurve: 'P-256' }, 'ES256')],
}));
const cookieKeys = loadOrCreate(path.join(stateDir, 'cookie-keys.json'), () => [crypto.randomBytes(32).toString('base64url')]);
// Server-provided DPoP nonces (RFC 9449 section 8), required by the token endpoint when IDP_DPOP_REQUIRE_NONCE=1.
const dpopNonceSecret = Buffer.from(loadOrCreate(path.join(stateDir, 'dpop-nonce-secret.json'), () => crypto.randomBytes(32).toString('base64url')), 'base64url');
const requireDpopNonce = env.IDP_DPOP_REQUIRE_NONCE === '1';
// The web page's key pair for private_key_jwt: the hub reads the private half (WEB_OIDC_PRIVATE_KEY),
// the provider registers the public half. In production the client's key is registered in HelseID's
// self-service portal instead.
const webClientKey = loadOrCreate(path.join(stateDir, `${webClientId}.private.jwk.json`), () => privateJwk('ec', { namedCurve: 'P-256' }, 'ES256'));

/** Demo users: { "<login>": { name, pid, securityLevel, hprNumber?, orgnrParent, orgnrChild? } }. */
const users = readJson(usersFile);

const configuration = {
  clients: [
    {
      client_id: webClientId,
      client_name: 'Hendelseslager pasientoversikt',
      application_type: 'web',
      redirect_uris: redirectUris,
      post_logout_redirect_uris: postLogoutRedirectUris,
      // A logout token names the provider session (sid), which the ID token then carries too.
      ...(backchannelLogoutUri === '-' ? {} : { backchannel_logout_uri: backchannelLogoutUri, backchannel_logout_session_required: true }),
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'private_key_jwt',
      token_endpoint_auth_signing_alg: 'ES256',
      id_token_signed_response_alg: 'RS256',
      jwks: { keys: [publicOf(webClientKey)] },
    },
  ],
  clientAuthMethods: ['private_key_jwt'],
  responseTypes: ['code'],
  // PKCE is required for every client, S256 only (oidc-provider 9 supports no other method).
  pkce: { required: () => true },
  scopes: ['openid', 'profile', 'helseid://scopes/identity/pid', 'helseid://scopes/identity/security_level', 'helseid://scopes/hpr/hpr_number'],
  claims: {
    // HelseID places the client's organisation claims in the tokens of every flow; the stand-in
    // sets them per demo user, as a multi-tenant client's chosen organisation (orgnr_child).
    openid: ['sub', CLAIMS.orgnrParent, CLAIMS.orgnrChild],
    profile: ['name', 'given_name', 'family_name'],
    'helseid://scopes/identity/pid': [CLAIMS.pid],
    'helseid://scopes/identity/security_level': [CLAIMS.securityLevel],
    'helseid://scopes/hpr/hpr_number': [CLAIMS.hprNumber],
  },
  // HelseID puts the identity claims in the ID token (the client reads them there).
  conformIdTokenClaims: false,
  features: {
    devInteractions: { enabled: true },
    dPoP: { enabled: true, nonceSecret: dpopNonceSecret, requireNonce: () => requireDpopNonce },
    rpInitiatedLogout: { enabled: true },
    backchannelLogout: { enabled: true },
    revocation: { enabled: true },
    userinfo: { enabled: true },
  },
  jwks: signingKeys,
  // oidc-provider refuses outgoing requests to special-use addresses (SSRF protection), loopback
  // included; the stand-in runs beside the hub on 127.0.0.1, so requests to the registered
  // back-channel logout URI's origin (and only those) go out without that check.
  fetch: (url, options) => {
    const request = { ...options };
    if (backchannelLogoutUri !== '-' && new URL(url).origin === new URL(backchannelLogoutUri).origin) delete request.dispatcher;
    return globalThis.fetch(url, request);
  },
  cookies: { keys: cookieKeys },
  enabledJWA: { clientAuthSigningAlgValues: ['RS256', 'PS256', 'ES256'], idTokenSigningAlgValues: ['RS256', 'ES256'] },
  ttl: { AccessToken: 600, AuthorizationCode: 60, IdToken: 3600, Interaction: 600, Session: 8 * 3600, Grant: 8 * 3600 },
  async findAccount(_ctx, id) {
    const user = Object.hasOwn(users, id) ? users[id] : undefined;
    if (!user) return undefined;
    return {
      accountId: id,
      async claims() {
        const [given, ...rest] = user.name.split(' ');
        const claims = { sub: id, name: user.name, given_name: given, family_name: rest.join(' ') || undefined };
        claims[CLAIMS.pid] = user.pid;
        claims[CLAIMS.securityLevel] = String(user.securityLevel);
        if (user.hprNumber) claims[CLAIMS.hprNumber] = user.hprNumber;
        if (user.orgnrParent) claims[CLAIMS.orgnrParent] = user.orgnrParent;
        if (user.orgnrChild) claims[CLAIMS.orgnrChild] = user.orgnrChild;
        return claims;
      },
    };
  },
};

const provider = new Provider(issuer, configuration);
// A failed back-channel logout is the hub's problem to see in the provider's log (no token in the line).
provider.on('backchannel.error', (_ctx, error, client) => console.error(`[idp] back-channel logout to ${client.clientId} failed: ${error.message}`));
provider.on('backchannel.success', (_ctx, client) => console.log(`[idp] back-channel logout sent to ${client.clientId}`));
// Plain HTTP on the loopback interface only; behind TLS it would need provider.proxy = true.
const server = http.createServer(provider.callback());
server.listen(port, host, () => {
  console.log(
    `[idp] oidc-provider OpenID provider ${issuer} (discovery ${issuer}/.well-known/openid-configuration); ` +
      `client ${webClientId} (private_key_jwt, key ${path.join(stateDir, `${webClientId}.private.jwk.json`)}), ` +
      `redirect ${redirectUris.join(' ')}; users ${Object.keys(users).join(', ')}`,
  );
});
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
