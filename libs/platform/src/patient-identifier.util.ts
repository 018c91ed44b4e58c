import { IDENTIFIER_SYSTEMS, parseIdentifierToken, SearchableIdentifierType } from '@hub/fhir';
import { isValidDnr, isValidFnr } from '@hub/messages';
import { EdgeException, EdgeExceptionCode } from './edge.exception';

export type PatientIdentifierType = SearchableIdentifierType;
export const PATIENT_IDENTIFIER_TYPES: readonly PatientIdentifierType[] = ['FNR', 'DNR', 'FHN'];

/** A patient identifier that passed the edge: a known type, 11 digits, a valid FNR/DNR checksum and date. */
export interface PatientIdentifier {
  type: PatientIdentifierType;
  value: string;
  /** The FHIR identifier system of the type. */
  system: string;
}

const SHAPE = 'The patient identifier must be FNR, DNR or FHN with 11 digits';
const CHECKSUM = 'The patient identifier is not a valid fødselsnummer or D-nummer (checksum or date)';

/** Whether an 11-digit value of this type passes its checksum and date rules (FHN has none). */
export function isValidPatientIdentifier(type: PatientIdentifierType, value: string): boolean {
  if (!/^\d{11}$/.test(value)) return false;
  if (type === 'FNR') return isValidFnr(value);
  if (type === 'DNR') return isValidDnr(value);
  return true;
}

/**
 * The one parser of a patient identifier given by a client: JSON `{identifierType, identifier}`
 * (type defaults to FNR) or a FHIR token `system|value`. Throws the edge's 400 with a text that
 * never repeats the value.
 */
export function parsePatientIdentifier(identifierType: unknown, identifier: unknown): PatientIdentifier {
  const type = identifierType === undefined ? 'FNR' : typeof identifierType === 'string' ? identifierType.toUpperCase() : undefined;
  if (!PATIENT_IDENTIFIER_TYPES.includes(type as PatientIdentifierType) || typeof identifier !== 'string' || !/^\d{11}$/.test(identifier)) {
    throw new EdgeException(EdgeExceptionCode.INVALID_IDENTIFIER, SHAPE);
  }
  return checked(type as PatientIdentifierType, identifier);
}

/** A FHIR `patient.identifier` token (`system|value`) with an FNR, D-number or FH-number system. */
export function parsePatientIdentifierToken(token: string): PatientIdentifier {
  const parsed = parseIdentifierToken(token);
  if (!parsed) {
    throw new EdgeException(EdgeExceptionCode.INVALID_IDENTIFIER, 'patient.identifier must be system|value with an FNR, D-number or FH-number system and an 11-digit value');
  }
  return checked(parsed.type, parsed.value);
}

function checked(type: PatientIdentifierType, value: string): PatientIdentifier {
  if (!isValidPatientIdentifier(type, value)) throw new EdgeException(EdgeExceptionCode.INVALID_IDENTIFIER, CHECKSUM);
  return { type, value, system: IDENTIFIER_SYSTEMS[type] };
}

/**
 * The patient a request names, when it names exactly one validly: a JSON body
 * `{identifierType, identifier}` or a FHIR `patient.identifier` / `identifier` token in the
 * query or body. For records about a refused request (its pseudonym, never the value); a request
 * that names no valid patient gives undefined, never an error.
 */
export function requestedPatient(request: { body?: unknown; query?: unknown }): PatientIdentifier | undefined {
  const attempt = (parse: () => PatientIdentifier) => {
    try {
      return parse();
    } catch {
      return undefined;
    }
  };
  const body = typeof request.body === 'object' && request.body !== null && !Array.isArray(request.body) ? (request.body as Record<string, unknown>) : {};
  if (typeof body.identifier === 'string' && /^\d{11}$/.test(body.identifier)) return attempt(() => parsePatientIdentifier(body.identifierType, body.identifier));
  const query = typeof request.query === 'object' && request.query !== null ? (request.query as Record<string, unknown>) : {};
  for (const source of [query, body]) {
    for (const name of ['patient.identifier', 'identifier']) {
      const token = source[name];
      if (typeof token === 'string') return attempt(() => parsePatientIdentifierToken(token));
    }
  }
  return undefined;
}
