import type { ExecutionContext } from '@nestjs/common';
import { EdgeException, EdgeExceptionCode, edgeAnswer } from './edge.exception';
import { acceptsFhirJson, ProducesFhirJsonGuard } from './produces-fhir-json.guard';

describe('acceptsFhirJson', () => {
  it('takes JSON by every _format name FHIR gives it, with or without an R4 fhirVersion', () => {
    for (const format of ['json', 'application/json', 'application/fhir+json', 'APPLICATION/FHIR+JSON', 'application/fhir+json; fhirVersion=4.0', 'application/fhir+json;fhirVersion=4.0.1']) {
      expect([format, acceptsFhirJson(format, undefined)]).toEqual([format, true]);
    }
  });

  it('refuses every other _format, another FHIR version, and a repeated _format', () => {
    for (const format of ['xml', 'text/xml', 'application/xml', 'application/fhir+xml', 'ttl', 'html', '', 'application/fhir+json; fhirVersion=3.0']) {
      expect([format, acceptsFhirJson(format, undefined)]).toEqual([format, false]);
    }
    expect(acceptsFhirJson(['json', 'json'], undefined)).toBe(false);
  });

  it('lets _format decide over Accept, both ways', () => {
    expect(acceptsFhirJson('json', 'application/fhir+xml')).toBe(true);
    expect(acceptsFhirJson('xml', 'application/fhir+json')).toBe(false);
  });

  it('takes a missing or empty Accept, JSON ranges and wildcards, as browsers and FHIR clients send them', () => {
    for (const accept of [undefined, '', 'application/fhir+json', 'application/json', '*/*', 'application/*', 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', 'application/fhir+xml;q=1, application/fhir+json;q=0.5']) {
      expect([accept, acceptsFhirJson(undefined, accept)]).toEqual([accept, true]);
    }
  });

  it('refuses an Accept that lists only other formats, gives JSON q=0, or names another FHIR version', () => {
    for (const accept of ['application/fhir+xml', 'application/xml, text/xml', 'text/html', 'application/fhir+json;q=0', 'application/fhir+json;q=0.0, application/fhir+xml', 'application/fhir+json; fhirVersion=5.0']) {
      expect([accept, acceptsFhirJson(undefined, accept)]).toEqual([accept, false]);
    }
  });
});

describe('ProducesFhirJsonGuard', () => {
  const context = (query: Record<string, unknown>, accept?: string, body?: unknown) =>
    ({ switchToHttp: () => ({ getRequest: () => ({ query, body, headers: accept === undefined ? {} : { accept } }) }) }) as unknown as ExecutionContext;

  it('reads _format from a POST _search form body too, the URL first', () => {
    expect(() => new ProducesFhirJsonGuard().canActivate(context({}, undefined, { _format: 'xml' }))).toThrow(EdgeException);
    expect(new ProducesFhirJsonGuard().canActivate(context({ _format: 'json' }, undefined, { _format: 'xml' }))).toBe(true);
    expect(new ProducesFhirJsonGuard().canActivate(context({}, undefined, 'raw text'))).toBe(true);
  });

  it('lets a JSON request through', () => {
    expect(new ProducesFhirJsonGuard().canActivate(context({ _format: 'json' }, 'application/fhir+xml'))).toBe(true);
    expect(new ProducesFhirJsonGuard().canActivate(context({}))).toBe(true);
  });

  it('answers 406 not-supported, naming the format it serves, for XML', () => {
    let thrown: unknown;
    try {
      new ProducesFhirJsonGuard().canActivate(context({ _format: 'xml' }));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(EdgeException);
    expect((thrown as EdgeException).code).toBe(EdgeExceptionCode.NOT_ACCEPTABLE);
    expect(edgeAnswer(thrown as EdgeException)).toEqual({ status: 406, code: 'not_acceptable', fhirIssue: 'not-supported', detail: expect.stringContaining('application/fhir+json') });
    expect(() => new ProducesFhirJsonGuard().canActivate(context({}, 'application/fhir+xml'))).toThrow(EdgeException);
  });
});
