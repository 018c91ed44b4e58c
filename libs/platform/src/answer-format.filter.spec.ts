import { ArgumentsHost, NotFoundException } from '@nestjs/common';
import { FhirOutcomeFilter, ProblemJsonFilter } from './answer-format.filter';
import { problem } from './auth.guard';

/** A response that records what a filter writes. */
function recorder() {
  const written: { status?: number; type?: string; body?: unknown; headers: Record<string, string> } = { headers: {} };
  const res = {
    headersSent: false,
    setHeader: (name: string, value: string) => (written.headers[name] = value),
    status(status: number) {
      written.status = status;
      return this;
    },
    type(type: string) {
      written.type = type;
      return this;
    },
    json(body: unknown) {
      written.body = body;
      return this;
    },
  };
  const host = { switchToHttp: () => ({ getResponse: () => res }) } as unknown as ArgumentsHost;
  return { written, host };
}

describe('answer format filters and the AuthGuard problems', () => {
  it('FHIR routes answer a refused token as an OperationOutcome, with its challenge header', () => {
    const { written, host } = recorder();
    new FhirOutcomeFilter().catch(problem(401, 'unauthorized', 'Token expired', { 'WWW-Authenticate': 'Bearer error="invalid_token"' }), host);
    expect(written).toEqual({
      status: 401,
      type: 'application/fhir+json; charset=utf-8',
      body: { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'login', diagnostics: 'Token expired' }] },
      headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' },
    });
  });

  it('maps each guard status to its FHIR issue type', () => {
    for (const [status, issue] of [[403, 'forbidden'], [429, 'throttled'], [503, 'transient']] as const) {
      const { written, host } = recorder();
      new FhirOutcomeFilter().catch(problem(status, 'c', 'd'), host);
      expect([status, written.status, (written.body as { issue: Array<{ code: string }> }).issue[0].code]).toEqual([status, status, issue]);
    }
  });

  it('problem JSON routes answer the same problem as before', () => {
    const { written, host } = recorder();
    new ProblemJsonFilter().catch(problem(429, 'rate_limited', 'Too many requests from this client', { 'Retry-After': '3' }), host);
    expect(written).toEqual({ status: 429, body: { status: 429, code: 'rate_limited', detail: 'Too many requests from this client' }, headers: { 'Retry-After': '3' } });
  });

  it("leaves Nest's own HttpExceptions to the last-resort filter (a fixed text, not theirs)", () => {
    const { written, host } = recorder();
    new FhirOutcomeFilter().catch(new NotFoundException('Cannot GET /fhir/0301/secret-path'), host);
    expect(written).toEqual({ status: 404, body: { status: 404, code: 'not_found', detail: 'No such resource' }, headers: {} });
  });
});
