import { HELSEID_CLAIMS } from './token-verifier';
import {
  clearCookie,
  HELSEID_SECURITY_LEVEL_CLAIM,
  mapHelseIdClaims,
  mayReadPatients,
  parseOrganisationKommuner,
  readCookie,
  SealedCookieCodec,
  setCookie,
  webPrincipal,
} from './web-session';

const organisations = parseOrganisationKommuner('organisasjoner:\n  - orgnr: "999342809"\n    kommunenummer: "3428"\n  - orgnr: "999943004"\n    kommunenummer: "9944"\n');

const claims = (extra: Record<string, unknown> = {}) => ({
  sub: 'subject-1',
  name: 'Lise Lege',
  [HELSEID_CLAIMS.hpr]: '9876543',
  [HELSEID_SECURITY_LEVEL_CLAIM]: '4',
  [HELSEID_CLAIMS.parentOrganisation]: '999342809',
  ...extra,
});

describe('mapHelseIdClaims', () => {
  it("maps HelseID's claim names to the person, and the organisation to its kommune", () => {
    expect(mapHelseIdClaims(claims(), organisations)).toEqual({ subject: 'subject-1', name: 'Lise Lege', hpr: '9876543', securityLevel: 4, organisation: '999342809', kommunenummer: '3428' });
  });

  it('prefers the unit (orgnr_child) when the map knows it, and falls back to the legal entity (orgnr_parent)', () => {
    expect(mapHelseIdClaims(claims({ [HELSEID_CLAIMS.childOrganisation]: '999943004' }), organisations)).toMatchObject({ organisation: '999943004', kommunenummer: '9944' });
    expect(mapHelseIdClaims(claims({ [HELSEID_CLAIMS.childOrganisation]: '123456785' }), organisations)).toMatchObject({ organisation: '999342809', kommunenummer: '3428' });
  });

  it('signs nobody in for an organisation the hub does not serve, or without one', () => {
    expect(() => mapHelseIdClaims(claims({ [HELSEID_CLAIMS.parentOrganisation]: '123456785' }), organisations)).toThrow(expect.objectContaining({ code: 'unknown_organisation' }));
    expect(() => mapHelseIdClaims(claims({ [HELSEID_CLAIMS.parentOrganisation]: undefined }), organisations)).toThrow(expect.objectContaining({ code: 'no_organisation' }));
  });

  it('reads the security level as HelseID sends it (a string 2, 3 or 4), anything else as 0', () => {
    expect(mapHelseIdClaims(claims({ [HELSEID_SECURITY_LEVEL_CLAIM]: '3' }), organisations).securityLevel).toBe(3);
    expect(mapHelseIdClaims(claims({ [HELSEID_SECURITY_LEVEL_CLAIM]: 4 }), organisations).securityLevel).toBe(4);
    expect(mapHelseIdClaims(claims({ [HELSEID_SECURITY_LEVEL_CLAIM]: '5' }), organisations).securityLevel).toBe(0);
    expect(mapHelseIdClaims(claims({ [HELSEID_SECURITY_LEVEL_CLAIM]: undefined }), organisations).securityLevel).toBe(0);
    // Read as the access tokens' claim is (one parser): a level is one digit, nothing around it.
    for (const odd of ['4.0', ' 4', '4 ', '04', '', true, [4]]) expect([odd, mapHelseIdClaims(claims({ [HELSEID_SECURITY_LEVEL_CLAIM]: odd }), organisations).securityLevel]).toEqual([odd, 0]);
  });

  it('keeps only a well-formed HPR number, and builds the name from given and family name when name is absent', () => {
    expect(mapHelseIdClaims(claims({ [HELSEID_CLAIMS.hpr]: 'x; drop' }), organisations).hpr).toBeUndefined();
    expect(mapHelseIdClaims(claims({ name: undefined, given_name: 'Lise', family_name: 'Lege' }), organisations).name).toBe('Lise Lege');
    expect(() => mapHelseIdClaims(claims({ name: ' ' }), organisations)).toThrow(expect.objectContaining({ code: 'no_name' }));
  });
});

