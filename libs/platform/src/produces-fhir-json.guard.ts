import { CanActivate, ExecutionContext, Injectable, UseGuards } from '@nestjs/common';
import type { Request } from 'express';
import { EdgeException, EdgeExceptionCode } from './edge.exception';

/** `_format` values that name JSON (FHIR R4 http.html, "Content Types and encodings"). */
const JSON_FORMATS = new Set(['json', 'application/json', 'application/fhir+json', 'text/json']);
/** Accept media ranges a JSON answer satisfies. */
const JSON_RANGES = new Set(['*/*', 'application/*', 'application/json', 'application/fhir+json', 'text/*', 'text/json']);
/** The FHIR versions a `fhirVersion` media-type parameter may name for this server (R4). */
const R4 = new Set(['4.0', '4.0.1']);

const NOT_ACCEPTABLE = 'This server answers FHIR R4 in JSON only (application/fhir+json); ask with _format=json or Accept: application/fhir+json';

/** A media type or range with its parameters, lower-cased (`application/fhir+json; fhirVersion=4.0`). */
function parseMediaType(text: string): { type: string; params: Map<string, string> } {
  const [type, ...rest] = text.split(';').map((part) => part.trim());
  const params = new Map<string, string>();
  for (const p of rest) {
    const eq = p.indexOf('=');
    if (eq > 0) params.set(p.slice(0, eq).trim().toLowerCase(), p.slice(eq + 1).trim().replace(/^"|"$/g, ''));
  }
  return { type: type.toLowerCase(), params };
}

/** JSON of FHIR R4: no `fhirVersion` parameter, or one naming R4. */
const r4 = (params: Map<string, string>) => !params.has('fhirversion') || R4.has(params.get('fhirversion')!);

/**
 * Whether a JSON answer may be sent for this `_format` and `Accept`. `_format` overrides Accept
 * (FHIR R4); without either, JSON. An Accept that lists only ranges JSON does not match (XML,
 * Turtle, HTML), or gives every JSON range q=0, is not acceptable.
 */
export function acceptsFhirJson(format: unknown, accept: string | undefined): boolean {
  if (format !== undefined) {
    if (typeof format !== 'string') return false;
    const { type, params } = parseMediaType(format);
    return JSON_FORMATS.has(type) && r4(params);
  }
  if (accept === undefined || accept.trim() === '') return true;
  return accept.split(',').some((entry) => {
    const { type, params } = parseMediaType(entry);
    const q = params.has('q') ? Number(params.get('q')) : 1;
    return JSON_RANGES.has(type) && q > 0 && r4(params);
  });
}

/**
 * Refuses with 406 (an OperationOutcome through the route's filter) a request whose `_format`
 * or `Accept` asks for what the route does not produce: the FHIR routes answer JSON only, and
 * answering JSON to `_format=xml` would hand a client a body it did not ask for and may not parse.
 */
@Injectable()
export class ProducesFhirJsonGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<Request>();
    // `_format` in the URL, or in the form body of a POST _search (a search parameter there).
    const body = request.body && typeof request.body === 'object' ? (request.body as Record<string, unknown>) : {};
    if (!acceptsFhirJson(request.query?._format ?? body._format, request.headers.accept)) throw new EdgeException(EdgeExceptionCode.NOT_ACCEPTABLE, NOT_ACCEPTABLE);
    return true;
  }
}

/** The route answers FHIR JSON only: other formats asked for get 406. */
export const ProducesFhirJson = () => UseGuards(ProducesFhirJsonGuard);
