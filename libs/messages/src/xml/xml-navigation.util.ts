import { XmlElement } from './xml-element.model';

/**
 * Small, allocation-light helpers over {@link XmlElement}. All lookups are by namespace URI and local
 * name; `ns` may list several namespaces where senders are known to mix them (e.g. Dialogmelding puts
 * fk1 children under dialog-namespace parents, guide §7.4).
 */
export type NsMatch = string | readonly string[];

function nsMatches(el: XmlElement, ns: NsMatch): boolean {
  return typeof ns === 'string' ? el.ns === ns : ns.includes(el.ns);
}

/** First child element with the given namespace and local name. */
export function child(el: XmlElement | undefined, ns: NsMatch, name: string): XmlElement | undefined {
  if (el === undefined) return undefined;
  for (const c of el.children) if (c.name === name && nsMatches(c, ns)) return c;
  return undefined;
}

/** All child elements with the given namespace and local name, in document order (always an array). */
export function children(el: XmlElement | undefined, ns: NsMatch, name: string): XmlElement[] {
  if (el === undefined) return [];
  const out: XmlElement[] = [];
  for (const c of el.children) if (c.name === name && nsMatches(c, ns)) out.push(c);
  return out;
}

/** Follows a path of local names inside one namespace, taking the first match at each step. */
export function path(el: XmlElement | undefined, ns: NsMatch, ...names: string[]): XmlElement | undefined {
  let current = el;
  for (const name of names) {
    current = child(current, ns, name);
    if (current === undefined) return undefined;
  }
  return current;
}

/** First child element of any name and namespace (e.g. the payload root inside RefDoc/Content). */
export function firstChildElement(el: XmlElement | undefined): XmlElement | undefined {
  return el?.children[0];
}

/** Trimmed text content; empty or whitespace-only text is absent (guide §7.15). */
export function text(el: XmlElement | undefined): string | undefined {
  if (el === undefined) return undefined;
  const t = el.text.trim();
  return t === '' ? undefined : t;
}

/** Trimmed text of the first matching child. */
export function childText(el: XmlElement | undefined, ns: NsMatch, name: string): string | undefined {
  return text(child(el, ns, name));
}

/** Trimmed attribute value by local name; an empty value is absent. */
export function attr(el: XmlElement | undefined, name: string): string | undefined {
  const v = el?.attrs[name];
  if (v === undefined) return undefined;
  const t = v.trim();
  return t === '' ? undefined : t;
}

/** A kith CS / CV value: code V, display name DN, code system S, original text OT. */
export interface CodedValue {
  v?: string;
  dn?: string;
  s?: string;
  ot?: string;
}

/** Reads a CS/CV element; undefined when the element is absent or carries none of V, DN, S, OT. */
export function coded(el: XmlElement | undefined): CodedValue | undefined {
  if (el === undefined) return undefined;
  const v = attr(el, 'V');
  const dn = attr(el, 'DN');
  const s = attr(el, 'S');
  const ot = attr(el, 'OT');
  if (v === undefined && dn === undefined && s === undefined && ot === undefined) return undefined;
  return { v, dn, s, ot };
}

/** The @V code of the first matching child (CS/CV/TS), trimmed. */
export function childV(el: XmlElement | undefined, ns: NsMatch, name: string): string | undefined {
  return attr(child(el, ns, name), 'V');
}

/**
 * Value of a kith TS (or a plain date element): `@V` when present, else the element text. PLO 1.x and
 * epikrise carry TS in @V, PLO 2.0 and MsgHead GenDate in text (guide §7.10); reading both is robust.
 */
export function timeValue(el: XmlElement | undefined): string | undefined {
  return attr(el, 'V') ?? text(el);
}
