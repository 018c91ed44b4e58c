import type { Principal } from './token-verifier';
import { HELSEID_CLAIMS } from './token-verifier';
import {
  clearCookie,
  HELSEID_SECURITY_LEVEL_CLAIM,
  mapHelseIdClaims,
  mayReadPatients,
  parseOrganisationKommuner,
  personBelowPatientReadLevel,
  readCookie,
  SealedCookieCodec,
  WebIdentityException,
} from './web-session';

const organisations = parseOrganisationKommuner('organisasjoner:\n  - orgnr: "999342809"\n    kommunenummer: "3428"\n');

const claims = (extra: Record<string, unknown> = {}) => ({
  sub: 'subject-1',
  name: 'Lise Lege',
  [HELSEID_CLAIMS.hpr]: '9876543',
  [HELSEID_SECURITY_LEVEL_CLAIM]: '4',
  [HELSEID_CLAIMS.parentOrganisation]: '999342809',
  ...extra,
});

const organisationsFile = (orgnr: string, kommunenummer: string) => `organisasjoner:\n  - orgnr: "${orgnr}"\n    kommunenummer: "${kommunenummer}"\n`;

describe('parseOrganisationKommuner, whole-value rules', () => {
  it('accepts exactly 9 digits for orgnr and exactly 4 for kommunenummer, not a longer number that contains them', () => {
    expect(parseOrganisationKommuner(organisationsFile('999342809', '3428')).get('999342809')).toBe('3428');
    expect(() => parseOrganisationKommuner(organisationsFile('1999342809', '3428'))).toThrow(/orgnr must be 9 digits/);
    expect(() => parseOrganisationKommuner(organisationsFile('9993428091', '3428'))).toThrow(/orgnr must be 9 digits/);
    expect(() => parseOrganisationKommuner(organisationsFile('999342809', '13428'))).toThrow(/kommunenummer must be 4 digits/);
    expect(() => parseOrganisationKommuner(organisationsFile('999342809', '34281'))).toThrow(/kommunenummer must be 4 digits/);
  });

  it('refuses organisasjoner that is not a list, saying so', () => {
    expect(() => parseOrganisationKommuner('organisasjoner:\n  orgnr: "999342809"\n')).toThrow('organisasjoner must be a list');
  });
});

describe('mapHelseIdClaims, claim values with surrounding space and refusals', () => {
  it('trims the organisation numbers and the name before using them', () => {
    const identity = mapHelseIdClaims(claims({ name: '  Lise Lege ', [HELSEID_CLAIMS.parentOrganisation]: ' 999342809 ' }), organisations);
    expect(identity).toMatchObject({ name: 'Lise Lege', organisation: '999342809', kommunenummer: '3428' });
  });

  it('keeps an HPR number only when the whole claim is 1 to 9 digits', () => {
    expect(mapHelseIdClaims(claims({ [HELSEID_CLAIMS.hpr]: 'x9876543' }), organisations).hpr).toBeUndefined();
    expect(mapHelseIdClaims(claims({ [HELSEID_CLAIMS.hpr]: '9876543x' }), organisations).hpr).toBeUndefined();
    expect(mapHelseIdClaims(claims({ [HELSEID_CLAIMS.hpr]: '1234567890' }), organisations).hpr).toBeUndefined();
    expect(mapHelseIdClaims(claims({ [HELSEID_CLAIMS.hpr]: '1' }), organisations).hpr).toBe('1');
  });

  it('refuses with a named exception and a message the page can show', () => {
    const refusal = (extra: Record<string, unknown>) => {
      try {
        mapHelseIdClaims(claims(extra), organisations);
      } catch (error) {
        return error as WebIdentityException;
      }
      throw new Error('expected a refusal');
    };
    const none = refusal({ [HELSEID_CLAIMS.parentOrganisation]: undefined });
    expect(none).toBeInstanceOf(WebIdentityException);
    expect(none.name).toBe('WebIdentityException');
    expect(none.message).toMatch(/organisation/);
    expect(refusal({ [HELSEID_CLAIMS.parentOrganisation]: '123456785' }).message).toMatch(/organisation/);
    expect(refusal({ name: undefined }).message).toMatch(/person/);
  });
});

