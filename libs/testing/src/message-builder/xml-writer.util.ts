/**
 * A deliberately small XML writer for test messages.
 *
 * The builder produces documents for the hub to parse, so it must not share code with the hub's own
 * XML handling: a bug shared by both sides would hide itself. Elements are plain objects rendered
 * with tab indentation, which is what the national example files look like.
 */

/** An attribute value of `undefined` is left out, so optional attributes need no branching. */
export type XmlAttributes = Record<string, string | undefined>;

export interface XmlElement {
  name: string;
  attrs?: XmlAttributes;
  children?: XmlChild[];
  /** Text content; escaped on rendering. */
  text?: string;
  /** Text written on its own lines without indentation (base64 payloads). */
  rawBlock?: string;
}

/** Falsy children are skipped so optional parts can be written inline (`cond && el(...)`). */
export type XmlChild = XmlElement | undefined | null | false | XmlChild[];

/** Characters XML 1.0 does not allow at all; the builder refuses them instead of sending broken XML. */
// eslint-disable-next-line no-control-regex -- the control characters are exactly what we look for
const INVALID_XML_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;

/** Builds an element with attributes and children. */
export function el(name: string, attrs?: XmlAttributes | null, ...children: XmlChild[]): XmlElement {
  return { name, attrs: attrs ?? undefined, children };
}

/** A text-only element, or nothing when `value` is undefined (optional elements). */
export function leaf(name: string, value: string | number | boolean | undefined, attrs?: XmlAttributes): XmlElement | undefined {
  if (value === undefined) return undefined;
  return { name, attrs, text: String(value) };
}

/** A kith CS element (`@V`, `@DN`). */
export function cs(name: string, v: string, dn?: string): XmlElement {
  return { name, attrs: { V: v, DN: dn } };
}

/** A kith CV element (`@V`, `@S` code-list OID, `@DN`). */
export function cv(name: string, v: string, s: string | undefined, dn?: string): XmlElement {
  return { name, attrs: { V: v, S: s, DN: dn } };
}

/** Escapes element text. CR is written as a character reference so it survives end-of-line normalisation. */
export function escapeText(value: string): string {
  assertXmlChars(value);
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#13;');
}

/** Escapes an attribute value; tabs and line breaks become references so attribute normalisation keeps them. */
export function escapeAttribute(value: string): string {
  assertXmlChars(value);
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/\t/g, '&#9;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;');
}

function assertXmlChars(value: string): void {
  if (INVALID_XML_CHARS.test(value)) {
    throw new Error('Text contains a character that XML 1.0 does not allow');
  }
}

function flatten(children: XmlChild[] | undefined, out: XmlElement[] = []): XmlElement[] {
  for (const child of children ?? []) {
    if (Array.isArray(child)) flatten(child, out);
    else if (child) out.push(child);
  }
  return out;
}

function renderAttributes(attrs: XmlAttributes | undefined): string {
  if (!attrs) return '';
  return Object.entries(attrs)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([key, value]) => ` ${key}="${escapeAttribute(value)}"`)
    .join('');
}

function renderElement(node: XmlElement, depth: number, lines: string[]): void {
  const indent = '\t'.repeat(depth);
  const open = `${node.name}${renderAttributes(node.attrs)}`;
  const children = flatten(node.children);
  if (node.rawBlock !== undefined) {
    lines.push(`${indent}<${open}>`, node.rawBlock, `${indent}</${node.name}>`);
  } else if (node.text !== undefined) {
    lines.push(`${indent}<${open}>${escapeText(node.text)}</${node.name}>`);
  } else if (children.length === 0) {
    lines.push(`${indent}<${open}/>`);
  } else {
    lines.push(`${indent}<${open}>`);
    for (const child of children) renderElement(child, depth + 1, lines);
    lines.push(`${indent}</${node.name}>`);
  }
}

/**
 * Renders a document with its XML declaration. For ISO-8859-1, characters outside Latin-1 become
 * numeric character references (names are ASCII, so replacing on the whole text is safe).
 */
export function renderDocument(root: XmlElement, encoding: 'UTF-8' | 'ISO-8859-1'): string {
  const lines = [`<?xml version="1.0" encoding="${encoding}"?>`];
  renderElement(root, 0, lines);
  const text = lines.join('\n') + '\n';
  if (encoding === 'UTF-8') return text;
  return text.replace(/[^\u0000-\u00FF]/gu, (ch) => `&#${ch.codePointAt(0)};`);
}
