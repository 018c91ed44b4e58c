import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { calculateJwkThumbprint, decodeJwt, decodeProtectedHeader, EmbeddedJWK, jwtVerify } from 'jose';
import { accessTokenHash, createDpopProof, generateDpopKey, loadOrCreateDpopKey } from './dpop-client';

describe('the DPoP key file of the command line (npm run token --dpop-key)', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'dpop-key-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('creates an ES256 key in a new folder, readable by its owner only, and loads the same key the next time', async () => {
    const file = join(dir, 'a', 'b', 'dpop.json');
    const created = await loadOrCreateDpopKey(file);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(created.publicJwk).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256' });
    expect(created.publicJwk).not.toHaveProperty('d');
    expect(created.thumbprint).toBe(await calculateJwkThumbprint(created.publicJwk, 'sha256'));
    // The thumbprint is derived, never stored: a file edited by hand cannot name another key.
    expect(Object.keys(JSON.parse(readFileSync(file, 'utf8')))).toEqual(['privateJwk', 'publicJwk']);
    expect(await loadOrCreateDpopKey(file)).toEqual(created);
  });
});

describe('createDpopProof', () => {
  it('signs with the key\'s algorithm, ES256 when the key names none, and carries only the public members', async () => {
    const key = await generateDpopKey('ES256');
    const { alg: _alg, ...privateWithoutAlg } = key.privateJwk;
    const proof = await createDpopProof({ ...key, privateJwk: privateWithoutAlg }, { htm: 'GET', htu: 'https://hub.example/fhir/Patient', iat: 1_767_225_600, jti: 'j-1' });
    const header = decodeProtectedHeader(proof);
    expect(header).toMatchObject({ typ: 'dpop+jwt', alg: 'ES256' });
    expect(Object.keys(header.jwk!).sort()).toEqual(['crv', 'kty', 'x', 'y']);
    expect(decodeJwt(proof)).toEqual({ htm: 'GET', htu: 'https://hub.example/fhir/Patient', iat: 1_767_225_600, jti: 'j-1' });

    const rsa = await generateDpopKey('PS256');
    const rsaProof = await createDpopProof(rsa, { htm: 'POST', htu: 'https://hub.example/x', accessToken: 'at', nonce: 'server-nonce' });
    expect(Object.keys(decodeProtectedHeader(rsaProof).jwk!).sort()).toEqual(['e', 'kty', 'n']);
    const { payload } = await jwtVerify(rsaProof, EmbeddedJWK, { typ: 'dpop+jwt', algorithms: ['PS256'] });
    expect(payload).toMatchObject({ ath: accessTokenHash('at'), nonce: 'server-nonce' });
  });
});
