import { Injectable, PipeTransform } from '@nestjs/common';
import { parsePatientIdentifier, PatientIdentifier } from './patient-identifier.util';
import { RequestSchema, validateRequest } from './request-schema.pipe';

/** The JSON body that names a patient: `{"identifierType": "FNR"|"DNR"|"FHN", "identifier": "<11 digits>"}`. */
export const PATIENT_IDENTIFIER_BODY: RequestSchema = {
  identifierType: { type: 'string', maxLength: 8 },
  identifier: { type: 'string', required: true, maxLength: 64 },
};

/** A body checked against PATIENT_IDENTIFIER_BODY and parsed into a valid patient identifier, or the edge's 400. */
export function parsePatientIdentifierBody(body: unknown): PatientIdentifier {
  const { identifierType, identifier } = validateRequest(PATIENT_IDENTIFIER_BODY, body, 'body');
  return parsePatientIdentifier(identifierType, identifier);
}

/**
 * `@Body(PatientIdentifierPipe)`: the body parsed by parsePatientIdentifierBody, or the request
 * is answered 400 before the handler runs.
 */
@Injectable()
export class PatientIdentifierPipe implements PipeTransform<unknown, PatientIdentifier> {
  transform(body: unknown): PatientIdentifier {
    return parsePatientIdentifierBody(body);
  }
}
