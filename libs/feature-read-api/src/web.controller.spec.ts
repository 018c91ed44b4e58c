import { randomUUID } from 'node:crypto';
import { HELSEID_CLAIMS, HELSEID_SECURITY_LEVEL_CLAIM, PendingLogin, SealedCookieCodec, SignInException, WebIdentity, WebSession } from '@hub/auth';
import { loadHubConfig } from '@hub/config';
import { AccessRefusalAudit, AuditUnavailableException, AuditWriter } from '@hub/platform';
import type { DpopReplayRepository, WebSessionRepository } from '@hub/persistence';
import { buildPatientOverview } from '@hub/projections';
import { fnr } from '@hub/testing';
import { ControllerHarness, PUBLIC_BASE_URL, startControllers } from '../../../test/support/controller-harness';
import { OriginalMessageService } from './original-message.service';
import { PatientReadService } from './patient-read.service';
import { ReadApiModule } from './read-api.module';
import { SubscriptionService } from './subscription.service';
import { SESSION_COOKIE, LOGIN_COOKIE, WebSignInService } from './web-sign-in.service';

const KNR = '3428';
/** An ID token as the provider signs it, as far as the hub reads it after verifying (decodeJwt: its sid). */
const ID_TOKEN = [{ alg: 'none' }, { sub: 's-1', sid: 'sid-1' }].map((part) => Buffer.from(JSON.stringify(part)).toString('base64url')).join('.') + '.c2ln';
const PATIENT = fnr('1944-04-04', 402);
const EMPTY = { patients: [], services: [], serviceNeeds: [], diagnoses: [], events: [], messages: [] };
const ENV = {
  NODE_ENV: 'test',
  HENDELSESLAGER_DEV_ISSUER: 'true',
  HENDELSESLAGER_PSEUDONYM_KEY: 'test-pseudonym-key-0123456789',
  HENDELSESLAGER_PUBLIC_BASE_URL: PUBLIC_BASE_URL,
  WEB_OIDC_ISSUER: 'https://idp.example.no',
  HENDELSESLAGER_ORGANISATIONS: 'config/organisations.demo.yaml',
  // One token a second, three at once, per signed-in person: the fourth quick read is a 429.
  RATE_LIMIT_PER_CLIENT_PER_SECOND: '1',
  RATE_LIMIT_PER_CLIENT_BURST: '3',
};

/**
 * The web page's routes (issue #17): sign-in (`/auth/*`), the session's reads (`/session/*`) and
 * the page's files, over HTTP with the real WebSignInService (sealed cookies) and the provider,
 * the session rows and the read services faked: every route's answers and refusals.
 */
