import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { DEV_ISSUER, devJwks, loadOrCreateDevKey, mintDevToken } from './dev-issuer';
import { TokenVerifier } from './token-verifier';

/** An RFC 7638 SHA-256 thumbprint is 43 base64url characters. */
const JKT = 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs';

describe('the development issuer', () => {
  let dir: string;
  let keyFile: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'dev-issuer-'));
    keyFile = join(dir, 'nested', 'dev-key.json');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const base = { client: 'dev-client', scopes: ['patients:read', 'messages:write'], kommuner: ['0301'], audience: 'hendelseslager' };

  it('creates an ES256 key pair (mode 0600) with one kid, and loads the same key the next time', async () => {
    const created = await loadOrCreateDevKey(keyFile);
    expect(created.privateJwk).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', kid: expect.any(String) });
    expect(created.privateJwk.d).toEqual(expect.any(String));
    expect(created.publicJwk).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig', kid: created.privateJwk.kid });
    expect(created.publicJwk.d).toBeUndefined();
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(await loadOrCreateDevKey(keyFile)).toEqual(created);
    expect(await devJwks(keyFile)).toEqual({ keys: [created.publicJwk] });
  });

  it('mints a token the verifier accepts against the published key set, with only the claims asked for', async () => {
    const token = await mintDevToken(keyFile, base);
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: 'ES256', typ: 'at+jwt', kid: (await loadOrCreateDevKey(keyFile)).publicJwk.kid });
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({ iss: DEV_ISSUER, aud: 'hendelseslager', sub: 'dev-client', client_id: 'dev-client', scope: 'patients:read messages:write', kommuner: ['0301'] });
    expect((claims.exp as number) - (claims.iat as number)).toBe(3600);
    for (const absent of ['org', 'hpr', 'name', 'pid', 'cnf', 'security_level']) expect(claims).not.toHaveProperty(absent);

    const verifier = new TokenVerifier({ issuer: DEV_ISSUER, audience: 'hendelseslager', clockToleranceSeconds: 5, localJwks: await devJwks(keyFile) });
    const principal = await verifier.verify(`Bearer ${token}`);
    expect(principal.clientId).toBe('dev-client');
    expect([...principal.scopes]).toEqual(['patients:read', 'messages:write']);
  });

  it('names the person, organisation, patient, DPoP key (cnf.jkt) and security level when asked, the level as a string like HelseID', async () => {
    const token = await mintDevToken(keyFile, {
      ...base,
      organisation: '999342809',
      hpr: '9876543',
      name: 'Lise Lege',
      patientIdentifier: '13116900216',
      dpopThumbprint: JKT,
      securityLevel: 4,
      expiresInSeconds: 120,
    });
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({ org: '999342809', hpr: '9876543', name: 'Lise Lege', pid: '13116900216', cnf: { jkt: JKT }, security_level: '4' });
    expect((claims.exp as number) - (claims.iat as number)).toBe(120);
    const verifier = new TokenVerifier({ issuer: DEV_ISSUER, audience: 'hendelseslager', clockToleranceSeconds: 5, localJwks: await devJwks(keyFile) });
    await expect(verifier.verifyToken(token)).resolves.toMatchObject({ boundKeyThumbprint: JKT, principal: { securityLevel: 4, hpr: '9876543' } });
  });

  it('leaves out a person, organisation or patient given as an empty string', async () => {
    const claims = decodeJwt(await mintDevToken(keyFile, { ...base, organisation: '', hpr: '', name: '', patientIdentifier: '', dpopThumbprint: '' }));
    for (const absent of ['org', 'hpr', 'name', 'pid', 'cnf']) expect(claims).not.toHaveProperty(absent);
  });
});
