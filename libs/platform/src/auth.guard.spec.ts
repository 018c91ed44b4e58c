import { ExecutionContext, HttpException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthenticationException, Principal } from '@hub/auth';
import type { KommuneDirectory } from '@hub/directory';
import type { AccessRefusalAudit } from './access-refusal-audit.service';
import { AuthGuard, RequireScopes } from './auth.guard';
import type { ClientRateLimiter } from './client-rate-limiter.service';
import type { RequestAuthenticator } from './request-authenticator.service';

const SERVED = new Set(['0301', '3428']);

class Routes {
  @RequireScopes('patients:read')
  read(): void {}

  open(): void {}
}

function principal(kommuner: string[]): Principal {
  return { clientId: 'epj-a', scopes: new Set(['patients:read']), kommuner: new Set(kommuner) };
}

/** The guard with its collaborators faked: the principal a request authenticates as, and every refusal it records. */
function guard(authenticated: Principal | Error) {
  const refusals: Array<{ status: number; reason: string }> = [];
  const authenticator = {
    authenticate: async () => {
      if (authenticated instanceof Error) throw authenticated;
      return authenticated;
    },
    challenge: () => ({ 'WWW-Authenticate': 'Bearer' }),
  } as unknown as RequestAuthenticator;
  const audit = { record: (_req: unknown, status: number, reason: string) => refusals.push({ status, reason }) } as unknown as AccessRefusalAudit;
  const limiter = { take: async () => 0 } as unknown as ClientRateLimiter;
  const directory = { has: (knr: string) => SERVED.has(knr) } as unknown as KommuneDirectory;
  return { guard: new AuthGuard(authenticator, audit, new Reflector(), limiter, directory), refusals };
}

function context(handler: keyof Routes, params: Record<string, string>): { context: ExecutionContext; request: { params: Record<string, string>; principal?: Principal } } {
  const request: { params: Record<string, string>; principal?: Principal; headers: Record<string, string> } = { params, headers: {} };
  const ctx = {
    getHandler: () => Routes.prototype[handler],
    getClass: () => Routes,
    switchToHttp: () => ({ getRequest: () => request }),
  } as unknown as ExecutionContext;
  return { context: ctx, request };
}

async function refusal(promise: Promise<boolean>): Promise<{ status: number; code: string }> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof HttpException)) throw new Error(`expected a refusal, got ${String(error)}`);
  return { status: error.getStatus(), code: (error.getResponse() as { code: string }).code };
}

describe('AuthGuard: the kommune in the path', () => {
  it('lets a token through to a served kommune it names, and sets the principal on the request', async () => {
    const reader = principal(['0301']);
    const { guard: g, refusals } = guard(reader);
    const { context: ctx, request } = context('read', { kommunenummer: '0301' });
    await expect(g.canActivate(ctx)).resolves.toBe(true);
    expect(request.principal).toBe(reader);
    expect(refusals).toEqual([]);
  });

  it("refuses 403 (and records it) a kommune the token does not name, served or not, before saying whether it is served", async () => {
    const { guard: g, refusals } = guard(principal(['0301']));
    expect(await refusal(g.canActivate(context('read', { kommunenummer: '3428' }).context))).toEqual({ status: 403, code: 'forbidden_kommune' });
    expect(await refusal(g.canActivate(context('read', { kommunenummer: '9959' }).context))).toEqual({ status: 403, code: 'forbidden_kommune' });
    expect(refusals).toEqual([
      { status: 403, reason: 'forbidden_kommune' },
      { status: 403, reason: 'forbidden_kommune' },
    ]);
  });

  it('answers 404 for a kommune the hub does not serve, even to a token for every kommune, and sets no principal', async () => {
    const { guard: g, refusals } = guard(principal(['*']));
    const { context: ctx, request } = context('read', { kommunenummer: '9959' });
    expect(await refusal(g.canActivate(ctx))).toEqual({ status: 404, code: 'kommune_not_served' });
    expect(request.principal).toBeUndefined();
    expect(refusals).toEqual([]);
    await expect(g.canActivate(context('read', { kommunenummer: '3428' }).context)).resolves.toBe(true);
  });

  it('checks no kommune on routes without one, and nothing at all on routes without scopes', async () => {
    await expect(guard(principal([])).guard.canActivate(context('read', {}).context)).resolves.toBe(true);
    await expect(guard(new AuthenticationException('no token')).guard.canActivate(context('open', { kommunenummer: '9959' }).context)).resolves.toBe(true);
  });

  it('refuses an unauthenticated request 401 before looking at the kommune', async () => {
    const { guard: g, refusals } = guard(new AuthenticationException('no token'));
    expect(await refusal(g.canActivate(context('read', { kommunenummer: '9959' }).context))).toEqual({ status: 401, code: 'unauthorized' });
    expect(refusals).toEqual([{ status: 401, reason: 'missing_token' }]);
  });
});
