import { fnr } from '@hub/testing';
import { ControllerHarness, startControllers } from '../../../test/support/controller-harness';
import { AuditException, AuditExceptionCode } from './audit.exception';
import { AuditModule } from './audit.module';
import { AuditEventsService, pageCursor } from './audit-events.service';
import { PatientAccessService } from './patient-access.service';
import { AuditWriter, AuditUnavailableException } from '@hub/platform';

const KNR = '0301';
const PATIENT = fnr('1961-06-06', 210);

/** The audit feature's HTTP edge with PatientAccessService faked: every route's refusals. */
describe('audit controllers (HTTP edge)', () => {
  let hub: ControllerHarness;
  const access = {
    selfIdentity: jest.fn(),
    accessLog: jest.fn(),
    blockingState: jest.fn(),
    setBlocked: jest.fn(),
  };
  const trail = { events: jest.fn() };

  beforeAll(async () => {
    hub = await startControllers(AuditModule, [
      [PatientAccessService, access],
      [AuditWriter, {}],
      [AuditEventsService, trail],
    ]);
  });
  afterAll(() => hub.close());
  beforeEach(() => {
    access.selfIdentity.mockReset().mockReturnValue({ type: 'FNR', value: PATIENT });
    access.accessLog.mockReset().mockResolvedValue({ kommunenummer: KNR, entries: [], auditId: 'audit-9' });
    access.blockingState.mockReset().mockResolvedValue({ kommunenummer: KNR, blocked: false, changedAt: null });
    trail.events.mockReset().mockResolvedValue({ kommunenummer: KNR, entries: [], next: null });
    access.setBlocked.mockReset().mockResolvedValue({ kommunenummer: KNR, blocked: true, changedAt: 'now', auditId: 'audit-10' });
  });

  const officer = async (body: string, init: { token?: string | null; purpose?: string | null; type?: string } = {}) => {
    const token = init.token === undefined ? await hub.token({ scopes: ['audit:read'], kommuner: [KNR] }) : init.token;
    const response = await fetch(`${hub.baseUrl}/api/v1/kommuner/${KNR}/access-log`, {
      method: 'POST',
      headers: {
        ...(token ? { Authorization: `Bearer ${token}` } : {}),
        ...(init.purpose === null ? {} : { 'X-Purpose-Of-Use': init.purpose ?? 'HOPERAT' }),
        'Content-Type': init.type ?? 'application/json',
      },
      body,
    });
    return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, unknown> };
  };
  const self = async (method: string, path: string, token: string | null) => {
    const response = await fetch(`${hub.baseUrl}/api/v1/kommuner/${KNR}/me/${path}`, { method, headers: token ? { Authorization: `Bearer ${token}` } : {} });
    return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, unknown> };
  };

  describe("the privacy officer's access log", () => {
    it('answers the log with the audit id of this read in a header', async () => {
      const r = await officer(JSON.stringify({ identifierType: 'fnr', identifier: PATIENT }));
      expect(r.status).toBe(200);
      expect(r.headers.get('x-audit-id')).toBe('audit-9');
      expect(r.body).toEqual({ kommunenummer: KNR, entries: [] });
      expect(access.accessLog).toHaveBeenCalledWith(KNR, { type: 'FNR', value: PATIENT }, expect.objectContaining({ scopes: expect.any(Set) }), 'HOPERAT');
    });

    it('401 without a token; 403 without the scope or a purpose of use', async () => {
      const body = JSON.stringify({ identifier: PATIENT });
      expect((await officer(body, { token: null })).status).toBe(401);
      expect((await officer(body, { token: await hub.token({ scopes: ['patients:read'], kommuner: [KNR] }) })).status).toBe(403);
      const noPurpose = await officer(body, { purpose: null });
      expect(noPurpose.status).toBe(403);
      expect(noPurpose.body.code).toBe('purpose_of_use_required');
      expect(access.accessLog).not.toHaveBeenCalled();
    });

    it('400 for a body of the wrong shape or type, never a 500 (probe finding 6)', async () => {
      for (const body of [{ identifierType: 5, identifier: PATIENT }, { identifier: 5 }, { identifierType: 'FNR', identifier: '00000000000' }, {}]) {
        const r = await officer(JSON.stringify(body));
        expect(r.status).toBe(400);
        expect(['invalid_request', 'invalid_identifier']).toContain(r.body.code);
      }
      expect(access.accessLog).not.toHaveBeenCalled();
    });

    it('415 for a body that is not JSON; 413 over the 4 kB limit', async () => {
      expect((await officer(`identifier=${PATIENT}`, { type: 'application/x-www-form-urlencoded' })).status).toBe(415);
      expect((await officer(JSON.stringify({ identifier: PATIENT, padding: 'x'.repeat(8 * 1024) }))).status).toBe(413);
    });

    it('503 with Retry-After when the audit log is unavailable', async () => {
      access.accessLog.mockRejectedValue(new AuditException(AuditExceptionCode.AUDIT_UNAVAILABLE, 'The audit log is unavailable; try again later'));
      const r = await officer(JSON.stringify({ identifier: PATIENT }));
      expect(r.status).toBe(503);
      expect(r.headers.get('retry-after')).toBe('5');
      expect(r.body.code).toBe('audit_unavailable');
    });
  });

  describe("the patient's own routes", () => {
    it('answer the service result, 401 without a token, 403 with another scope', async () => {
      const patient = await hub.token({ scopes: ['patient:self'], kommuner: [KNR], pid: PATIENT });
      const log = await self('GET', 'access-log', patient);
      expect(log.status).toBe(200);
      expect(log.headers.get('x-audit-id')).toBe('audit-9');
      expect((await self('GET', 'blocking', patient)).body).toEqual({ kommunenummer: KNR, blocked: false, changedAt: null });
      const put = await self('PUT', 'blocking', patient);
      expect(put.status).toBe(200);
      expect(put.body).toMatchObject({ blocked: true, auditId: 'audit-10' });
      expect((await self('DELETE', 'blocking', patient)).status).toBe(200);
      expect(access.setBlocked.mock.calls.map((c) => c[3])).toEqual([true, false]);
      expect((await self('GET', 'blocking', null)).status).toBe(401);
      expect((await self('GET', 'blocking', await hub.token({ scopes: ['audit:read'], kommuner: [KNR] }))).status).toBe(403);
    });

    it('403 when the token carries no patient identity; 503 when the audit log is unavailable', async () => {
      access.selfIdentity.mockImplementation(() => {
        throw new AuditException(AuditExceptionCode.NO_PATIENT_IDENTITY, 'The token carries no valid patient identity (pid)');
      });
      const patient = await hub.token({ scopes: ['patient:self'], kommuner: [KNR] });
      const r = await self('GET', 'access-log', patient);
      expect(r.status).toBe(403);
      expect(r.body.code).toBe('no_patient_identity');
      access.selfIdentity.mockReturnValue({ type: 'FNR', value: PATIENT });
      access.setBlocked.mockRejectedValue(new AuditException(AuditExceptionCode.AUDIT_UNAVAILABLE, 'The audit log is unavailable; try again later'));
      expect((await self('PUT', 'blocking', patient)).status).toBe(503);
    });

    it('an unexpected error (not the feature’s own) is a 500 with an error id', async () => {
      access.blockingState.mockRejectedValue(new AuditUnavailableException('raw read-api error escaping the feature'));
      const patient = await hub.token({ scopes: ['patient:self'], kommuner: [KNR], pid: PATIENT });
      const r = await self('GET', 'blocking', patient);
      expect(r.status).toBe(500);
      expect(r.body).toMatchObject({ code: 'internal_error', errorId: expect.any(String) });
    });
  });

  describe("the kommune's audit events", () => {
    const events = async (query: string, token?: string | null) => {
      const bearer = token === undefined ? await hub.token({ scopes: ['audit:read'], kommuner: [KNR] }) : token;
      const response = await fetch(`${hub.baseUrl}/api/v1/kommuner/${KNR}/audit-events${query}`, { headers: bearer ? { Authorization: `Bearer ${bearer}` } : {} });
      return { status: response.status, text: await response.text() };
    };

    it('lists by outcome with a limit and the cursor of an earlier answer', async () => {
      const after = pageCursor(1764000000123, 'audit-7');
      expect((await events(`?outcome=denied&limit=5&after=${after}`)).status).toBe(200);
      expect(trail.events).toHaveBeenLastCalledWith(KNR, { outcome: 'DENIED', limit: 5, after: { occurredAtMs: 1764000000123, auditId: 'audit-7' } });
      expect((await events('')).status).toBe(200);
      expect(trail.events).toHaveBeenLastCalledWith(KNR, { outcome: undefined, limit: 100, after: undefined });
    });

    it('400 for an unknown outcome, a bad limit or cursor, or a parameter it does not read (a patient identifier is no filter here), never repeating it', async () => {
      for (const query of ['?outcome=MAYBE', '?limit=0', '?limit=1001', '?limit=ten', '?after=not-a-cursor', `?identifier=${PATIENT}`, `?outcome=${PATIENT}`]) {
        const r = await events(query);
        expect(r.status).toBe(400);
        expect(r.text).not.toContain(PATIENT);
      }
      expect(trail.events).not.toHaveBeenCalled();
    });

    it('401 without a token; 403 without audit:read or for another kommune', async () => {
      expect((await events('', null)).status).toBe(401);
      expect((await events('', await hub.token({ scopes: ['patients:read'], kommuner: [KNR] }))).status).toBe(403);
      expect((await events('', await hub.token({ scopes: ['audit:read'], kommuner: ['3428'] }))).status).toBe(403);
      expect(trail.events).not.toHaveBeenCalled();
    });
  });
});