describe('mayReadPatients detail', () => {
  it('names the level needed (4) and the level used', () => {
    const identity = mapHelseIdClaims(claims({ [HELSEID_SECURITY_LEVEL_CLAIM]: '3' }), organisations);
    const refused = mayReadPatients(identity);
    expect(refused.allowed).toBe(false);
    const detail = refused.allowed === false ? refused.detail : '';
    expect(detail).toContain('security level 4');
    expect(detail).toContain('level 3');
    const unknown = mayReadPatients({ ...identity, securityLevel: 0 });
    expect(unknown.allowed === false && unknown.detail).toContain('level unknown');
  });
});

describe('personBelowPatientReadLevel', () => {
  const principal = (securityLevel?: number): Principal => ({ clientId: 'c', scopes: new Set(['patients:read']), kommuner: new Set(['3428']), securityLevel });

  it('holds back a person below level 4, not a person at level 4 nor a system token without the claim', () => {
    expect(personBelowPatientReadLevel(principal(3))).toBe(true);
    expect(personBelowPatientReadLevel(principal(2))).toBe(true);
    expect(personBelowPatientReadLevel(principal(4))).toBe(false);
    expect(personBelowPatientReadLevel(principal(undefined))).toBe(false);
  });
});

describe('SealedCookieCodec, limits', () => {
  const now = Date.UTC(2026, 0, 1, 12, 0, 0);
  const nowSeconds = Math.floor(now / 1000);

  it('needs a key of at least 16 characters', () => {
    expect(() => new SealedCookieCodec('x'.repeat(15), 'session')).toThrow('Cookie key must be at least 16 characters');
    expect(() => new SealedCookieCodec('x'.repeat(16), 'session')).not.toThrow();
  });

  it('ends the value at its expiry second: open before it, not at it nor after it', () => {
    const codec = new SealedCookieCodec('a-secret-of-at-least-16', 'session');
    expect(codec.open(codec.seal('v', nowSeconds + 1), now)).toBe('v');
    expect(codec.open(codec.seal('v', nowSeconds), now)).toBeUndefined();
    expect(codec.open(codec.seal('v', nowSeconds - 60), now)).toBeUndefined();
  });

  it('opens a cookie of exactly 8192 characters, and refuses anything longer or with characters outside base64url', () => {
    const codec = new SealedCookieCodec('a-secret-of-at-least-16', 'session');
    const exp = nowSeconds + 60;
    // 8192 base64url characters are 6144 bytes: 12 IV + 16 tag + 6116 plaintext, and the
    // plaintext is {"v":"<value>","exp":<10 digits>}, 25 characters around the value.
    const value = 'a'.repeat(6116 - 25);
    const sealed = codec.seal(value, exp);
    expect(sealed).toHaveLength(8192);
    expect(codec.open(sealed, now)).toBe(value);

    const small = codec.seal('v', exp);
    expect(codec.open(small, now)).toBe('v');
    expect(codec.open(`.${small}`, now)).toBeUndefined();
    expect(codec.open(`${small}.`, now)).toBeUndefined();
    expect(codec.open(`${small}${'.'.repeat(8192)}`, now)).toBeUndefined();
  });
});

describe('cookie headers, edges', () => {
  it('clears a cookie with an empty value and Max-Age=0', () => {
    expect(clearCookie('hl_session', { secure: true })).toBe('hl_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax; Secure');
  });

  it('reads the named cookie, not the first one, and trims the space around its value', () => {
    expect(readCookie('a=1; hl_session=abc', 'hl_session')).toBe('abc');
    expect(readCookie('hl_session=abc ; a=1', 'hl_session')).toBe('abc');
    expect(readCookie('a=1', 'hl_session')).toBeUndefined();
    expect(readCookie('=abc', '')).toBeUndefined();
  });
});
