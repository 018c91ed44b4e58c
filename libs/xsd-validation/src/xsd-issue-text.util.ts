import type { RawXsdIssue, XsdIssue } from './xsd-validation.model';

/**
 * Turns libxml2's validity messages into findings without document content.
 *
 * libxml2 quotes the offending value (`'abc' is not a valid value of the atomic type 'xs:dateTime'`,
 * `[facet 'pattern'] The value '12345' is not accepted ...`); the value may be a fødselsnummer or a
 * diagnosis, so only names are kept: the element and attribute (from the document's markup), and
 * the type, facet and expected element names (from the schema). Anything not recognised becomes a
 * generic reason rather than being passed through.
 */
export function toXsdIssue(raw: RawXsdIssue): XsdIssue {
  const head = /^Element '([^']*)'(?:, attribute '([^']*)')?: ([\s\S]*)$/.exec(raw.message.trim());
  if (!head) return { line: raw.line, reason: wellFormednessReason(raw.message) };
  const [, elementName, attributeName, rest] = head;
  const issue: XsdIssue = { line: raw.line, element: localName(elementName), reason: reasonOf(rest) };
  if (attributeName !== undefined) issue.attribute = localName(attributeName);
  return issue;
}

/** The namespace URI of an element named `{uri}local` in a libxml2 message, if any. */
export function elementNamespace(message: string): string | undefined {
  return /^Element '\{([^}]*)\}/.exec(message.trim())?.[1];
}

/** True for libxml2's finding that a strict wildcard (MsgHead `Content`) met an element with no global declaration. */
export function isUndeclaredWildcardElement(message: string): boolean {
  return message.includes('No matching global element declaration available, but demanded by the strict wildcard');
}

/** `line 9, element GenDate: not a valid xs:dateTime` */
export function formatXsdIssue(issue: XsdIssue): string {
  const where = [
    issue.line > 0 ? `line ${issue.line}` : undefined,
    issue.element ? `element ${issue.element}` : undefined,
    issue.attribute ? `attribute ${issue.attribute}` : undefined,
  ]
    .filter(Boolean)
    .join(', ');
  return where ? `${where}: ${issue.reason}` : issue.reason;
}

function reasonOf(rest: string): string {
  let m = /is not a valid value of the (?:atomic|list|union|local atomic|local union) type '([^']*)'/.exec(rest);
  if (m) return `not a valid ${typeName(m[1])}`;
  if (/is not a valid value of the (?:local )?(?:atomic|list|union) type/.test(rest)) return 'not a valid value of its type';
  m = /\[facet '([^']*)'\]/.exec(rest);
  if (m) return `value not allowed by the schema's ${m[1]} facet`;
  m = /Missing child element\(s\)\. Expected is (?:one of )?\( ([^)]*) \)/.exec(rest);
  if (m) return `a required child element is missing (expected ${names(m[1])})`;
  m = /This element is not expected\. Expected is (?:one of )?\( ([^)]*) \)/.exec(rest);
  if (m) return `element not expected here (expected ${names(m[1])})`;
  if (rest.includes('This element is not expected')) return 'element not expected here';
  m = /The attribute '([^']*)' is required but missing/.exec(rest);
  if (m) return `required attribute ${localName(m[1])} is missing`;
  if (rest.includes('The attribute') && rest.includes('is not allowed')) return 'attribute not allowed here';
  if (rest.includes('is not allowed')) return 'attribute not allowed here';
  if (isUndeclaredWildcardElement(rest)) return 'no official schema declares this element (MsgHead Content is strict)';
  if (rest.includes('No matching global declaration available for the validation root')) return 'no official schema declares this document root';
  if (rest.includes('Character content other than whitespace is not allowed')) return 'text is not allowed in this element';
  if (rest.includes('Element content is not allowed')) return 'child elements are not allowed in this element';
  if (rest.includes('The content must not contain element information items')) return 'child elements are not allowed in this element';
  if (rest.includes('is not a valid value')) return 'not a valid value of its type';
  return 'does not follow the schema';
}

function wellFormednessReason(message: string): string {
  // Parser messages name the problem in words and may quote names or characters; keep the words before any quote.
  const words = message
    .trim()
    .split(/['"\n:!]/, 1)[0]
    .trim();
  return words && /^[A-Za-z][A-Za-z0-9 ,.()-]*$/.test(words) ? `not well-formed: ${words}` : 'not well-formed';
}

function localName(name: string): string {
  const braced = /^\{[^}]*\}(.*)$/.exec(name);
  return braced ? braced[1] : name.replace(/^[^:]*:/, '');
}

function typeName(name: string): string {
  if (name.startsWith('xs:')) return name;
  return localName(name) || 'type';
}

/** `{ns}A, {ns}B, ##other{ns}*` → `A, B, any element`; at most five names. */
function names(list: string): string {
  const items = list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const shown = items.slice(0, 5).map((s) => (s.includes('*') ? 'any element' : localName(s)));
  return items.length > 5 ? `${shown.join(', ')}, …` : shown.join(', ');
}
