/*
 * The previous XML reader (fast-xml-parser: validator pass, parser pass, tree built from its output),
 * kept only as the reference the single-pass reader in xml/xml-tree.util.ts is compared with in
 * xml-tree.differential.spec.ts. Not used by library code.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { MessageException, MessageExceptionCode } from '../message.exception';
import { NS } from '../xml/namespaces.constant';
import { XmlElement } from '../xml/xml-element.model';
// Value-level helpers the old reader had in this same form: the comparison is about scanning and
// building the tree, so both readers share them (and the limits).
import { base64DecodedSize, decodeEntities, XML_LIMITS } from '../xml/xml-tree.util';

// Keys fast-xml-parser uses in preserveOrder output.
const ATTRS_KEY = ':@';
const TEXT_KEY = '#text';
const CDATA_KEY = '#cdata';

/*
 * One parser instance is reused: construction is costly and parse() keeps no state between calls.
 * - processEntities off: fast-xml-parser would otherwise expand DOCTYPE entities and HTML entities;
 *   we decode the five predefined entities and character references ourselves (decodeEntities).
 * - trimValues off and cdataPropName set, so mixed content and CDATA survive verbatim.
 * - jPath off: the path matcher costs ~25 % of parse time and we do not use it.
 */
const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  allowBooleanAttributes: false,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  processEntities: false,
  htmlEntities: false,
  cdataPropName: CDATA_KEY,
  commentPropName: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  removeNSPrefix: false,
  maxNestedTags: XML_LIMITS.maxDepth,
  jPath: false,
});

function notWellFormed(reason: string): never {
  throw new MessageException(MessageExceptionCode.NOT_WELL_FORMED, reason);
}

// XML 1.0 Char production, minus what JS strings cannot hold unpaired (checked by the decoder).
const ILLEGAL_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;
const DOCTYPE = /<!DOCTYPE/i;

/**
 * Refuses everything after the root element except whitespace, comments and processing instructions.
 * fast-xml-parser silently drops trailing text, so `<a/>junk` would otherwise pass.
 */
function checkTrailingContent(xml: string): void {
  let end = xml.length;
  for (;;) {
    while (end > 0 && isXmlSpace(xml.charCodeAt(end - 1))) end--;
    if (end === 0) return;
    if (xml.startsWith('-->', end - 3)) {
      const start = xml.lastIndexOf('<!--', end - 3);
      if (start === -1) notWellFormed('Unbalanced comment at end of document');
      end = start;
    } else if (xml.startsWith('?>', end - 2)) {
      const start = xml.lastIndexOf('<?', end - 2);
      if (start === -1) notWellFormed('Unbalanced processing instruction at end of document');
      end = start;
    } else if (xml.charCodeAt(end - 1) === 0x3e /* > */) {
      return;
    } else {
      notWellFormed('Text after the root element');
    }
  }
}

function isXmlSpace(c: number): boolean {
  return c === 0x20 || c === 0x9 || c === 0xa || c === 0xd;
}

function isWhitespaceOnly(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (!isXmlSpace(s.charCodeAt(i))) return false;
  return true;
}

type Scope = Record<string, string>;
type FxpNode = Record<string, unknown>;

interface Frame {
  el: XmlElement;
  nodes: FxpNode[];
  index: number;
  scope: Scope;
  depth: number;
  textParts: string[] | undefined;
  isBase64: boolean;
}

