import { randomUUID } from 'node:crypto';
import { operationOutcome } from '@hub/fhir';

/** What every read answers while the patient has blocked sharing (sperring) in the kommune. */
export const BLOCKED_DETAIL = 'The patient has blocked sharing of their data in this kommune (sperring); no clinical data is returned';

/**
 * An empty searchset whose only entry is an OperationOutcome (search mode `outcome`) saying
 * the record is blocked: FHIR clients see "no results, and why" rather than an error. Every
 * entry of a searchset needs a fullUrl; the outcome has no id of its own, so it gets a urn:uuid.
 */
export function blockedSearchBundle(selfUrl: string): Record<string, unknown> {
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    total: 0,
    link: [{ relation: 'self', url: selfUrl }],
    entry: [{ fullUrl: `urn:uuid:${randomUUID()}`, resource: operationOutcome('warning', 'suppressed', BLOCKED_DETAIL), search: { mode: 'outcome' } }],
  };
}
