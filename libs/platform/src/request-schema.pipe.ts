import { Injectable, PipeTransform } from '@nestjs/common';
import { EdgeException, EdgeExceptionCode } from './edge.exception';

/** One field of a request schema. Values are only ever strings (JSON) or strings and lists of them (forms, queries). */
export interface FieldSchema {
  type: 'string' | 'strings';
  required?: boolean;
  /** The values allowed (after `upperCase`, when set). */
  oneOf?: readonly string[];
  upperCase?: boolean;
  maxLength?: number;
}

/**
 * A route's request schema: the fields it reads, and nothing else. A body or query that is not
 * an object, has a field of the wrong type, or has a field the route does not know is refused
 * with 400 before the handler runs (never a 500 on `{"identifierType": 5}`). Answers name the
 * field and what was expected, never the value that was sent.
 */
export type RequestSchema = Readonly<Record<string, FieldSchema>>;

/** The validated request: each known field as a string, a list of strings, or absent. */
export type Validated = Record<string, string | string[] | undefined>;

/**
 * Checks `input` against `schema`. Unknown fields are refused where a client could mistake an
 * ignored field for an applied one (`unknown: 'refuse'`, search parameters), and dropped
 * otherwise (JSON bodies).
 */
export function validateRequest(schema: RequestSchema, input: unknown, where: 'body' | 'query', unknown: 'refuse' | 'drop' = 'drop'): Validated {
  const given: unknown = input ?? {};
  if (typeof given !== 'object' || given === null || Array.isArray(given)) throw invalid(`The request ${where} must be an object`);
  const out: Validated = {};
  const known = Object.keys(schema);
  Object.keys(given).forEach((name, index) => {
    if (unknown === 'refuse' && !Object.prototype.hasOwnProperty.call(schema, name)) {
      throw invalid(`Unknown ${where} field at position ${index + 1}; this route reads ${known.join(', ')}`);
    }
  });
  for (const [name, field] of Object.entries(schema)) {
    const raw = (given as Record<string, unknown>)[name];
    if (raw === undefined || raw === '') {
      if (field.required) throw invalid(`${where} field ${name} is required`);
      continue;
    }
    const values = field.type === 'strings' && Array.isArray(raw) ? raw : [raw];
    const strings = values.map((value, index) => {
      if (typeof value !== 'string') throw invalid(`${where} field ${name}${values.length > 1 ? ` (value ${index + 1})` : ''} must be a string`);
      if (field.maxLength !== undefined && value.length > field.maxLength) throw invalid(`${where} field ${name} is longer than ${field.maxLength} characters`);
      const normalized = field.upperCase ? value.toUpperCase() : value;
      if (field.oneOf && !field.oneOf.includes(normalized)) throw invalid(`${where} field ${name} must be one of ${field.oneOf.join(', ')}`);
      return normalized;
    });
    out[name] = field.type === 'strings' ? strings : strings[0];
  }
  return out;
}

function invalid(detail: string): EdgeException {
  return new EdgeException(EdgeExceptionCode.INVALID_REQUEST, detail);
}

/** `@Body(new RequestSchemaPipe(schema, 'body'))`: the body checked against the route's schema. */
@Injectable()
export class RequestSchemaPipe implements PipeTransform<unknown, Validated> {
  constructor(private readonly schema: RequestSchema, private readonly where: 'body' | 'query', private readonly unknown: 'refuse' | 'drop' = 'drop') {}

  transform(value: unknown): Validated {
    return validateRequest(this.schema, value, this.where, this.unknown);
  }
}
