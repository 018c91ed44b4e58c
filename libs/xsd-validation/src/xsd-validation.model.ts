/** One finding of the XSD validation, free of document content: where it is and what kind it is. */
export interface XsdIssue {
  /** Line in the document (1-based; 0 when libxml2 gave none). */
  line: number;
  /** Local name of the element the finding is about, when libxml2 named one. */
  element?: string;
  /** Local name of the attribute, when the finding is about an attribute. */
  attribute?: string;
  /** What is wrong, in words taken from the schema only (type, facet, expected element names), never a value. */
  reason: string;
}

/**
 * The verdict on one business document.
 * - `valid`: the document follows the official schemas.
 * - `valid` with `unknownPayloadNamespaces`: the only findings were MsgHead `Content` payloads whose
 *   namespace has no official schema in the carried set (standard OTHER: e-resept, lab, ...);
 *   everything else of the document validated. Accepted with a warning.
 * - `notWellFormed`: libxml2 could not read the document.
 * - `invalid`: at least one finding; `issues` lists the first ones.
 */
export type XsdVerdict =
  | { outcome: 'valid'; unknownPayloadNamespaces: string[] }
  | { outcome: 'invalid'; issues: XsdIssue[]; issueCount: number }
  | { outcome: 'notWellFormed'; issues: XsdIssue[]; issueCount: number };

/** The raw finding as the worker reports it: libxml2's message may quote document content. */
export interface RawXsdIssue {
  line: number;
  column: number;
  message: string;
}