function tagNameOf(node: FxpNode): string | undefined {
  for (const k in node) if (k !== ATTRS_KEY) return k;
  return undefined;
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

/** Creates the element for a parsed node: namespace scope, resolved name, decoded attributes. */
function openElement(qname: string, rawAttrs: Record<string, string> | undefined, parentScope: Scope): { el: XmlElement; scope: Scope } {
  let scope = parentScope;
  if (rawAttrs !== undefined) {
    let count = 0;
    for (const k in rawAttrs) {
      if (++count > XML_LIMITS.maxAttributes) notWellFormed(`Element has more than ${XML_LIMITS.maxAttributes} attributes`);
      if (k === 'xmlns' || k.startsWith('xmlns:')) {
        if (scope === parentScope) scope = Object.create(parentScope) as Scope;
        // Namespace names are compared exactly but trimmed: one public map has a trailing space (guide §7.5).
        scope[k === 'xmlns' ? '' : k.slice(6)] = decodeEntities(rawAttrs[k]).trim();
      }
    }
  }
  const [prefix, local] = splitQName(qname);
  if (local === '' || local.includes(':')) notWellFormed('Malformed qualified element name');
  const el: XmlElement = { ns: resolve(scope, prefix, 'an element'), name: local, attrs: {}, children: [], text: '' };
  if (rawAttrs !== undefined) {
    for (const k in rawAttrs) {
      if (k === 'xmlns' || k.startsWith('xmlns:')) continue;
      const [aPrefix, aLocal] = splitQName(k);
      if (aLocal === '') notWellFormed('Malformed qualified attribute name');
      if (aPrefix !== '') resolve(scope, aPrefix, 'an attribute');
      // Attribute-value normalisation (XML 1.0 §3.3.3): literal tab/CR/LF become spaces; &#10; survives.
      const value = decodeEntities(rawAttrs[k].replace(/[\t\n\r]/g, ' '));
      // An unprefixed attribute wins over a prefixed one with the same local name (V vs xsi:V).
      if (aPrefix === '' || !(aLocal in el.attrs)) el.attrs[aLocal] = value;
    }
  }
  return { el, scope };
}

/**
 * Parses a decoded XML document into a namespace-resolved tree.
 *
 * Refuses (MessageException NOT_WELL_FORMED, message free of content): any DOCTYPE (XXE, entity
 * expansion), characters not allowed in XML, non-well-formed markup, undeclared entities or namespace
 * prefixes, more than one root, text outside the root, nesting deeper than {@link XML_LIMITS.maxDepth},
 * more than {@link XML_LIMITS.maxAttributes} attributes on one element.
 */
export function parseXmlReference(xml: string): XmlElement {
  // A DOCTYPE can only carry trouble here (external entities, billion laughs); no standard we read uses one.
  if (DOCTYPE.test(xml)) notWellFormed('DOCTYPE declarations are not accepted (XXE / entity expansion risk)');
  if (ILLEGAL_CHARS.test(xml)) notWellFormed('Document contains characters not allowed in XML');
  // XML 1.0 §2.11: line ends are normalised before parsing; &#13; references still yield CR.
  if (xml.indexOf('\r') !== -1) xml = xml.replace(/\r\n?/g, '\n');

  let validation: ReturnType<typeof XMLValidator.validate>;
  try {
    validation = XMLValidator.validate(xml, { allowBooleanAttributes: false });
  } catch {
    notWellFormed('XML is not well-formed');
  }
  if (validation !== true) {
    const { code, line, col, msg } = validation.err;
    // Validator texts name tags/attributes only, never content; cut them anyway to bound log lines.
    notWellFormed(`XML is not well-formed (${code} at line ${line}, column ${col}: ${String(msg).slice(0, 120)})`);
  }
  checkTrailingContent(xml);

  let nodes: FxpNode[];
  try {
    nodes = parser.parse(xml) as FxpNode[];
  } catch (e) {
    const text = e instanceof Error ? e.message : '';
    if (text.includes('nested')) notWellFormed(`Elements nested deeper than ${XML_LIMITS.maxDepth} levels`);
    return notWellFormed('XML is not well-formed');
  }
  return buildTree(nodes);
}

function buildTree(top: FxpNode[]): XmlElement {
  const rootScope: Scope = Object.create(null) as Scope;
  rootScope[''] = '';
  rootScope.xml = NS.XML;

  let root: XmlElement | undefined;
  for (const node of top) {
    const tag = tagNameOf(node);
    if (tag === undefined || tag.startsWith('?')) continue;
    if (tag === TEXT_KEY) {
      if (!isWhitespaceOnly(String(node[TEXT_KEY]))) notWellFormed('Text outside the root element');
      continue;
    }
    if (tag === CDATA_KEY) notWellFormed('CDATA outside the root element');
    if (root !== undefined) notWellFormed('More than one root element');
    root = buildElement(node, tag, rootScope);
  }
  if (root === undefined) return notWellFormed('No root element');
  return root;
}

/** Iterative depth-first build, so hostile nesting cannot overflow the JS stack. */
function buildElement(node: FxpNode, tag: string, rootScope: Scope): XmlElement {
  const first = openElement(tag, node[ATTRS_KEY] as Record<string, string> | undefined, rootScope);
  const stack: Frame[] = [newFrame(first.el, node[tag] as FxpNode[], first.scope, 1)];
  const root = first.el;

  while (stack.length > 0) {
    const frame = stack[stack.length - 1];
    if (frame.index >= frame.nodes.length) {
      closeFrame(frame);
      stack.pop();
      continue;
    }
    const child = frame.nodes[frame.index++];
    const childTag = tagNameOf(child);
    if (childTag === undefined || childTag.startsWith('?')) continue;
    if (childTag === TEXT_KEY) {
      addText(frame, decodeEntities(String(child[TEXT_KEY])));
      continue;
    }
    if (childTag === CDATA_KEY) {
      for (const part of child[CDATA_KEY] as FxpNode[]) {
        if (TEXT_KEY in part) addText(frame, String(part[TEXT_KEY]));
      }
      continue;
    }
    if (frame.depth >= XML_LIMITS.maxDepth) notWellFormed(`Elements nested deeper than ${XML_LIMITS.maxDepth} levels`);
    const opened = openElement(childTag, child[ATTRS_KEY] as Record<string, string> | undefined, frame.scope);
    frame.el.children.push(opened.el);
    stack.push(newFrame(opened.el, (child[childTag] as FxpNode[] | undefined) ?? [], opened.scope, frame.depth + 1));
  }
  return root;
}

function newFrame(el: XmlElement, nodes: FxpNode[], scope: Scope, depth: number): Frame {
  return {
    el,
    nodes: Array.isArray(nodes) ? nodes : [],
    index: 0,
    scope,
    depth,
    textParts: undefined,
    isBase64: el.name === 'Base64Container' && el.ns === NS.BASE64,
  };
}

function addText(frame: Frame, text: string): void {
  if (text.length === 0) return;
  if (frame.textParts === undefined) frame.textParts = [text];
  else frame.textParts.push(text);
}

function closeFrame(frame: Frame): void {
  if (frame.textParts === undefined) return;
  const text = frame.textParts.length === 1 ? frame.textParts[0] : frame.textParts.join('');
  if (frame.isBase64) {
    // Keep the size, drop the (possibly megabytes of) base64 text.
    const size = base64DecodedSize(text);
    if (size !== undefined) frame.el.base64Size = size;
  } else {
    frame.el.text = text;
  }
}
