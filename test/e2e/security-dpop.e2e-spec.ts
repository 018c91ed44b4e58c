import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { exportJWK, exportSPKI, generateKeyPair, importJWK, SignJWT } from 'jose';
import { accessTokenHash, createDpopProof, DpopKey, generateDpopKey, loadOrCreateDevKey, mintDevToken } from '@hub/auth';
import { buildMessage, fnr } from '@hub/testing';
import { HubHarness, startHub } from '../support/hub-harness';

/**
 * DPoP-bound access tokens (RFC 9449, HelseID's profile) through running hubs: the attack
 * matrix, each case on its own, against hub 1 (bearer still allowed, for development), and two
 * instances behind one public base URL sharing the replay cache in PostgreSQL: a proof accepted
 * by one is a replay at the other. Hub 2 requires DPoP for every client and server nonces.
 */
describe('DPoP-bound tokens', () => {
  const K = { kommunenummer: '9961', navn: 'Dpopvik', herIds: ['8861001'] };
  const PUBLIC = 'https://hub.kommune.test';
  const PATH = `/api/v1/kommuner/${K.kommunenummer}/me/access-log`;
  const HTU = `${PUBLIC}${PATH}`;
  const dir = mkdtempSync(join(tmpdir(), 'dpop-'));
  const issuerKey = join(dir, 'issuer.json');
  let hub1: HubHarness;
  let hub2: HubHarness;
  let key: DpopKey;
  let token: string;

  const bound = (dpopThumbprint?: string) =>
    // A citizen's app reading who looked at their record: a route every scheme must pass the guard for.
    mintDevToken(issuerKey, { client: 'helsenorge-app', scopes: ['patient:self'], kommuner: [K.kommunenummer], patientIdentifier: '13116900216', audience: 'hendelseslager', dpopThumbprint, expiresInSeconds: 600 });
  const proof = (overrides: Partial<Parameters<typeof createDpopProof>[1]> = {}, withKey = key) => createDpopProof(withKey, { htm: 'GET', htu: HTU, accessToken: token, ...overrides });
  const call = (hub: HubHarness, headers: Record<string, string>) => fetch(`${hub.baseUrl}${PATH}`, { headers });
  const dpop = async (hub: HubHarness, dpopProof: string | undefined, accessToken = token) =>
    call(hub, { Authorization: `DPoP ${accessToken}`, ...(dpopProof === undefined ? {} : { DPoP: dpopProof }) });
  /** Asserts a 401 with the DPoP challenge RFC 9449 §7.1 prescribes for this error. */
  const refused = async (response: Response, error: string) => {
    expect(response.status).toBe(401);
    const challenge = response.headers.get('www-authenticate') ?? '';
    expect(challenge).toMatch(new RegExp(`DPoP error="${error}", error_description="[^"]+", algs="[A-Z0-9 ]*ES256[A-Za-z0-9 ]*"`));
    return challenge;
  };
  /** Signs a proof with any header and claims (for the forged cases). */
  const forge = async (header: Record<string, unknown>, claims: Record<string, unknown> = {}) =>
    new SignJWT({ htm: 'GET', htu: HTU, jti: randomUUID(), iat: Math.floor(Date.now() / 1000), ath: accessTokenHash(token), ...claims })
      .setProtectedHeader({ typ: 'dpop+jwt', alg: 'ES256', jwk: key.publicJwk, ...header } as never)
      .sign(await importJWK(key.privateJwk, 'ES256'));

  beforeAll(async () => {
    await loadOrCreateDevKey(issuerKey);
    const shared = { HENDELSESLAGER_DEV_ISSUER_KEY: issuerKey, HENDELSESLAGER_PUBLIC_BASE_URL: PUBLIC, AUTH_DPOP_PROOF_MAX_AGE_SECONDS: '60' };
    hub1 = await startHub([K], { ...shared, AUTH_DPOP_REQUIRED: 'false', AUTH_DPOP_NONCE: 'false' });
    hub2 = await startHub([K], { ...shared, AUTH_DPOP_REQUIRED: 'true', AUTH_DPOP_NONCE: 'true' });
    key = await generateDpopKey('ES256');
    token = await bound(key.thumbprint);
  });
  afterAll(async () => {
    await hub1?.close();
    await hub2?.close();
  });

  it('accepts a DPoP-bound token with a correct proof', async () => {
    expect((await dpop(hub1, await proof())).status).toBe(200);
  });

  it('refuses a request without a proof', async () => {
    await refused(await dpop(hub1, undefined), 'invalid_dpop_proof');
  });

  it('refuses a replayed jti', async () => {
    const once = await proof();
    expect((await dpop(hub1, once)).status).toBe(200);
    await refused(await dpop(hub1, once), 'invalid_dpop_proof');
  });

  it('refuses a wrong htm', async () => {
    await refused(await dpop(hub1, await proof({ htm: 'POST' })), 'invalid_dpop_proof');
  });

  it('refuses a wrong htu, including the URL the Host header would give', async () => {
    await refused(await dpop(hub1, await proof({ htu: `${hub1.baseUrl}${PATH}` })), 'invalid_dpop_proof');
    await refused(await dpop(hub1, await proof({ htu: `${PUBLIC}/api/v1/kommuner/${K.kommunenummer}/me/blocking` })), 'invalid_dpop_proof');
    const spoofedHost = await call(hub1, { Authorization: `DPoP ${token}`, DPoP: await proof({ htu: `https://evil.example${PATH}` }), Host: 'evil.example' });
    await refused(spoofedHost, 'invalid_dpop_proof');
  });

  it('refuses a stale iat', async () => {
    await refused(await dpop(hub1, await proof({ iat: Math.floor(Date.now() / 1000) - 120 })), 'invalid_dpop_proof');
  });

  it('refuses a future iat', async () => {
    await refused(await dpop(hub1, await proof({ iat: Math.floor(Date.now() / 1000) + 120 })), 'invalid_dpop_proof');
  });

  it('refuses a wrong ath', async () => {
    await refused(await dpop(hub1, await proof({ accessToken: await bound(key.thumbprint) })), 'invalid_dpop_proof');
  });

  it("refuses a proof key that is not the token's cnf.jkt", async () => {
    const thief = await generateDpopKey('ES256');
    await refused(await dpop(hub1, await proof({}, thief)), 'invalid_dpop_proof');
  });

  it('refuses a DPoP-bound token sent as a bearer token', async () => {
    const response = await call(hub1, { Authorization: `Bearer ${token}` });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer realm="hendelseslager", error="invalid_token", error_description="[^"]+", DPoP algs="/);
  });

  it("refuses a proof with alg 'none'", async () => {
    const b64 = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const claims = { htm: 'GET', htu: HTU, jti: randomUUID(), iat: Math.floor(Date.now() / 1000), ath: accessTokenHash(token) };
    await refused(await dpop(hub1, `${b64({ typ: 'dpop+jwt', alg: 'none', jwk: key.publicJwk })}.${b64(claims)}.`), 'invalid_dpop_proof');
  });

  it('refuses a proof signed with HS256 (the public key as the secret)', async () => {
    const { publicKey } = await generateKeyPair('RS256', { extractable: true });
    const hs = await new SignJWT({ htm: 'GET', htu: HTU, jti: randomUUID(), iat: Math.floor(Date.now() / 1000), ath: accessTokenHash(token) })
      .setProtectedHeader({ typ: 'dpop+jwt', alg: 'HS256', jwk: await exportJWK(publicKey) })
      .sign(new TextEncoder().encode(await exportSPKI(publicKey)));
    await refused(await dpop(hub1, hs), 'invalid_dpop_proof');
  });

  it('refuses a private key in the jwk header', async () => {
    await refused(await dpop(hub1, await forge({ jwk: key.privateJwk })), 'invalid_dpop_proof');
  });

  it('refuses the DPoP scheme with a token that is not bound (invalid_token)', async () => {
    await refused(await dpop(hub1, await proof({ accessToken: await bound() }), await bound()), 'invalid_token');
  });

  it('with DPoP required: refuses bearer tokens and challenges with DPoP only', async () => {
    const plain = await bound();
    const response = await call(hub2, { Authorization: `Bearer ${plain}` });
    const challenge = await refused(response, 'invalid_token');
    expect(challenge).not.toContain('Bearer');
    const none = await call(hub2, {});
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^DPoP algs="/);
  });

  it('with server nonces: asks for one (use_dpop_nonce, DPoP-Nonce) and accepts the proof that carries it', async () => {
    const asked = await dpop(hub2, await proof());
    await refused(asked, 'use_dpop_nonce');
    const nonce = asked.headers.get('dpop-nonce');
    expect(nonce).toBeTruthy();
    expect((await dpop(hub2, await proof({ nonce: nonce! }))).status).toBe(200);
  });

  it('two instances share the replay cache: each accepts fresh proofs, a proof replayed to the other is refused', async () => {
    const nonce = (await dpop(hub2, await proof())).headers.get('dpop-nonce')!;
    const first = await proof({ nonce });
    const second = await proof({ nonce });
    expect((await dpop(hub1, first)).status).toBe(200);
    expect((await dpop(hub2, second)).status).toBe(200);
    await refused(await dpop(hub2, first), 'invalid_dpop_proof');
    await refused(await dpop(hub1, second), 'invalid_dpop_proof');
  });

  it('a gateway delivers with DPoP: the proof is checked once, before the body is read, and spent once', async () => {
    const gatewayKey = await generateDpopKey('ES256');
    const gateway = await mintDevToken(issuerKey, { client: 'gw-dpopvik', scopes: ['messages:write'], kommuner: [K.kommunenummer], audience: 'hendelseslager', dpopThumbprint: gatewayKey.thumbprint, expiresInSeconds: 600 });
    const body = buildMessage({
      kind: 'ORIENTERING_TJENESTETILBUD',
      version: '1.6',
      msgId: randomUUID(),
      sender: { organisation: [{ name: 'Dpopvik kommune', herId: K.herIds[0] }] },
      receiver: { organisation: [{ name: 'Legekontoret', herId: '8860100' }] },
      patient: { familyName: 'Prøve', givenName: 'Test', birthDate: '1958-05-17', fnr: fnr('1958-05-17', 233) },
    });
    const deliver = (dpopProof: string) =>
      fetch(`${hub1.baseUrl}/v1/messages`, { method: 'POST', headers: { Authorization: `DPoP ${gateway}`, DPoP: dpopProof, 'Content-Type': 'application/xml' }, body });
    const proofFor = () => createDpopProof(gatewayKey, { htm: 'POST', htu: `${PUBLIC}/v1/messages`, accessToken: gateway });
    // Body reader and guard both ask for the principal: one verification, so the proof is not taken for its own replay.
    const once = await proofFor();
    expect((await deliver(once)).status).toBe(202);
    await refused(await deliver(once), 'invalid_dpop_proof');
    expect((await deliver(await proofFor())).status).toBe(200);
  });

  it('npm run token gives a DPoP-bound token and proofs the hub accepts (compiled CLI, npm run build)', async () => {
    const cli = (...args: string[]) =>
      promisify(execFile)(process.execPath, [resolve(__dirname, '../../bin/hendelseslager.js'), ...args], {
        env: { ...process.env, NODE_ENV: 'test', HENDELSESLAGER_PSEUDONYM_KEY: 'test-pseudonym-key-0123456789', HENDELSESLAGER_DEV_ISSUER: 'true', HENDELSESLAGER_DEV_ISSUER_KEY: issuerKey, LOG_LEVEL: 'warn' },
      }).then((r) => r.stdout.trim());
    const keyFile = join(dir, 'cli-dpop-key.json');
    const cliToken = await cli('token', '--client', 'helsenorge-app', '--scope', 'patient:self', '--kommune', K.kommunenummer, '--pid', '13116900216', '--ttl', '600', '--dpop-key', keyFile);
    const cliProof = () => cli('token', 'proof', '--dpop-key', keyFile, '--htm', 'GET', '--htu', HTU, '--token', cliToken);
    expect((await dpop(hub1, await cliProof(), cliToken)).status).toBe(200);
    expect((await call(hub1, { Authorization: `Bearer ${cliToken}` })).status).toBe(401);
    const nonce = (await dpop(hub2, await cliProof(), cliToken)).headers.get('dpop-nonce')!;
    const withNonce = await cli('token', 'proof', '--dpop-key', keyFile, '--htm', 'GET', '--htu', HTU, '--token', cliToken, '--nonce', nonce);
    expect((await dpop(hub2, withNonce, cliToken)).status).toBe(200);
  });
});
