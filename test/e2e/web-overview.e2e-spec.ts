import { mkdirSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { join, resolve } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { buildMessage, fnr } from '@hub/testing';
import { eventually, HubHarness, startHub } from '../support/hub-harness';

const SCREENSHOTS = resolve(__dirname, '../../test-results');

/**
 * The patient overview web page in Debian's headless Chromium: a clinician signs in with the
 * development sign-in (the real OpenID Connect sign-in is web-sign-in.e2e-spec.ts), looks up a patient by fødselsnummer (sent in a POST body, never in a
 * URL) and sees active services, diagnoses, the timeline and how complete the record is. The
 * hub's strict Content-Security-Policy stays on, and the page must run without violating it.
 */
describe('Patient overview web page', () => {
  const kommune = { kommunenummer: '9943', navn: 'Nettvik', herIds: ['8843001', '8843100'] };
  const sender = { organisation: [{ name: 'Nettvik kommune', herId: '8843001' }, { name: 'Tildelingskontoret', herId: '8843002' }] };
  const hospital = { organisation: [{ name: 'Nettvik sykehus', herId: '8843500' }, { name: 'Medisinsk avdeling', herId: '8843501' }] };
  const receiver = { organisation: [{ name: 'Nettvik legekontor', herId: '8843100' }] };
  const patientFnr = fnr('1938-11-05', 412);
  const patient = { familyName: 'Hansen', givenName: 'Ingrid', birthDate: '1938-11-05', sex: '2' as const, fnr: patientFnr };
  let hub: HubHarness;
  let browser: Browser;

  beforeAll(async () => {
    hub = await startHub([kommune]);
    const gateway = await hub.token({ client: 'gateway-nettvik', scopes: ['messages:write'], kommuner: [kommune.kommunenummer] });
    const post = async (body: Buffer) => {
      const response = await fetch(`${hub.baseUrl}/v1/messages`, { method: 'POST', headers: { Authorization: `Bearer ${gateway}`, 'Content-Type': 'application/xml' }, body });
      expect(response.status).toBe(202);
    };
    const orig = randomUUID();
    const doc = randomUUID();
    await post(buildMessage({
      kind: 'ORIENTERING_TJENESTETILBUD', version: '1.6', status: 'N', msgId: orig, documentId: doc, genDate: '2024-09-01T08:00:00', sender, receiver, patient,
      services: [
        { iplosCode: '15', description: 'Hjemmesykepleie morgen og kveld', amount: '2', unit: 'besøk hver dag', startDate: '2024-09-02' },
        { iplosCode: '12', description: 'Trygghetsalarm', startDate: '2024-09-02' },
        { iplosCode: '5', description: 'Praktisk bistand', amount: '3', unit: 'timer hver uke', startDate: '2023-01-10', endDate: '2024-08-31' },
      ],
    }));
    await post(buildMessage({ kind: 'LOG_INNLAGT', version: '1.6', genDate: '2024-10-01T14:05:00', sender: hospital, receiver: sender, patient, events: [{ code: '1', time: '2024-10-01T14:00:00' }] }));
    await post(buildMessage({ kind: 'LOG_UTSKREVET', version: '1.6', genDate: '2024-10-06T11:05:00', sender: hospital, receiver: sender, patient, events: [{ code: '2', time: '2024-10-06T11:00:00' }] }));
    await post(buildMessage({
      kind: 'EPIKRISE', version: '1.2', genDate: '2024-10-06T15:00:00', sender: hospital, receiver, patient,
      events: [{ code: '1', time: '2024-10-01T14:00:00' }, { code: '2', time: '2024-10-06T11:00:00' }],
      diagnoses: [{ system: 'ICD10', code: 'J18.9', text: 'Pneumoni, uspesifisert', isMain: true }, { system: 'ICD10', code: 'I48.9', text: 'Atrieflimmer' }],
    }));
    const reader = await hub.token({ scopes: ['patients:read'], kommuner: [kommune.kommunenummer] });
    await eventually(async () => {
      const response = await fetch(`${hub.baseUrl}/api/v1/kommuner/${kommune.kommunenummer}/patient-overview`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${reader}`, 'Content-Type': 'application/json', 'X-Purpose-Of-Use': 'TREAT' },
        body: JSON.stringify({ identifierType: 'FNR', identifier: patientFnr }),
      });
      const o = (await response.json()) as { messages: unknown[]; diagnoses: unknown[] };
      return o.messages?.length === 4 && o.diagnoses.length === 2 ? true : undefined;
    }, 90000, 500);
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await hub?.close();
  });

  it('signs in, looks up a patient and shows services, diagnoses and timeline at a glance, within the CSP', async () => {
    const page = await browser.newPage({ viewport: { width: 1366, height: 1000 } });
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(e.message));
    const urls: string[] = [];
    const bodiesWithId: string[] = [];
    page.on('request', (r) => {
      urls.push(r.url());
      if ((r.postData() ?? '').includes(patientFnr)) bodiesWithId.push(r.url());
    });

    const response = await page.goto(`${hub.baseUrl}/`);
    expect(response!.headers()['content-security-policy']).toContain("default-src 'self'");
    await page.fill('#sign-in-kommune', kommune.kommunenummer);
    await page.fill('#sign-in-name', 'Sykepleier Legevakt');
    await page.click('#sign-in-form button[type=submit]');
    await page.waitForSelector('#lookup-panel:not([hidden])');
    await page.fill('#identifier', patientFnr);
    await page.selectOption('#purpose', 'ETREAT');
    await page.click('#lookup-form button[type=submit]');
    await page.waitForSelector('#result:not([hidden])');

    await expect(page.textContent('#patient-name')).resolves.toBe('Ingrid Hansen');
    const services = await page.$$eval('#services-body tr', (rows) => rows.map((r) => r.textContent ?? ''));
    expect(services).toHaveLength(3);
    expect(services[0]).toMatch(/Hjemmesykepleie morgen og kveld.*Aktiv/);
    expect(services.filter((s) => s.includes('Aktiv'))).toHaveLength(2);
    expect(services.some((s) => s.includes('Praktisk bistand') && s.includes('Avsluttet'))).toBe(true);
    const diagnoses = await page.$$eval('#diagnoses-body tr', (rows) => rows.map((r) => r.textContent ?? ''));
    expect(diagnoses.join('\n')).toContain('J18.9');
    expect(diagnoses.join('\n')).toContain('Atrieflimmer');
    const timeline = await page.$$eval('#timeline li', (items) => items.map((i) => i.textContent ?? ''));
    expect(timeline.some((t) => t.includes('Innlagt'))).toBe(true);
    expect(timeline.some((t) => t.includes('Utskrevet'))).toBe(true);
    expect(timeline.filter((t) => t.includes('Melding mottatt'))).toHaveLength(4);
    const completeness = await page.textContent('#completeness');
    expect(completeness).toContain('4 meldinger mottatt');
    expect(completeness).toMatch(/nyeste mottatt \d{2}\.\d{2}\.\d{4}/);

    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: join(SCREENSHOTS, 'web-overview.png'), fullPage: true });

    // The original message of a fact downloads through the audited Binary read.
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#services-body tr:first-child .source-link')]);
    expect(download.suggestedFilename()).toMatch(/\.xml$/);

    expect(problems).toEqual([]);
    expect(urls.filter((u) => u.includes(patientFnr))).toEqual([]);
    expect(bodiesWithId).toEqual([`${hub.baseUrl}/session/patient-overview`]);
    await page.close();
  });

  it('says plainly when the kommune holds nothing about a patient', async () => {
    const page = await browser.newPage({ viewport: { width: 1366, height: 700 } });
    await page.goto(`${hub.baseUrl}/`);
    await page.fill('#sign-in-kommune', kommune.kommunenummer);
    await page.click('#sign-in-form button[type=submit]');
    await page.fill('#identifier', fnr('1990-01-01', 123));
    await page.click('#lookup-form button[type=submit]');
    await page.waitForSelector('#result:not([hidden])');
    expect(await page.textContent('#completeness')).toContain('Ingen meldinger om denne pasienten');
    expect(await page.getAttribute('#completeness', 'class')).toContain('empty');
    await page.screenshot({ path: join(SCREENSHOTS, 'web-overview-not-found.png') });
    await page.close();
  });
});