describe('web page controllers (HTTP edge)', () => {
  let hub: ControllerHarness;
  const config = loadHubConfig(ENV);
  const rows = new Set<string>();
  const sessionRows = {
    start: async (id: string) => void rows.add(id),
    isActive: async (id: string) => rows.has(id),
    end: async (id: string) => void rows.delete(id),
    endByProvider: async () => 0,
  } as unknown as WebSessionRepository;
  const replay = { remember: async () => true } as unknown as DpopReplayRepository;
  // The refusals a signed-in person's reads record (WebSignInService.recordRefusal), by reason.
  const refusals = { record: jest.fn() };
  const signIn = new WebSignInService(config, sessionRows, replay, refusals as unknown as AccessRefusalAudit);
  const oidc = { issuer: 'https://idp.example.no', authorizationUrl: jest.fn(), completeLogin: jest.fn(), logoutUrl: jest.fn(), verifyLogoutToken: jest.fn() };
  Object.defineProperty(signIn, 'oidc', { value: oidc, configurable: true });
  const reads = { read: jest.fn() };
  const originals = { read: jest.fn() };
  const sessions = new SealedCookieCodec(config.web.sessionKey, 'session');
  const logins = new SealedCookieCodec(config.web.sessionKey, 'login');

  beforeAll(async () => {
    hub = await startControllers(
      ReadApiModule,
      [
        [WebSignInService, signIn],
        [PatientReadService, reads],
        [OriginalMessageService, originals],
        [AuditWriter, {}],
        [SubscriptionService, {}],
      ],
      ENV,
    );
  });
  afterAll(() => hub.close());
  beforeEach(() => {
    oidc.authorizationUrl.mockReset().mockResolvedValue('https://idp.example.no/authorize?state=s');
    oidc.completeLogin.mockReset();
    oidc.logoutUrl.mockReset().mockResolvedValue('https://idp.example.no/logout?id_token_hint=t');
    oidc.verifyLogoutToken.mockReset();
    refusals.record.mockReset();
    reads.read.mockReset().mockResolvedValue({ overview: buildPatientOverview(EMPTY, 'p-1', '2026-12-04'), found: false, blocked: false, auditId: 'audit-1' });
    originals.read.mockReset().mockResolvedValue({ message: undefined, blocked: false, auditId: 'audit-2' });
  });

  /** A signed-in browser's cookie header: a session row, sealed as the hub seals it (a new person each time, so a new rate-limit bucket). */
  const signedIn = (identity: Partial<WebIdentity> = {}, kind: WebSession['kind'] = 'dev'): string => {
    const id = randomUUID();
    rows.add(id);
    const expiresAt = Math.floor(Date.now() / 1000) + 600;
    const session: WebSession = { id, kind, expiresAt, idToken: kind === 'oidc' ? 'id-token' : undefined, identity: { subject: `dev:${id}`, name: 'Lene Lege', hpr: '4455667', securityLevel: 4, organisation: '999342809', kommunenummer: KNR, ...identity } };
    return `${SESSION_COOKIE}=${sessions.seal(session, expiresAt)}`;
  };
  const call = async (path: string, init: { method?: string; cookie?: string; purpose?: string | null; body?: unknown; origin?: string; redirect?: boolean } = {}) => {
    const headers: Record<string, string> = {};
    if (init.cookie) headers.Cookie = init.cookie;
    if (init.purpose !== undefined && init.purpose !== null) headers['X-Purpose-Of-Use'] = init.purpose;
    if (init.origin) headers.Origin = init.origin;
    if (init.body !== undefined) headers['Content-Type'] = 'application/json';
    const response = await fetch(`${hub.baseUrl}${path}`, {
      method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
      headers,
      body: init.body === undefined ? undefined : typeof init.body === 'string' ? init.body : JSON.stringify(init.body),
      redirect: 'manual',
    });
    const bytes = Buffer.from(await response.arrayBuffer());
    const text = bytes.toString();
    return { status: response.status, headers: response.headers, bytes, text, cookies: response.headers.getSetCookie(), json: () => JSON.parse(text) as Record<string, any> };
  };

  describe('sign-in (/auth)', () => {
    it('login: 303 to the provider with the pending login in a cookie for the callback only; 303 back to the page when the provider fails', async () => {
      const r = await call('/auth/login');
      expect(r.status).toBe(303);
      expect(r.headers.get('location')).toBe('https://idp.example.no/authorize?state=s');
      expect(r.cookies).toEqual([expect.stringMatching(new RegExp(`^${LOGIN_COOKIE}=[A-Za-z0-9_-]+; Path=/auth/callback; Max-Age=600; HttpOnly; SameSite=Lax; Secure$`))]);
      oidc.authorizationUrl.mockRejectedValue(new Error('provider down'));
      const failed = await call('/auth/login');
      expect([failed.status, failed.headers.get('location'), failed.cookies]).toEqual([303, '/?signin=failed', []]);
    });

    it('callback: refusals go back to the page with a fixed reason word (and clear the login cookie); a good one starts the session', async () => {
      const none = await call('/auth/callback?code=c&state=s');
      expect([none.status, none.headers.get('location')]).toEqual([303, '/?signin=no_pending_login']);
      expect(none.cookies).toEqual([expect.stringMatching(new RegExp(`^${LOGIN_COOKIE}=; Path=/auth/callback; Max-Age=0`))]);
      const pending: PendingLogin = { state: 'state-1', nonce: 'n', codeVerifier: 'v', startedAt: Math.floor(Date.now() / 1000) };
      const loginCookie = `${LOGIN_COOKIE}=${logins.seal(pending, pending.startedAt + 600)}`;
      const other = await call('/auth/callback?code=c&state=other', { cookie: loginCookie });
      expect(other.headers.get('location')).toBe('/?signin=state_mismatch');
      oidc.completeLogin.mockRejectedValue(new SignInException('token_invalid', 'The provider said <script>'));
      const refused = await call('/auth/callback?code=c&state=state-1', { cookie: loginCookie });
      expect([refused.status, refused.headers.get('location')]).toEqual([303, '/?signin=token_invalid']);
      expect(refused.text).not.toContain('script');
      oidc.completeLogin.mockResolvedValue({ idToken: ID_TOKEN, claims: { sub: 's-1', name: 'Lene Lege', [HELSEID_CLAIMS.childOrganisation]: '999000000' } });
      expect((await call('/auth/callback?code=c&state=state-1', { cookie: loginCookie })).headers.get('location')).toBe('/?signin=unknown_organisation');
      oidc.completeLogin.mockResolvedValue({ idToken: ID_TOKEN, claims: { sub: 's-1', name: 'Lene Lege', [HELSEID_CLAIMS.childOrganisation]: '999342809', [HELSEID_SECURITY_LEVEL_CLAIM]: '4' } });
      const ok = await call('/auth/callback?code=c&state=state-1', { cookie: loginCookie });
      expect([ok.status, ok.headers.get('location')]).toEqual([303, '/']);
      const session = ok.cookies.find((c) => c.startsWith(`${SESSION_COOKIE}=`))!;
      const status = await call('/auth/session', { cookie: session.split(';')[0] });
      expect(status.json()).toMatchObject({ signedIn: true, kind: 'oidc', name: 'Lene Lege', kommunenummer: KNR, securityLevel: 4, mayReadPatients: true });
    });

    it('logout: 403 from another origin; else the session row ends, the cookie is cleared and the browser goes to the provider (or the page)', async () => {
      const cookie = signedIn({}, 'oidc');
      const foreign = await call('/auth/logout', { method: 'POST', cookie, origin: 'https://evil.example' });
      expect([foreign.status, foreign.json().code]).toEqual([403, 'cross_origin']);
      expect((await call('/auth/session', { cookie })).json().signedIn).toBe(true);
      const out = await call('/auth/logout', { method: 'POST', cookie });
      expect([out.status, out.headers.get('location')]).toEqual([303, 'https://idp.example.no/logout?id_token_hint=t']);
      expect(out.cookies).toEqual([expect.stringMatching(new RegExp(`^${SESSION_COOKIE}=; Path=/; Max-Age=0`))]);
      expect((await call('/auth/session', { cookie })).json().signedIn).toBe(false);
      const dev = await call('/auth/logout', { method: 'POST', cookie: signedIn() });
      expect([dev.status, dev.headers.get('location')]).toEqual([303, '/']);
    });

    it('session: who is signed in, never cached; a level-3 person may not read patients', async () => {
      const anonymous = await call('/auth/session');
      expect([anonymous.status, anonymous.headers.get('cache-control')]).toEqual([200, 'no-store']);
      expect(anonymous.json()).toEqual({ signedIn: false, methods: { oidc: true, dev: true } });
      const low = await call('/auth/session', { cookie: signedIn({ securityLevel: 3 }) });
      expect(low.json()).toMatchObject({ signedIn: true, securityLevel: 3, mayReadPatients: false, refusal: expect.stringContaining('security level 4') });
      expect((await call('/auth/session', { cookie: `${SESSION_COOKIE}=tampered` })).json().signedIn).toBe(false);
    });

    it('dev-session: 403 from another origin, 400 for a bad kommunenummer, else 204 with a session cookie', async () => {
      expect((await call('/auth/dev-session', { body: { kommunenummer: KNR }, origin: 'https://evil.example' })).status).toBe(403);
      for (const body of [{}, { kommunenummer: 3428 }, { kommunenummer: '342' }, '[]']) {
        const bad = await call('/auth/dev-session', { body });
        expect([bad.status, bad.json().code]).toEqual([400, 'invalid_kommunenummer']);
      }
      const ok = await call('/auth/dev-session', { body: { kommunenummer: KNR, name: 'Utvikler Test' } });
      expect([ok.status, ok.text]).toEqual([204, '']);
      const cookie = ok.cookies.find((c) => c.startsWith(`${SESSION_COOKIE}=`))!.split(';')[0];
      expect((await call('/auth/session', { cookie })).json()).toMatchObject({ signedIn: true, kind: 'dev', name: 'Utvikler Test', kommunenummer: KNR });
    });

    it('backchannel-logout: 415 for anything but a form, 400 for a missing or refused logout token (no provider text), else 200', async () => {
      const form = (body: string, type = 'application/x-www-form-urlencoded') =>
        fetch(`${hub.baseUrl}/auth/backchannel-logout`, { method: 'POST', headers: { 'Content-Type': type }, body });
      expect((await form('{"logout_token":"t"}', 'application/json')).status).toBe(415);
      const missing = await form('');
      expect([missing.status, ((await missing.json()) as { code: string }).code]).toEqual([400, 'invalid_request']);
      oidc.verifyLogoutToken.mockRejectedValue(new SignInException('logout_token_invalid', 'signature <b>bad</b>'));
      const refused = await form('logout_token=abc');
      const text = await refused.text();
      expect([refused.status, JSON.parse(text).code, text.includes('<b>')]).toEqual([400, 'invalid_request', false]);
      oidc.verifyLogoutToken.mockResolvedValue({ jti: 'j-1', sid: 'sid-1', expiresAtMs: Date.now() + 60000 });
      const ok = await form('logout_token=abc');
      expect([ok.status, ok.headers.get('cache-control'), await ok.json()]).toEqual([200, 'no-store', {}]);
    });

    it('login, callback, backchannel-logout and dev-session are 404 when not configured', async () => {
      Object.defineProperty(signIn, 'oidc', { value: undefined, configurable: true });
      Object.defineProperty(signIn, 'devEnabled', { value: false, configurable: true });
      try {
        for (const path of ['/auth/login', '/auth/callback?code=c&state=s']) expect((await call(path)).status).toBe(404);
        const backchannel = await fetch(`${hub.baseUrl}/auth/backchannel-logout`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'logout_token=abc' });
        expect(backchannel.status).toBe(404);
        expect((await call('/auth/dev-session', { body: { kommunenummer: KNR } })).status).toBe(404);
      } finally {
        Object.defineProperty(signIn, 'oidc', { value: oidc, configurable: true });
        delete (signIn as unknown as Record<string, unknown>).devEnabled;
      }
    });
  });

  describe("the session's reads (/session)", () => {
    const overview = (body: unknown, init: { cookie?: string; purpose?: string | null; origin?: string } = {}) =>
      call('/session/patient-overview', { purpose: 'TREAT', ...init, body });

    it('patient overview: 200 with the audit id, never cached, as the person in their own kommune; timed', async () => {
      const r = await overview({ identifierType: 'FNR', identifier: PATIENT }, { cookie: signedIn() });
      expect([r.status, r.headers.get('x-audit-id'), r.headers.get('cache-control')]).toEqual([200, 'audit-1', 'no-store']);
      expect(r.json()).toMatchObject({ kommunenummer: KNR, found: false });
      expect(reads.read).toHaveBeenCalledWith(expect.objectContaining({ kommunenummer: KNR, identifier: { type: 'FNR', value: PATIENT }, purposeOfUse: 'TREAT', principal: expect.objectContaining({ hpr: '4455667', actorName: 'Lene Lege' }) }));
      reads.read.mockResolvedValue({ blocked: true, auditId: 'audit-3' });
      const blocked = await overview({ identifier: PATIENT }, { cookie: signedIn() });
      expect([blocked.status, blocked.headers.get('x-audit-id'), blocked.json().blocked]).toEqual([200, 'audit-3', true]);
      const timed = (await hub.metrics.registry.getSingleMetricAsString('hendelseslager_read_duration_seconds')).match(/route="web.patient-overview"/g);
      expect(timed?.length).toBeGreaterThan(0);
    });

    it('patient overview: 403 cross origin, 401 not signed in, 403 below level 4, 403 without a purpose, in that order; nothing read', async () => {
      const cases: Array<[Parameters<typeof overview>[1], number, string]> = [
        [{ cookie: signedIn(), origin: 'https://evil.example', purpose: null }, 403, 'cross_origin'],
        [{ purpose: null }, 401, 'not_signed_in'],
        [{ cookie: `${SESSION_COOKIE}=tampered` }, 401, 'not_signed_in'],
        [{ cookie: signedIn({ securityLevel: 3 }), purpose: null }, 403, 'security_level'],
        [{ cookie: signedIn(), purpose: null }, 403, 'purpose_of_use_required'],
        [{ cookie: signedIn(), purpose: 'SNOOP' }, 403, 'purpose_of_use_required'],
      ];
      for (const [init, status, code] of cases) {
        const r = await overview({ identifier: 'not-an-fnr' }, init);
        expect({ status: r.status, code: r.json().code }).toEqual({ status, code });
      }
      expect(reads.read).not.toHaveBeenCalled();
      // A signed-in person's 403s (level, purpose) are audited as refusals, in their kommune; the others have no person to name.
      expect(refusals.record.mock.calls.map((c: unknown[]) => [c[1], c[2], c[4]])).toEqual([
        [403, 'security_level', KNR],
        [403, 'purpose_of_use_required', KNR],
        [403, 'purpose_of_use_required', KNR],
      ]);
    });

    it('patient overview: 400 for an identifier of the wrong type, shape or checksum, never repeating it; 429 over the rate limit', async () => {
      const bad = [{ identifierType: 5, identifier: PATIENT }, { identifierType: 'PASSPORT', identifier: PATIENT }, { identifier: '123' }, { identifier: `${PATIENT.slice(0, 10)}${(Number(PATIENT[10]) + 1) % 10}` }, '["x"]'];
      for (const body of bad) {
        const r = await overview(body, { cookie: signedIn() });
        expect(r.status).toBe(400);
        expect(['invalid_identifier', 'invalid_request']).toContain(r.json().code);
        expect(r.text).not.toContain(PATIENT.slice(0, 10));
      }
      expect(reads.read).not.toHaveBeenCalled();
      const cookie = signedIn();
      const statuses = [];
      for (let i = 0; i < 4; i += 1) statuses.push((await overview({ identifier: PATIENT }, { cookie })).status);
      expect(statuses).toEqual([200, 200, 200, 429]);
    });

    it('patient overview: 503 with Retry-After when the audit log is unavailable', async () => {
      reads.read.mockRejectedValue(new AuditUnavailableException('broker said no'));
      const r = await overview({ identifier: PATIENT }, { cookie: signedIn() });
      expect([r.status, r.headers.get('retry-after')]).toEqual([503, '5']);
      expect(r.json()).toEqual({ status: 503, code: 'audit_unavailable', detail: 'The audit log is unavailable, so no patient data can be read right now' });
    });

    it('original message: the bytes as received, as an attachment with the audit id; 403 blocked and 404 carry the audit id too', async () => {
      const payload = Buffer.from([0x3c, 0x4d, 0x3e, 0xe6, 0xf8, 0xe5, 0x3c, 0x2f, 0x4d, 0x3e]);
      originals.read.mockResolvedValue({ message: { binaryId: 'bin-1', contentType: 'application/xml', payload }, blocked: false, auditId: 'audit-5' });
      const ok = await call('/session/original/bin-1', { cookie: signedIn(), purpose: 'TREAT' });
      expect(ok.status).toBe(200);
      expect(ok.bytes.equals(payload)).toBe(true);
      expect([ok.headers.get('content-type'), ok.headers.get('content-disposition'), ok.headers.get('x-audit-id'), ok.headers.get('cache-control')]).toEqual([
        'application/xml',
        'attachment; filename="bin-1.xml"',
        'audit-5',
        'no-store',
      ]);
      originals.read.mockResolvedValue({ message: undefined, blocked: true, auditId: 'audit-6' });
      const blocked = await call('/session/original/bin-1', { cookie: signedIn(), purpose: 'TREAT' });
      expect([blocked.status, blocked.json().code, blocked.headers.get('x-audit-id')]).toEqual([403, 'suppressed', 'audit-6']);
      originals.read.mockResolvedValue({ message: undefined, blocked: false, auditId: 'audit-7' });
      const missing = await call('/session/original/bin-1', { cookie: signedIn(), purpose: 'TREAT' });
      expect([missing.status, missing.json().code, missing.headers.get('x-audit-id')]).toEqual([404, 'not_found', 'audit-7']);
    });

    it('original message: 403 cross origin, 401, 403 without a purpose, 400 for a malformed id, 503 without the audit log', async () => {
      expect((await call('/session/original/bin-1', { cookie: signedIn(), purpose: 'TREAT', origin: 'https://evil.example' })).status).toBe(403);
      expect((await call('/session/original/bin-1', { purpose: 'TREAT' })).status).toBe(401);
      const purpose = await call('/session/original/bin-1', { cookie: signedIn() });
      expect([purpose.status, purpose.json().code]).toEqual([403, 'purpose_of_use_required']);
      const badId = await call(`/session/original/${'x'.repeat(65)}`, { cookie: signedIn(), purpose: 'TREAT' });
      expect([badId.status, badId.json().code]).toEqual([400, 'invalid_id']);
      expect(originals.read).not.toHaveBeenCalled();
      originals.read.mockRejectedValue(new AuditUnavailableException('down'));
      const down = await call('/session/original/bin-1', { cookie: signedIn(), purpose: 'TREAT' });
      expect([down.status, down.headers.get('retry-after'), down.json().code]).toEqual([503, '5', 'audit_unavailable']);
    });
  });

  describe("the page's files", () => {
    it('serves the page, its assets and the icon with their types; 404 for anything else', async () => {
      const page = await call('/');
      expect([page.status, page.headers.get('content-type')]).toEqual([200, 'text/html; charset=utf-8']);
      expect(page.text).toContain('<html');
      expect(page.headers.get('content-length')).toBe(String(page.bytes.length));
      expect((await call('/web/app.js')).headers.get('content-type')).toBe('text/javascript; charset=utf-8');
      expect((await call('/web/styles.css')).headers.get('content-type')).toBe('text/css; charset=utf-8');
      expect((await call('/favicon.ico')).headers.get('content-type')).toBe('image/svg+xml');
      for (const path of ['/web/index.html', '/web/secret.txt', '/web/..%2Fpackage.json']) {
        const r = await call(path);
        expect(r.status).toBe(404);
        expect(r.text).not.toContain('secret');
      }
    });
  });
});
