import { operationOutcome } from '@hub/fhir';

/** What every read answers while the patient has blocked sharing (sperring) in the kommune. */
export const BLOCKED_DETAIL = 'The patient has blocked sharing of their data in this kommune (sperring); no clinical data is returned';

/**
 * An empty searchset whose only entry is an OperationOutcome (search mode `outcome`) saying
 * the record is blocked: FHIR clients see "no results, and why" rather than an error.
 */
export function blockedSearchBundle(selfUrl: string): Record<string, unknown> {
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    total: 0,
    link: [{ relation: 'self', url: selfUrl }],
    entry: [{ resource: operationOutcome('warning', 'suppressed', BLOCKED_DETAIL), search: { mode: 'outcome' } }],
  };
}
