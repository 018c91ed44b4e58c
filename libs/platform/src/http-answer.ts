/**
 * One refused request, independent of how it is written: a feature maps each of its exception
 * codes to one of these in one exhaustive switch (`<feature>-http.util.ts`), and the exception
 * filter of the route's answer format writes it (problem JSON, FHIR OperationOutcome).
 * `detail` is a fixed text or one that names positions and kinds, never the request's content.
 */
export interface HttpAnswer {
  status: number;
  /** Machine-readable reason of a problem JSON answer (`invalid_identifier`). */
  code: string;
  detail: string;
  /** FHIR IssueType of an OperationOutcome answer; by default the one that fits the status. */
  fhirIssue?: string;
  headers?: Record<string, string>;
}

/** The FHIR IssueType (http://hl7.org/fhir/issue-type) that fits a status when a route names none. */
export function fhirIssueOf(answer: HttpAnswer): string {
  if (answer.fhirIssue) return answer.fhirIssue;
  switch (answer.status) {
    case 400:
      return 'invalid';
    case 401:
      return 'login';
    case 403:
      return 'forbidden';
    case 404:
      return 'not-found';
    case 413:
      return 'too-long';
    case 415:
      return 'not-supported';
    case 429:
      return 'throttled';
    case 503:
      return 'transient';
    default:
      return answer.status >= 500 ? 'exception' : 'processing';
  }
}
