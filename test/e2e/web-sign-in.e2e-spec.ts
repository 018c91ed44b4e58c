import { ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, Server } from 'node:http';
import { createServer } from 'node:net';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { Client } from 'pg';
import { buildMessage, fnr } from '@hub/testing';
import { eventually, HubHarness, startHub } from '../support/hub-harness';
import { TEST_DATABASE_URL } from '../support/test-env';

const ROOT = resolve(__dirname, '../..');
const HPR_CLAIM = 'helseid://claims/hpr/hpr_number';
const SCREENSHOTS = resolve(ROOT, 'test-results');

async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

/**
 * The web page's real sign-in in Debian's headless Chromium: the OpenID Connect authorization
 * code flow with PKCE against the local OpenID provider (oidc-provider, HelseID's claim names,
 * private_key_jwt), started by this test on its own port. A level-4 clinician signs in on the
 * provider's pages, looks a patient up, and the audit record names them by HPR number; a
 * level-3 user is refused patient reads; logout ends the hub's session and the provider's
 * (RP-initiated logout), and a logout at the provider ends the hub's (back-channel logout: the
 * provider's logout tokens reach the hub through a recording relay, so the test can replay one).
 */
describe('Web sign-in through the OpenID provider', () => {
  const kommune = { kommunenummer: '9944', navn: 'Loggvik', herIds: ['8844001', '8844100'] };
  const sender = { organisation: [{ name: 'Loggvik kommune', herId: '8844001' }] };
  const receiver = { organisation: [{ name: 'Loggvik legekontor', herId: '8844100' }] };
  const patientFnr = fnr('1941-02-03', 318);
  const patient = { familyName: 'Berg', givenName: 'Astrid', birthDate: '1941-02-03', sex: '2' as const, fnr: patientFnr };
  const clinician = { login: 'lege-loggvik', name: 'Lene Lege', hpr: '4455667' };
  let idp: ChildProcess;
  let issuer: string;
  let hub: HubHarness;
  let browser: Browser;
  let db: Client;
  let relay: Server;
  const idpLog: string[] = [];
  /** Logout tokens the provider sent to the hub, and the hub's answers. */
  const logoutTokens: Array<{ token: string; status: number }> = [];

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'web-sign-in-'));
    const [idpPort, hubPort, relayPort] = [await freePort(), await freePort(), await freePort()];
    issuer = `http://127.0.0.1:${idpPort}`;
    const hubUrl = `http://127.0.0.1:${hubPort}`;
    // The provider's back-channel logout goes to the hub through this relay, which keeps each logout token.
    relay = createHttpServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString();
        void fetch(`${hubUrl}/auth/backchannel-logout`, { method: 'POST', headers: { 'Content-Type': req.headers['content-type'] ?? '' }, body }).then(
          (answer) => {
            logoutTokens.push({ token: new URLSearchParams(body).get('logout_token') ?? '', status: answer.status });
            res.writeHead(answer.status).end();
          },
          () => res.writeHead(502).end(),
        );
      });
    });
    await new Promise<void>((done) => relay.listen(relayPort, '127.0.0.1', done));
    writeFileSync(
      join(dir, 'users.json'),
      JSON.stringify({
        [clinician.login]: { name: clinician.name, pid: '01017000018', securityLevel: 4, hprNumber: clinician.hpr, orgnrParent: '999943004', orgnrChild: '999943012' },
        'kontor-loggvik': { name: 'Kari Kontor', pid: '01017000026', securityLevel: 3, orgnrParent: '999943004' },
      }),
    );
    writeFileSync(join(dir, 'organisations.yaml'), 'organisasjoner:\n  - orgnr: "999943004"\n    kommunenummer: "9944"\n  - orgnr: "999943012"\n    kommunenummer: "9944"\n');
    idp = spawn(process.execPath, [join(ROOT, 'tools/idp/idp.mjs')], {
      env: {
        ...process.env,
        IDP_PORT: String(idpPort),
        IDP_STATE_DIR: join(dir, 'idp'),
        IDP_USERS_FILE: join(dir, 'users.json'),
        IDP_WEB_REDIRECT_URIS: `${hubUrl}/auth/callback`,
        IDP_WEB_POST_LOGOUT_REDIRECT_URIS: `${hubUrl}/`,
        IDP_WEB_BACKCHANNEL_LOGOUT_URI: `http://127.0.0.1:${relayPort}/auth/backchannel-logout`,
        // The hub's code exchange must then carry a DPoP proof with the provider's nonce (a retry).
        IDP_DPOP_REQUIRE_NONCE: '1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    idp.stdout!.on('data', (d: Buffer) => idpLog.push(d.toString()));
    idp.stderr!.on('data', (d: Buffer) => idpLog.push(d.toString()));
    await eventually(async () => ((await fetch(`${issuer}/.well-known/openid-configuration`)).ok ? true : undefined), 20000, 200);

    hub = await startHub(
      [kommune],
      {
        HENDELSESLAGER_PUBLIC_BASE_URL: hubUrl,
        WEB_OIDC_ISSUER: issuer,
        WEB_OIDC_PRIVATE_KEY: join(dir, 'idp', 'hendelseslager-web.private.jwk.json'),
        HENDELSESLAGER_ORGANISATIONS: join(dir, 'organisations.yaml'),
      },
      { port: hubPort },
    );
    const gateway = await hub.token({ client: 'gateway-loggvik', scopes: ['messages:write'], kommuner: [kommune.kommunenummer] });
    const response = await fetch(`${hub.baseUrl}/v1/messages`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${gateway}`, 'Content-Type': 'application/xml' },
      body: buildMessage({ kind: 'ORIENTERING_TJENESTETILBUD', version: '1.6', genDate: '2024-09-01T08:00:00', sender, receiver, patient, services: [{ iplosCode: '15', description: 'Hjemmesykepleie', startDate: '2024-09-02' }] }),
    });
    expect(response.status).toBe(202);
    const reader = await hub.token({ scopes: ['patients:read'], kommuner: [kommune.kommunenummer] });
    await eventually(async () => {
      const r = await fetch(`${hub.baseUrl}/api/v1/kommuner/${kommune.kommunenummer}/patient-overview`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${reader}`, 'Content-Type': 'application/json', 'X-Purpose-Of-Use': 'TREAT' },
        body: JSON.stringify({ identifierType: 'FNR', identifier: patientFnr }),
      });
      return ((await r.json()) as { services?: unknown[] }).services?.length === 1 ? true : undefined;
    }, 90000, 500);
    db = new Client({ connectionString: TEST_DATABASE_URL });
    await db.connect();
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await db?.end();
    await hub?.close();
    idp?.kill('SIGTERM');
    relay?.close();
  });

  /** From the hub's page through the provider's login (and consent) pages back to the page. */
  async function signIn(page: Page, login: string): Promise<void> {
    await page.goto(`${hub.baseUrl}/`);
    await page.click('#sign-in-helseid');
    await page.waitForURL((url) => url.href.startsWith(issuer));
    await page.fill('input[name=login]', login);
    await page.fill('input[name=password]', 'demo');
    await page.click('button[type=submit]');
    // oidc-provider asks for consent the first time a user meets the client.
    if (page.url().startsWith(issuer)) await page.click('button[type=submit]');
    await page.waitForURL(`${hub.baseUrl}/`);
    await page.waitForSelector('#lookup-panel:not([hidden])');
  }

  async function newContext(): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
    const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error' && page.url().startsWith(hub.baseUrl)) problems.push(m.text());
    });
    return { context, page, problems };
  }

  it('signs in with PKCE at the provider, looks a patient up as the person (HPR in the audit record), and logout ends both sessions', async () => {
    const { context, page, problems } = await newContext();
    const authorizationRequests: string[] = [];
    page.on('request', (r) => {
      if (r.url().startsWith(`${issuer}/auth?`)) authorizationRequests.push(r.url());
    });
    await signIn(page, clinician.login);

    // The authorization request carried an S256 challenge, a state and a nonce.
    const authorization = new URL(authorizationRequests[0]);
    expect(authorization.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorization.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(authorization.searchParams.get('state')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(authorization.searchParams.get('nonce')).toMatch(/^[A-Za-z0-9_-]{43}$/);

    // The session is an HttpOnly, SameSite=Lax cookie; nothing is in the page's storage or document.cookie.
    const cookies = await context.cookies(hub.baseUrl);
    const session = cookies.find((c) => c.name === 'hl_session');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Lax' });
    expect(cookies.find((c) => c.name === 'hl_login')).toBeUndefined();
    // Runs in the browser (string form: the test's TypeScript has no DOM types).
    const storage = await page.evaluate('({ local: Object.keys(localStorage).length, session: Object.keys(sessionStorage).length, cookie: document.cookie })');
    expect(storage).toEqual({ local: 0, session: 0, cookie: '' });
    await expect(page.textContent('#session-user')).resolves.toBe(clinician.name);
    await expect(page.textContent('#session-hpr')).resolves.toBe(`HPR ${clinician.hpr}`);
    await expect(page.textContent('#session-kommune')).resolves.toBe(`Kommune ${kommune.kommunenummer}`);

    await page.fill('#identifier', patientFnr);
    const [answer] = await Promise.all([page.waitForResponse((r) => r.url() === `${hub.baseUrl}/session/patient-overview`), page.click('#lookup-form button[type=submit]')]);
    expect(answer.status()).toBe(200);
    await page.waitForSelector('#result:not([hidden])');
    await expect(page.textContent('#patient-name')).resolves.toBe('Astrid Berg');
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: join(SCREENSHOTS, 'web-sign-in.png'), fullPage: true });

    // The audit record names the person from the provider's claims.
    const auditId = answer.headers()['x-audit-id'];
    const row = await eventually(async () => (await db.query('SELECT * FROM audit_log WHERE audit_id = $1', [auditId])).rows[0] as Record<string, unknown> | undefined, 30000);
    expect(row).toMatchObject({ actor_hpr: clinician.hpr, actor_name: clinician.name, client_id: 'hendelseslager-web', organisation: '999943012', kommunenummer: kommune.kommunenummer, outcome: 'SUCCESS' });

    const readWithCookie = (value: string) =>
      fetch(`${hub.baseUrl}/session/patient-overview`, {
        method: 'POST',
        headers: { cookie: `hl_session=${value}`, 'Sec-Fetch-Site': 'same-origin', 'Content-Type': 'application/json', 'X-Purpose-Of-Use': 'TREAT' },
        body: JSON.stringify({ identifier: patientFnr }),
      });
    expect((await readWithCookie(session!.value)).status).toBe(200);

    // While signed in at the provider, a new sign-in needs no login form (single sign-on) ...
    const second = await context.newPage();
    await second.goto(`${hub.baseUrl}/auth/login`);
    await second.waitForURL(`${hub.baseUrl}/`);
    await second.close();
    // That sign-in replaced the browser's session: the first one has ended.
    const current = (await context.cookies(hub.baseUrl)).find((c) => c.name === 'hl_session')!;
    expect(current.value).not.toBe(session!.value);
    expect((await readWithCookie(session!.value)).status).toBe(401);
    expect((await readWithCookie(current.value)).status).toBe(200);

    // No script errors and no CSP violations on the hub's page while signed in.
    expect(problems).toEqual([]);

    // ... logout ends the hub's session and, through the provider's end_session_endpoint, the provider's.
    const endSessionRequests: string[] = [];
    page.on('request', (r) => {
      if (r.url().startsWith(`${issuer}/session/end?`)) endSessionRequests.push(r.url());
    });
    await page.click('#sign-out');
    await page.waitForURL((url) => url.href.startsWith(`${issuer}/session/end`));
    // RP-initiated logout: the ID token of this sign-in as the hint, the registered redirect back.
    const endSession = new URL(endSessionRequests[0]).searchParams;
    expect(endSession.get('post_logout_redirect_uri')).toBe(`${hub.baseUrl}/`);
    expect(endSession.get('client_id')).toBe('hendelseslager-web');
    expect(decodeJwt(endSession.get('id_token_hint')!)).toMatchObject({ iss: issuer, aud: 'hendelseslager-web', [HPR_CLAIM]: clinician.hpr });
    await page.click('button[name=logout][value=yes]');
    await page.waitForURL((url) => url.href.startsWith(`${hub.baseUrl}/`));
    await page.waitForSelector('#sign-in-panel:not([hidden])');
    expect((await context.cookies(hub.baseUrl)).find((c) => c.name === 'hl_session')).toBeUndefined();
    const status = await page.evaluate(async () => (await fetch('/auth/session')).json());
    expect(status).toMatchObject({ signedIn: false });
    const afterLogout = await page.evaluate(async (id) => (await fetch('/session/patient-overview', { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Purpose-Of-Use': 'TREAT' }, body: JSON.stringify({ identifier: id }) })).status, patientFnr);
    expect(afterLogout).toBe(401);
    // A copy of the cookie taken before logout no longer works either: the session ended at the hub, not just in this browser.
    expect((await readWithCookie(current.value)).status).toBe(401);
    await page.click('#sign-in-helseid');
    await page.waitForSelector('input[name=login]');
    expect(page.url().startsWith(issuer)).toBe(true);
    await context.close();
  });

  it("ends the hub's session when the person's session at the provider ends elsewhere (back-channel logout), and refuses a replayed or forged logout token", async () => {
    const { context, page } = await newContext();
    await signIn(page, clinician.login);
    const cookie = (await context.cookies(hub.baseUrl)).find((c) => c.name === 'hl_session')!.value;
    const sessionOf = () => fetch(`${hub.baseUrl}/auth/session`, { headers: { cookie: `hl_session=${cookie}` } }).then(async (r) => (await r.json()) as { signedIn: boolean });
    await expect(sessionOf()).resolves.toMatchObject({ signedIn: true });
    // The session row knows the provider's session (sid of the ID token) and only a hash of the subject.
    const rows = (await db.query('SELECT session_id, provider_sid, subject_hash FROM web_sessions WHERE ended_at IS NULL AND provider_sid IS NOT NULL ORDER BY created_at DESC LIMIT 1')).rows as Array<{ provider_sid: string; subject_hash: string }>;
    expect(rows[0].provider_sid.length).toBeGreaterThan(10);
    expect(rows[0].subject_hash).not.toContain(clinician.login);

    // Logout at the provider itself, not through the hub (another application's logout, say): the
    // provider POSTs a signed logout token to the hub, which ends the session.
    const before = logoutTokens.length;
    await page.goto(`${issuer}/session/end`);
    await page.click('button[name=logout][value=yes]');
    await eventually(async () => (logoutTokens.length > before ? true : undefined), 20000, 100);
    const sent = logoutTokens[logoutTokens.length - 1];
    expect(sent.status).toBe(200);
    expect(decodeProtectedHeader(sent.token).typ).toBe('logout+jwt');
    const claims = decodeJwt(sent.token);
    expect(claims).toMatchObject({ iss: issuer, aud: 'hendelseslager-web', sid: rows[0].provider_sid, events: { 'http://schemas.openid.net/event/backchannel-logout': {} } });
    expect(claims.nonce).toBeUndefined();
    await expect(sessionOf()).resolves.toMatchObject({ signedIn: false });
    const read = await fetch(`${hub.baseUrl}/session/patient-overview`, {
      method: 'POST',
      headers: { cookie: `hl_session=${cookie}`, 'Sec-Fetch-Site': 'same-origin', 'Content-Type': 'application/json', 'X-Purpose-Of-Use': 'TREAT' },
      body: JSON.stringify({ identifier: patientFnr }),
    });
    expect(read.status).toBe(401);
    expect((await db.query('SELECT ended_at FROM web_sessions WHERE provider_sid = $1', [rows[0].provider_sid])).rows[0].ended_at).not.toBeNull();

    const post = (body: string, type = 'application/x-www-form-urlencoded') => fetch(`${hub.baseUrl}/auth/backchannel-logout`, { method: 'POST', headers: { 'Content-Type': type }, body });
    // The same logout token again: its jti is spent (the replay cache every instance shares).
    expect((await post(new URLSearchParams({ logout_token: sent.token }).toString())).status).toBe(400);
    // The token altered (a claim changed, the provider's signature kept), none at all, or sent as JSON.
    const [header, payload, signature] = sent.token.split('.');
    const altered = Buffer.from(JSON.stringify({ ...claims, jti: 'another', sid: 'someone-else' })).toString('base64url');
    const forged = await post(new URLSearchParams({ logout_token: `${header}.${altered}.${signature}` }).toString());
    expect(forged.status).toBe(400);
    expect(await forged.text()).not.toContain('someone-else');
    expect(payload.length).toBeGreaterThan(0);
    expect((await post('')).status).toBe(400);
    expect((await post(JSON.stringify({ logout_token: sent.token }), 'application/json')).status).toBe(415);
    await context.close();
  });

  it('refuses patient reads to a person signed in at security level 3, with a clear reason', async () => {
    const { context, page } = await newContext();
    await signIn(page, 'kontor-loggvik');
    await page.waitForSelector('#lookup-refusal:not([hidden])');
    expect(await page.textContent('#lookup-refusal')).toContain('sikkerhetsnivå 4');
    await page.fill('#identifier', patientFnr);
    const [answer] = await Promise.all([page.waitForResponse((r) => r.url() === `${hub.baseUrl}/session/patient-overview`), page.click('#lookup-form button[type=submit]')]);
    expect(answer.status()).toBe(403);
    expect(await answer.json()).toMatchObject({ code: 'security_level' });
    await page.waitForSelector('#lookup-error:not([hidden])');
    expect(await page.textContent('#lookup-error')).toContain('security level 4');
    expect(await page.isHidden('#result')).toBe(true);
    // The refusal is in the audit trail like every other: the person, the route, why, and the patient by pseudonym only.
    const denied = await eventually(
      async () =>
        (await db.query("SELECT * FROM audit_log WHERE kommunenummer = $1 AND outcome = 'DENIED' AND refusal_reason = 'security_level' AND actor_name = 'Kari Kontor'", [kommune.kommunenummer])).rows[0] as
          | Record<string, unknown>
          | undefined,
      30000,
    );
    expect(denied).toMatchObject({ action: 'ACCESS', client_id: 'hendelseslager-web', resource: 'POST /session/patient-overview', actor_hpr: null, patient_pseudonym: expect.any(String) });
    expect(JSON.stringify(denied)).not.toContain(patientFnr);
    await context.close();
  });

  it('refuses a callback whose state is not this browser\'s login, and one with no login started', async () => {
    const start = await fetch(`${hub.baseUrl}/auth/login`, { redirect: 'manual' });
    expect(start.status).toBe(303);
    expect(start.headers.get('location')).toMatch(new RegExp(`^${issuer}/auth\\?`));
    const loginCookie = start.headers.getSetCookie().find((c) => c.startsWith('hl_login='))!;
    expect(loginCookie).toMatch(/HttpOnly/);
    expect(loginCookie).toMatch(/Path=\/auth\/callback/);
    const cookie = loginCookie.split(';')[0];
    const forged = await fetch(`${hub.baseUrl}/auth/callback?code=abc&state=not-the-state`, { redirect: 'manual', headers: { cookie } });
    expect(forged.status).toBe(303);
    expect(forged.headers.get('location')).toBe('/?signin=state_mismatch');
    expect(forged.headers.getSetCookie().some((c) => c.startsWith('hl_session=') && !c.startsWith('hl_session=;'))).toBe(false);
    const none = await fetch(`${hub.baseUrl}/auth/callback?code=abc&state=x`, { redirect: 'manual' });
    expect(none.headers.get('location')).toBe('/?signin=no_pending_login');
  });

  it('refuses cookie-authenticated reads sent from another site (CSRF), and reads without a session', async () => {
    // A session from the development sign-in (the harness enables the dev issuer) is enough to test the route's rules.
    const start = await fetch(`${hub.baseUrl}/auth/dev-session`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ kommunenummer: kommune.kommunenummer }) });
    expect(start.status).toBe(204);
    const cookie = start.headers.getSetCookie()[0].split(';')[0];
    const read = (headers: Record<string, string>) =>
      fetch(`${hub.baseUrl}/session/patient-overview`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Purpose-Of-Use': 'TREAT', ...headers }, body: JSON.stringify({ identifier: patientFnr }) });
    expect((await read({ cookie, 'Sec-Fetch-Site': 'same-origin', Origin: hub.baseUrl })).status).toBe(200);
    expect((await read({ cookie, Origin: 'https://evil.example' })).status).toBe(403);
    expect((await read({ cookie, 'Sec-Fetch-Site': 'cross-site' })).status).toBe(403);
    expect((await read({ cookie, 'Sec-Fetch-Site': 'same-site' })).status).toBe(403);
    expect((await read({ 'Sec-Fetch-Site': 'same-origin' })).status).toBe(401);
    expect((await read({ cookie: `${cookie.slice(0, -2)}AA`, 'Sec-Fetch-Site': 'same-origin' })).status).toBe(401);
  });

  it('has a provider that requires PKCE and accepts no client secret, as HelseID does', async () => {
    const redirectUri = `${hub.baseUrl}/auth/callback`;
    const withoutPkce = await fetch(`${issuer}/auth?${new URLSearchParams({ response_type: 'code', client_id: 'hendelseslager-web', redirect_uri: redirectUri, scope: 'openid', state: 'abc', nonce: 'n' })}`, { redirect: 'manual' });
    expect(new URL(withoutPkce.headers.get('location')!).searchParams.get('error')).toBe('invalid_request');
    const plain = await fetch(`${issuer}/auth?${new URLSearchParams({ response_type: 'code', client_id: 'hendelseslager-web', redirect_uri: redirectUri, scope: 'openid', state: 'abc', nonce: 'n', code_challenge: 'x'.repeat(43), code_challenge_method: 'plain' })}`, { redirect: 'manual' });
    expect(new URL(plain.headers.get('location')!).searchParams.get('error')).toBe('invalid_request');
    const withSecret = await fetch(`${issuer}/token`, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'authorization_code', code: 'x', client_id: 'hendelseslager-web', client_secret: 'guess', redirect_uri: redirectUri, code_verifier: 'v'.repeat(43) }),
    });
    expect(withSecret.status).toBe(401);
    expect(await withSecret.json()).toMatchObject({ error: 'invalid_client' });
  });
});
