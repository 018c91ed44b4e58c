import { MessageException, MessageExceptionCode } from '../message.exception';
import { NS } from './namespaces.constant';
import { XmlElement } from './xml-element.model';

/** Limits that keep hostile input from costing more than linear time and bounded memory. */
export const XML_LIMITS = {
  /** Deepest element nesting accepted; real messages stay below 30 (epikrise XHTML tables). */
  maxDepth: 200,
  /** Most attributes on one element; real messages use at most a dozen (xmlns declarations). */
  maxAttributes: 256,
} as const;

function notWellFormed(reason: string): never {
  throw new MessageException(MessageExceptionCode.NOT_WELL_FORMED, reason);
}

// XML 1.0 Char production, minus what JS strings cannot hold unpaired (checked by the decoder).
const ILLEGAL_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;
const DOCTYPE = /<!DOCTYPE/i;
const ENTITY_REF = /&(?:#([0-9]{1,7})|#x([0-9a-fA-F]{1,6})|(lt|gt|amp|apos|quot));/g;
const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', apos: "'", quot: '"' };

function isXmlChar(cp: number): boolean {
  return (
    cp === 0x9 ||
    cp === 0xa ||
    cp === 0xd ||
    (cp >= 0x20 && cp <= 0xd7ff) ||
    (cp >= 0xe000 && cp <= 0xfffd) ||
    (cp >= 0x10000 && cp <= 0x10ffff)
  );
}

function countAmpersands(s: string): number {
  let n = 0;
  for (let i = s.indexOf('&'); i !== -1; i = s.indexOf('&', i + 1)) n++;
  return n;
}

/**
 * Decodes the five predefined entities and numeric character references (&#13;&#10;, &#xE6;).
 * Any other reference (&nbsp;, a DOCTYPE-declared entity) or a bare '&' is not well-formed:
 * without a DTD those entities are undeclared.
 */
export function decodeEntities(s: string): string {
  if (s.indexOf('&') === -1) return s;
  let decoded = 0;
  const out = s.replace(ENTITY_REF, (_m, dec: string | undefined, hex: string | undefined, named: string | undefined) => {
    decoded++;
    if (named !== undefined) return PREDEFINED[named];
    const cp = dec !== undefined ? parseInt(dec, 10) : parseInt(hex as string, 16);
    if (!isXmlChar(cp)) notWellFormed('Character reference to a character not allowed in XML');
    return String.fromCodePoint(cp);
  });
  if (decoded !== countAmpersands(s)) notWellFormed("Undeclared entity reference or bare '&' in content");
  return out;
}

function isXmlSpace(c: number): boolean {
  return c === 0x20 || c === 0x9 || c === 0xa || c === 0xd;
}

/** Decoded byte count of base64 text, ignoring whitespace; undefined when it is not base64. */
export function base64DecodedSize(text: string): number | undefined {
  let chars = 0;
  let padding = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (isXmlSpace(c)) continue;
    const isB64 =
      (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2f;
    if (c === 0x3d /* = */) {
      padding++;
    } else if (!isB64 || padding > 0) {
      return undefined;
    }
    chars++;
  }
  if (chars % 4 !== 0 || padding > 2) return undefined;
  return (chars / 4) * 3 - padding;
}

type Scope = Record<string, string>;

interface Open {
  el: XmlElement;
  qname: string;
  scope: Scope;
  textParts: string[] | undefined;
}

const hasOwn = Object.prototype.hasOwnProperty;

function isNameStart(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f || c === 0x3a || (c >= 0xc0 && c !== 0xd7 && c !== 0xf7);
}

function isNameChar(c: number): boolean {
  return isNameStart(c) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2e || c === 0xb7;
}

function splitQName(qname: string): [prefix: string, local: string] {
  const colon = qname.indexOf(':');
  return colon === -1 ? ['', qname] : [qname.slice(0, colon), qname.slice(colon + 1)];
}

function resolve(scope: Scope, prefix: string, what: string): string {
  const uri = scope[prefix];
  if (uri === undefined) notWellFormed(`Undeclared namespace prefix on ${what}`);
  return uri;
}

/** Line and column of a position, for error texts (which name positions only, never content). */
function where(xml: string, pos: number): string {
  let line = 1;
  let lineStart = 0;
  for (let i = xml.indexOf('\n'); i !== -1 && i < pos; i = xml.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return `line ${line}, column ${pos - lineStart + 1}`;
}

/**
 * A single-pass, non-validating (no DTD) XML 1.0 reader that checks well-formedness while it builds
 * the namespace-resolved tree: one scan of the document instead of a validator pass, a parser pass
 * and a tree-building pass over the parser's output.
 */
class TreeReader {
  private pos = 0;
  private readonly stack: Open[] = [];
  private root: XmlElement | undefined;

  constructor(private readonly xml: string) {}

  private fail(reason: string, at = this.pos): never {
    return notWellFormed(`XML is not well-formed (${reason} at ${where(this.xml, at)})`);
  }

  read(): XmlElement {
    const xml = this.xml;
    const len = xml.length;
    while (this.pos < len) {
      const lt = xml.indexOf('<', this.pos);
      const textEnd = lt === -1 ? len : lt;
      if (textEnd > this.pos) this.text(this.pos, textEnd);
      if (lt === -1) break;
      this.pos = lt;
      const c = xml.charCodeAt(lt + 1);
      if (c === 0x2f /* / */) this.closeTag();
      else if (c === 0x21 /* ! */) this.bang();
      else if (c === 0x3f /* ? */) this.skipPi();
      else this.openTag();
    }
    if (this.stack.length > 0) this.fail('unclosed element', len);
    if (this.root === undefined) return notWellFormed('No root element');
    return this.root;
  }

  private text(start: number, end: number): void {
    const top = this.stack[this.stack.length - 1];
    if (top === undefined) {
      for (let i = start; i < end; i++) {
        if (!isXmlSpace(this.xml.charCodeAt(i))) notWellFormed(this.root === undefined ? 'Text outside the root element' : 'Text after the root element');
      }
      return;
    }
    addText(top, decodeEntities(this.xml.slice(start, end)));
  }

  private bang(): void {
    const xml = this.xml;
    if (xml.startsWith('<!--', this.pos)) {
      const end = xml.indexOf('-->', this.pos + 4);
      if (end === -1) this.fail('unterminated comment');
      this.pos = end + 3;
      return;
    }
    if (xml.startsWith('<![CDATA[', this.pos)) {
      const top = this.stack[this.stack.length - 1];
      if (top === undefined) notWellFormed('CDATA outside the root element');
      const end = xml.indexOf(']]>', this.pos + 9);
      if (end === -1) this.fail('unterminated CDATA section');
      addText(top, xml.slice(this.pos + 9, end));
      this.pos = end + 3;
      return;
    }
    this.fail('unexpected markup declaration');
  }

  /** Processing instructions (and the XML declaration) carry nothing we use; only their form is checked. */
  private skipPi(): void {
    const xml = this.xml;
    const start = this.pos + 2;
    let i = start;
    if (!isNameStart(xml.charCodeAt(i))) this.fail('malformed processing instruction');
    while (isNameChar(xml.charCodeAt(i))) i++;
    const target = xml.slice(start, i);
    if (target.toLowerCase() === 'xml') {
      if (start !== 2) this.fail('XML declaration not at the start of the document');
      XML_DECLARATION.lastIndex = 0;
      if (!XML_DECLARATION.test(xml)) this.fail('malformed XML declaration');
      this.pos = XML_DECLARATION.lastIndex;
      return;
    }
    const end = xml.indexOf('?>', i);
    if (end === -1) this.fail('unterminated processing instruction');
    if (end !== i && !isXmlSpace(xml.charCodeAt(i))) this.fail('malformed processing instruction');
    this.pos = end + 2;
  }

  private readName(): string {
    const xml = this.xml;
    const start = this.pos;
    if (!isNameStart(xml.charCodeAt(start))) this.fail('invalid name');
    let i = start + 1;
    while (i < xml.length && isNameChar(xml.charCodeAt(i))) i++;
    this.pos = i;
    return xml.slice(start, i);
  }

  private skipSpace(): boolean {
    const start = this.pos;
    while (this.pos < this.xml.length && isXmlSpace(this.xml.charCodeAt(this.pos))) this.pos++;
    return this.pos > start;
  }

  private openTag(): void {
    const xml = this.xml;
    const tagStart = this.pos;
    this.pos++;
    const qname = this.readName();
    if (qname === '__proto__') this.fail('reserved element name', tagStart);
    if (this.stack.length === 0 && this.root !== undefined) notWellFormed('More than one root element');
    if (this.stack.length >= XML_LIMITS.maxDepth) notWellFormed(`Elements nested deeper than ${XML_LIMITS.maxDepth} levels`);

    // Attributes as written (qualified name, raw value), checked for form and duplicates.
    let names: string[] | undefined;
    let values: string[] | undefined;
    let selfClosing = false;
    for (;;) {
      const spaced = this.skipSpace();
      const c = xml.charCodeAt(this.pos);
      if (c === 0x3e /* > */) {
        this.pos++;
        break;
      }
      if (c === 0x2f /* / */ && xml.charCodeAt(this.pos + 1) === 0x3e) {
        this.pos += 2;
        selfClosing = true;
        break;
      }
      if (this.pos >= xml.length) this.fail('unterminated start tag', tagStart);
      if (!spaced) this.fail('attributes must be separated by white space');
      const name = this.readName();
      this.skipSpace();
      if (xml.charCodeAt(this.pos) !== 0x3d /* = */) this.fail('attribute without a value');
      this.pos++;
      this.skipSpace();
      const quote = xml.charCodeAt(this.pos);
      if (quote !== 0x22 && quote !== 0x27) this.fail('unquoted attribute value');
      const end = xml.indexOf(quote === 0x22 ? '"' : "'", this.pos + 1);
      if (end === -1) this.fail('unterminated attribute value');
      const value = xml.slice(this.pos + 1, end);
      if (value.indexOf('<') !== -1) this.fail("'<' in an attribute value");
      this.pos = end + 1;
      if (names === undefined) {
        names = [name];
        values = [value];
      } else {
        if (names.length >= XML_LIMITS.maxAttributes) notWellFormed(`Element has more than ${XML_LIMITS.maxAttributes} attributes`);
        if (names.includes(name)) this.fail('duplicate attribute');
        names.push(name);
        values!.push(value);
      }
    }

    const parent = this.stack[this.stack.length - 1];
    const parentScope = parent === undefined ? rootScope() : parent.scope;
    const opened = openElement(qname, names, values, parentScope);
    if (parent !== undefined) parent.el.children.push(opened.el);
    else this.root = opened.el;
    if (selfClosing) return;
    const frame: Open = { el: opened.el, qname, scope: opened.scope, textParts: undefined };
    this.stack.push(frame);
    if (opened.el.name === 'Base64Container' && opened.el.ns === NS.BASE64) this.skipBase64(frame);
  }

  /**
   * Attachment content is kept only as its decoded size: when the element holds nothing but
   * base64 text up to its end tag, that text is measured in place and never copied.
   */
  private skipBase64(frame: Open): void {
    const xml = this.xml;
    const lt = xml.indexOf('<', this.pos);
    if (lt === -1 || lt === this.pos || xml.charCodeAt(lt + 1) !== 0x2f) return;
    const size = base64DecodedSizeOf(xml, this.pos, lt);
    if (size === null) return; // not plain base64 text: read as usual
    const closeEnd = lt + 2 + frame.qname.length;
    if (!xml.startsWith(frame.qname, lt + 2) || isNameChar(xml.charCodeAt(closeEnd))) return;
    if (size !== undefined) frame.el.base64Size = size;
    this.pos = lt;
  }

  private closeTag(): void {
    const xml = this.xml;
    const tagStart = this.pos;
    this.pos += 2;
    const qname = this.readName();
    this.skipSpace();
    if (xml.charCodeAt(this.pos) !== 0x3e) this.fail('malformed end tag', tagStart);
    this.pos++;
    const frame = this.stack.pop();
    if (frame === undefined || frame.qname !== qname) this.fail('end tag does not match the start tag', tagStart);
    closeFrame(frame);
  }
}

/** XML 1.0 §2.8 XMLDecl, at the start of the document only (sticky). */
const XML_DECLARATION = /<\?xml[ \t\n]+version[ \t\n]*=[ \t\n]*(["'])1\.[0-9]*\1([ \t\n]+encoding[ \t\n]*=[ \t\n]*(["'])[A-Za-z][A-Za-z0-9._-]*\3)?([ \t\n]+standalone[ \t\n]*=[ \t\n]*(["'])(yes|no)\5)?[ \t\n]*\?>/y;

function rootScope(): Scope {
  const scope = Object.create(null) as Scope;
  scope[''] = '';
  scope.xml = NS.XML;
  return scope;
}

/** Creates the element: namespace scope, resolved name, decoded and normalised attributes. */
function openElement(qname: string, names: string[] | undefined, values: string[] | undefined, parentScope: Scope): { el: XmlElement; scope: Scope } {
  let scope = parentScope;
  if (names !== undefined) {
    for (let i = 0; i < names.length; i++) {
      const k = names[i];
      if (k === 'xmlns' || k.startsWith('xmlns:')) {
        if (scope === parentScope) scope = Object.create(parentScope) as Scope;
        // Namespace names are compared exactly but trimmed: one public map has a trailing space (guide §7.5).
        scope[k === 'xmlns' ? '' : k.slice(6)] = decodeEntities(values![i]).trim();
      }
    }
  }
  const [prefix, local] = splitQName(qname);
  if (local === '' || local.includes(':')) notWellFormed('Malformed qualified element name');
  const el: XmlElement = { ns: resolve(scope, prefix, 'an element'), name: local, attrs: {}, children: [], text: '' };
  if (names !== undefined) {
    for (let i = 0; i < names.length; i++) {
      const k = names[i];
      if (k === 'xmlns' || k.startsWith('xmlns:')) continue;
      const [aPrefix, aLocal] = splitQName(k);
      if (aLocal === '' || aLocal === '__proto__') notWellFormed('Malformed qualified attribute name');
      if (aPrefix !== '') resolve(scope, aPrefix, 'an attribute');
      // Attribute-value normalisation (XML 1.0 §3.3.3): literal tab/CR/LF become spaces; &#10; survives.
      const raw = values![i];
      const value = decodeEntities(NEEDS_ATTR_NORMALISATION.test(raw) ? raw.replace(ATTR_WHITESPACE, ' ') : raw);
      // An unprefixed attribute wins over a prefixed one with the same local name (V vs xsi:V).
      if (aPrefix === '' || !hasOwn.call(el.attrs, aLocal)) el.attrs[aLocal] = value;
    }
  }
  return { el, scope };
}

const NEEDS_ATTR_NORMALISATION = /[\t\n\r]/;
const ATTR_WHITESPACE = /[\t\n\r]/g;

/**
 * Parses a decoded XML document into a namespace-resolved tree.
 *
 * Refuses (MessageException NOT_WELL_FORMED, message free of content): any DOCTYPE (XXE, entity
 * expansion), characters not allowed in XML, non-well-formed markup, undeclared entities or namespace
 * prefixes, more than one root, text outside the root, nesting deeper than {@link XML_LIMITS.maxDepth},
 * more than {@link XML_LIMITS.maxAttributes} attributes on one element.
 */
export function parseXml(xml: string): XmlElement {
  // A DOCTYPE can only carry trouble here (external entities, billion laughs); no standard we read uses one.
  if (DOCTYPE.test(xml)) notWellFormed('DOCTYPE declarations are not accepted (XXE / entity expansion risk)');
  if (ILLEGAL_CHARS.test(xml)) notWellFormed('Document contains characters not allowed in XML');
  // XML 1.0 §2.11: line ends are normalised before parsing; &#13; references still yield CR.
  if (xml.indexOf('\r') !== -1) xml = xml.replace(/\r\n?/g, '\n');
  return new TreeReader(xml).read();
}

/**
 * Decoded size of base64 text in xml[start, end), ignoring whitespace, without copying it; null when
 * the range holds anything but base64 characters and whitespace (then it is read as ordinary text),
 * undefined when it holds only those but is not valid base64 (as {@link base64DecodedSize}).
 */
function base64DecodedSizeOf(xml: string, start: number, end: number): number | undefined | null {
  let chars = 0;
  let padding = 0;
  let valid = true;
  for (let i = start; i < end; i++) {
    const c = xml.charCodeAt(i);
    if (isXmlSpace(c)) continue;
    if (c === 0x3d /* = */) {
      padding++;
    } else if ((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2f) {
      if (padding > 0) valid = false;
    } else {
      return null;
    }
    chars++;
  }
  if (!valid || chars % 4 !== 0 || padding > 2) return undefined;
  return (chars / 4) * 3 - padding;
}

function addText(frame: Open, text: string): void {
  if (text.length === 0) return;
  if (frame.textParts === undefined) frame.textParts = [text];
  else frame.textParts.push(text);
}

function closeFrame(frame: Open): void {
  if (frame.textParts === undefined) return;
  const text = frame.textParts.length === 1 ? frame.textParts[0] : frame.textParts.join('');
  if (frame.el.name === 'Base64Container' && frame.el.ns === NS.BASE64) {
    // Keep the size, drop the (possibly megabytes of) base64 text.
    const size = base64DecodedSize(text);
    if (size !== undefined) frame.el.base64Size = size;
  } else {
    frame.el.text = text;
  }
}