describe('mayReadPatients and webPrincipal', () => {
  const person = mapHelseIdClaims(claims(), organisations);

  it('allows patient reads at security level 4 only, with a reason for the rest', () => {
    expect(mayReadPatients(person)).toEqual({ allowed: true });
    const refused = mayReadPatients({ ...person, securityLevel: 3 });
    expect(refused).toMatchObject({ allowed: false, reason: 'security_level' });
    expect(refused.allowed === false && refused.detail).toContain('level 3');
    expect(mayReadPatients({ ...person, securityLevel: 0 }).allowed).toBe(false);
  });

  it('reads as the web client, patients:read in the person\'s kommune only, naming the person for the audit', () => {
    const principal = webPrincipal(person, 'hendelseslager-web');
    expect(principal).toMatchObject({ clientId: 'hendelseslager-web', hpr: '9876543', actorName: 'Lise Lege', organisation: '999342809' });
    expect([...principal.scopes]).toEqual(['patients:read']);
    expect([...principal.kommuner]).toEqual(['3428']);
  });
});

describe('parseOrganisationKommuner', () => {
  it('refuses unquoted or malformed numbers and an orgnr listed twice', () => {
    expect(() => parseOrganisationKommuner('organisasjoner:\n  - orgnr: 999342809\n    kommunenummer: "3428"\n')).toThrow(/orgnr must be 9 digits/);
    expect(() => parseOrganisationKommuner('organisasjoner:\n  - orgnr: "999342809"\n    kommunenummer: "301"\n')).toThrow(/kommunenummer/);
    expect(() => parseOrganisationKommuner('organisasjoner:\n  - orgnr: "999342809"\n    kommunenummer: "3428"\n  - orgnr: "999342809"\n    kommunenummer: "0301"\n')).toThrow(/twice/);
    expect(parseOrganisationKommuner('').size).toBe(0);
  });
});

describe('SealedCookieCodec', () => {
  const now = Date.now();
  const exp = Math.floor(now / 1000) + 60;
  const codec = new SealedCookieCodec('a-secret-of-at-least-16', 'session');

  it('opens what it sealed, until it expires', () => {
    const sealed = codec.seal({ who: 'x' }, exp);
    expect(sealed).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(codec.open(sealed, now)).toEqual({ who: 'x' });
    expect(codec.open(sealed, (exp + 1) * 1000)).toBeUndefined();
  });

  it('refuses a cookie changed by one bit, sealed for the other purpose, or with another key', () => {
    const sealed = codec.seal({ who: 'x' }, exp);
    const raw = Buffer.from(sealed, 'base64url');
    raw[raw.length - 1] ^= 1;
    expect(codec.open(raw.toString('base64url'), now)).toBeUndefined();
    expect(new SealedCookieCodec('a-secret-of-at-least-16', 'login').open(sealed, now)).toBeUndefined();
    expect(new SealedCookieCodec('another-secret-of-16+', 'session').open(sealed, now)).toBeUndefined();
    expect(codec.open(undefined, now)).toBeUndefined();
    expect(codec.open('not base64!', now)).toBeUndefined();
  });

  it('does not reveal the value: the same value sealed twice differs (random IV)', () => {
    expect(codec.seal({ who: 'x' }, exp)).not.toBe(codec.seal({ who: 'x' }, exp));
    expect(Buffer.from(codec.seal({ who: 'Lise Lege' }, exp), 'base64url').toString('latin1')).not.toContain('Lise');
  });
});

describe('cookie headers', () => {
  it('are HttpOnly and SameSite=Lax always, Secure only on https', () => {
    expect(setCookie('hl_session', 'v', { maxAgeSeconds: 3600, secure: false })).toBe('hl_session=v; Path=/; Max-Age=3600; HttpOnly; SameSite=Lax');
    expect(setCookie('hl_login', 'v', { maxAgeSeconds: 600, secure: true, path: '/auth/callback' })).toBe('hl_login=v; Path=/auth/callback; Max-Age=600; HttpOnly; SameSite=Lax; Secure');
    expect(clearCookie('hl_session', { secure: false })).toContain('Max-Age=0');
  });

  it('reads one cookie by its exact name', () => {
    expect(readCookie('a=1; hl_session=abc; hl_session_x=2', 'hl_session')).toBe('abc');
    expect(readCookie('xhl_session=abc', 'hl_session')).toBeUndefined();
    expect(readCookie(undefined, 'hl_session')).toBeUndefined();
  });
});
