/**
 * parseXml's verdict on small documents at the edges of XML 1.0 and Namespaces in XML 1.0: each
 * row's expected verdict is the specification's (the production named beside it), and one test
 * checks every row against libxml2 (xmllint) as the outside reference. The reader is stricter than
 * XML in three deliberate places (`__proto__` names, the depth and attribute limits); those rows say so.
 */
import { xmllintWellFormed } from '@hub/testing';
import { MessageException, MessageExceptionCode } from '../message.exception';
import { NS } from './namespaces.constant';
import { XmlElement } from './xml-element.model';
import { parseXml, XML_LIMITS } from './xml-tree.util';

type Row = [name: string, xml: string, wellFormed: boolean, check?: (root: XmlElement) => void];

const textOf = (xml: string) => (root: XmlElement) => expect(root.text).toBe(xml);
const attr = (name: string, value: string) => (root: XmlElement) => expect(root.attrs[name]).toBe(value);

/** Character references (XML 1.0 [2] Char, [66] CharRef) at each end of every allowed range. */
const CHARACTERS: Row[] = [
  ['&#x9; &#xA; &#xD; &#x20; (the allowed controls and space)', '<a>&#x9;&#xA;&#xD;&#x20;</a>', true, textOf('\t\n\r ')],
  ['&#x8; (below tab)', '<a>&#x8;</a>', false],
  ['&#xB; (between LF and CR)', '<a>&#xB;</a>', false],
  ['&#xE; (just above CR)', '<a>&#xE;</a>', false],
  ['&#x1F; (just below space)', '<a>&#x1F;</a>', false],
  ['&#xD7FF; (end of the BMP range before the surrogates)', '<a>&#xD7FF;</a>', true, textOf('\uD7FF')],
  ['&#xD800; (a surrogate)', '<a>&#xD800;</a>', false],
  ['&#xDFFF; (the last surrogate)', '<a>&#xDFFF;</a>', false],
  ['&#xE000; (start of the private use area)', '<a>&#xE000;</a>', true, textOf('\uE000')],
  ['&#xFFFD; (the last allowed BMP character)', '<a>&#xFFFD;</a>', true, textOf('\uFFFD')],
  ['&#xFFFE;', '<a>&#xFFFE;</a>', false],
  ['&#xFFFF;', '<a>&#xFFFF;</a>', false],
  ['&#x10000; (the first supplementary character)', '<a>&#x10000;</a>', true, textOf('\u{10000}')],
  ['&#x10FFFF; (the last code point)', '<a>&#x10FFFF;</a>', true, textOf('\u{10FFFF}')],
  ['&#x110000; (beyond Unicode)', '<a>&#x110000;</a>', false],
  ['&#1114111; (decimal 0x10FFFF)', '<a>&#1114111;</a>', true, textOf('\u{10FFFF}')],
  ['&#1114112; (decimal, beyond Unicode)', '<a>&#1114112;</a>', false],
  ['&#230; and &#xe6; (decimal and lower-case hex)', '<a>&#230;&#xe6;</a>', true, textOf('ææ')],
  ['&#; (no digits)', '<a>&#;</a>', false],
  ['&#x; (no hex digits)', '<a>&#x;</a>', false],
  ['&#xG; (not a hex digit)', '<a>&#xG;</a>', false],
  ['&#65 (no semicolon)', '<a>&#65 </a>', false],
  ['&amp;lt; is decoded once', '<a>&amp;lt;</a>', true, textOf('&lt;')],
  ['all five predefined entities', '<a>&lt;&gt;&amp;&apos;&quot;</a>', true, textOf(`<>&'"`)],
  ['&AMP; (entity names are case-sensitive)', '<a>&AMP;</a>', false],
  ['a literal vertical tab', '<a>\u000B</a>', false],
  ['a literal U+001F', '<a>\u001F</a>', false],
  ['a literal U+FFFE', '<a>\uFFFE</a>', false],
  ['a literal U+FFFF', '<a>\uFFFF</a>', false],
  ['a literal tab and a supplementary character', '<a>\t\u{1F600}</a>', true, textOf('\t\u{1F600}')],
];

/** Names (XML 1.0 [4] NameStartChar, [4a] NameChar) and qualified names (Namespaces [7] QName). */
const NAMES: Row[] = [
  ['a name starting with a digit', '<1a/>', false],
  ['a name starting with "-"', '<-a/>', false],
  ['a name starting with "."', '<.a/>', false],
  ['a name starting with "@" (just below "A")', '<@a/>', false],
  ['a name starting with "[" (just above "Z")', '<[a/>', false],
  ['a name starting with "`" (just below "a")', '<`a/>', false],
  ['a name starting with "{" (just above "z")', '<{a/>', false],
  ['a name starting with "×" (U+00D7, excluded)', '<\u00D7/>', false],
  ['a name starting with "÷" (U+00F7, excluded)', '<\u00F7/>', false],
  ['a name starting with U+00BF (below the Latin-1 letters)', '<\u00BF/>', false],
  ['names starting with A, Z, a, z, _, À, é', '<A><Z/><a/><z/><_/><\u00C0/><\u00E9/></A>', true, (r) => expect(r.children.map((c) => c.name)).toEqual(['Z', 'a', 'z', '_', '\u00C0', '\u00E9'])],
  ['name characters: digits, "-", ".", "·" after the first', '<a0-9.b\u00B7c/>', true, (r) => expect(r.name).toBe('a0-9.b\u00B7c')],
  ['a name character that is none ("/" inside a name)', '<a/b/>', false],
  ['a qualified name with two colons', '<p:a:b xmlns:p="urn:p"/>', false],
  ['a prefix with an empty local part', '<p: xmlns:p="urn:p"/>', false],
  ['an attribute with an empty local part', '<a xmlns:p="urn:p" p:="1"/>', false],
];

/** Processing instructions and the XML declaration (XML 1.0 [16] PI, [17] PITarget, [23] XMLDecl). */
const DECLARATIONS: Row[] = [
  ['the full XML declaration', '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><a/>', true],
  ['a declaration in single quotes with standalone="no"', "<?xml version='1.0' encoding='ISO-8859-1' standalone='no'?><a/>", true],
  ['a declaration with spaces around "="', '<?xml version = "1.0" ?><a/>', true],
  ['a declaration without a version', '<?xml encoding="UTF-8"?><a/>', false],
  ['a declaration with standalone="maybe"', '<?xml version="1.0" standalone="maybe"?><a/>', false],
  ['a declaration whose quotes do not match', `<?xml version="1.0'?><a/>`, false],
  ['a declaration with the encoding before the version', '<?xml encoding="UTF-8" version="1.0"?><a/>', false],
  ['an encoding name starting with a digit', '<?xml version="1.0" encoding="8859-1"?><a/>', false],
  ['a declaration inside the root', '<a><?xml version="1.0"?></a>', false],
  ['a declaration after a comment', '<!-- c --><?xml version="1.0"?><a/>', false],
  ['a PI without data', '<a><?pi?></a>', true],
  ['a PI with data', '<a><?pi-x.y some data?></a>', true],
  ['a PI target followed by something other than space', '<a><?pi#?></a>', false],
  ['a PI whose target starts with a space', '<a><? pi?></a>', false],
  ['an unterminated PI', '<a><?pi data</a>', false],
  ['a comment and a PI before and after the root', '<?xml version="1.0"?>\n<!-- c -->\n<?pi x?>\n<a/>\n<!-- d --><?pi y?>', true],
];

/** Markup: comments, CDATA, tags and attributes (XML 1.0 [15], [18]-[21], [40]-[44]). */
const MARKUP: Row[] = [
  ['an unterminated comment', '<a><!-- x </a>', false],
  ['a comment opened with one dash', '<a><!- x --></a>', false],
  ['a markup declaration without a DTD', '<!ELEMENT a ANY><a/>', false],
  ['text around a comment', '<a>x<!--c-->y</a>', true, textOf('xy')],
  ['CDATA outside the root', '<![CDATA[x]]><a/>', false],
  ['an unterminated CDATA section', '<a><![CDATA[x</a>', false],
  ['CDATA kept verbatim', '<a><![CDATA[<b>&amp;]]]></a>', true, textOf('<b>&amp;]')],
  ['an empty CDATA section', '<a><![CDATA[]]></a>', true, textOf('')],
  ['attributes not separated by white space', '<a b="1"c="2"/>', false],
  ['white space around "=" and before "/>"', '<a b = "1"\n\tc="2" />', true, (r) => expect(r.attrs).toEqual({ b: '1', c: '2' })],
  ['a single-quoted value holding a double quote', `<a b='x"y'/>`, true, attr('b', 'x"y')],
  ['a double-quoted value holding a single quote', `<a b="x'y"/>`, true, attr('b', "x'y")],
  ['"<" in a value', '<a b="<"/>', false],
  ['">" in a value', '<a b=">"/>', true, attr('b', '>')],
  ['an unterminated value', '<a b="1/>', false],
  ['an attribute without "="', '<a b/>', false],
  ['an attribute with "=" and no value', '<a b=/>', false],
  ['a start tag cut off after a value', '<a b="1"', false],
  ['a start tag cut off after its name', '<a', false],
  ['a start tag cut off after white space', '<a ', false],
  ['references in a value, and literal tab, CR and LF normalised to spaces', '<a b="&lt;&#9;x\ty\r\nz&#10;"/>', true, attr('b', '<\tx y z\n')],
  ['an end tag with white space before ">"', '<a></a \n>', true],
  ['an end tag with an attribute', '<a></a x="1">', false],
  ['an end tag cut off', '<a></a', false],
  ['an end tag of another element', '<a><b></c></a>', false],
  ['an end tag whose name extends the start tag\'s', '<a></ab>', false],
  ['an end tag without a start tag', '</a>', false],
  ['an element left open', '<a><b/>', false],
  ['white space around the root', ' \n\t<a/>\r\n ', true],
  ['no root, only a comment', '<!-- only -->', false],
  ['an empty document', '', false],
  ['text after the root', '<a/> x', false],
];

/** Namespaces in XML 1.0: declarations, scope, defaulting, the predeclared xml prefix. */
const NAMESPACES: Row[] = [
  ['a prefix declared on the parent', '<a xmlns:p="urn:p"><p:b/></a>', true, (r) => expect(r.children[0]).toMatchObject({ ns: 'urn:p', name: 'b' })],
  ['a prefix declared on a sibling does not reach the next sibling', '<a><b xmlns:p="urn:p"/><p:c/></a>', false],
  ['a prefix declared on the element itself', '<p:a xmlns:p="urn:p"/>', true, (r) => expect(r.ns).toBe('urn:p')],
  ['a default namespace inherited, and undeclared on a child', '<a xmlns="urn:d"><b/><c xmlns=""><d/></c></a>', true, (r) => {
    expect(r.ns).toBe('urn:d');
    expect(r.children.map((c) => c.ns)).toEqual(['urn:d', '']);
    expect(r.children[1].children[0].ns).toBe('');
  }],
  ['a redeclared prefix on a child, the outer one back after it', '<a xmlns:p="urn:1"><b xmlns:p="urn:2"><p:c/></b><p:d/></a>', true, (r) => {
    expect(r.children[0].children[0].ns).toBe('urn:2');
    expect(r.children[1].ns).toBe('urn:1');
  }],
  ['a namespace name with a reference in it', '<p:a xmlns:p="urn:x&amp;y"/>', true, (r) => expect(r.ns).toBe('urn:x&y')],
  ['the xml prefix, predeclared', '<a xml:lang="nb"/>', true, (r) => expect(r.attrs).toEqual({ lang: 'nb' })],
  ['an unprefixed attribute wins over a prefixed one of the same local name, in either order', '<a xmlns:p="urn:p"><b p:v="1" v="2"/><c v="2" p:v="1"/></a>', true, (r) => {
    expect(r.children.map((c) => c.attrs.v)).toEqual(['2', '2']);
  }],
  ['namespace declarations are not attributes', '<a xmlns="urn:d" xmlns:p="urn:p" p:x="1"/>', true, (r) => expect(r.attrs).toEqual({ x: '1' })],
];

/** Where the reader is deliberately stricter than XML 1.0 (libxml2 accepts these). */
const STRICTER: Row[] = [
  ['an element named __proto__', '<__proto__/>', false],
  ['an attribute named __proto__', '<a __proto__="1"/>', false],
  ['a prefixed attribute named __proto__', '<a xmlns:p="urn:p" p:__proto__="1"/>', false],
  [`${XML_LIMITS.maxDepth + 1} levels`, '<a>'.repeat(XML_LIMITS.maxDepth + 1) + '</a>'.repeat(XML_LIMITS.maxDepth + 1), false],
  [`${XML_LIMITS.maxAttributes + 1} attributes`, `<a ${Array.from({ length: XML_LIMITS.maxAttributes + 1 }, (_, i) => `a${i}="1"`).join(' ')}/>`, false],
];

const AT_THE_LIMIT: Row[] = [
  [`${XML_LIMITS.maxAttributes} attributes`, `<a ${Array.from({ length: XML_LIMITS.maxAttributes }, (_, i) => `a${i}="${i}"`).join(' ')}/>`, true, (r) => {
    expect(Object.keys(r.attrs)).toHaveLength(XML_LIMITS.maxAttributes);
    expect(r.attrs[`a${XML_LIMITS.maxAttributes - 1}`]).toBe(String(XML_LIMITS.maxAttributes - 1));
  }],
  [`${XML_LIMITS.maxDepth} levels`, '<a>'.repeat(XML_LIMITS.maxDepth) + '</a>'.repeat(XML_LIMITS.maxDepth), true],
];

const ROWS: Row[] = [...CHARACTERS, ...NAMES, ...DECLARATIONS, ...MARKUP, ...NAMESPACES, ...AT_THE_LIMIT];

function verdict(xml: string): { root?: XmlElement; refusal?: MessageException } {
  try {
    return { root: parseXml(xml) };
  } catch (e) {
    if (!(e instanceof MessageException)) throw e;
    return { refusal: e };
  }
}

describe('parseXml at the edges of XML 1.0', () => {
  /** Each row's verdict and tree checks; the names of the rows that fail. */
  const failing = (rows: Row[]): string[] =>
    rows
      .filter(([, xml, wellFormed, check]) => {
        const { root, refusal } = verdict(xml);
        if (!wellFormed) return refusal?.code !== MessageExceptionCode.NOT_WELL_FORMED;
        if (refusal) return true;
        try {
          check?.(root!);
          return false;
        } catch {
          return true;
        }
      })
      .map(([name]) => name);

  it('character references and literal characters', () => expect(failing(CHARACTERS)).toEqual([]));
  it('names and qualified names', () => expect(failing(NAMES)).toEqual([]));
  it('the XML declaration and processing instructions', () => expect(failing(DECLARATIONS)).toEqual([]));
  it('comments, CDATA, tags and attributes', () => expect(failing(MARKUP)).toEqual([]));
  it('namespaces', () => expect(failing(NAMESPACES)).toEqual([]));
  it('the depth and attribute limits, at and past them', () => expect(failing(AT_THE_LIMIT)).toEqual([]));

  it.each(STRICTER)('refuses, though XML allows it: %s', (_name, xml) => {
    expect(verdict(xml).refusal?.code).toBe(MessageExceptionCode.NOT_WELL_FORMED);
  });

  it('names the line and column of the fault in its refusal, and nothing of the content', () => {
    const { refusal } = verdict('<a>\n  <b>Kari Nordmann</c></a>');
    expect(refusal?.message).toContain('line 2, column 19');
    expect(refusal?.message).not.toContain('Kari');
    expect(verdict('<a><b></a>').refusal?.message).toContain('line 1, column 7');
    expect(verdict('<a>\r\n<b x="1"y="2"/></a>').refusal?.message).toContain('line 2, column 9');
  });
});

describe('parseXml: attachments (b64:Base64Container) keep only their decoded size', () => {
  const container = (xml: string) => parseXml(`<r xmlns:b="${NS.BASE64}">${xml}</r>`).children[0];

  it.each([
    ['plain base64', '<b:Base64Container>QUJD</b:Base64Container>', 3],
    ['base64 with line breaks and padding', '<b:Base64Container>\n  SGVs\n  bG8=\n</b:Base64Container>', 5],
    ['two padding characters', '<b:Base64Container>QQ==</b:Base64Container>', 1],
    ['base64 split by a comment (read as ordinary text, then measured)', '<b:Base64Container>SGVs<!-- c -->bG8=</b:Base64Container>', 5],
    ['base64 with a character reference for a line break', '<b:Base64Container>SGVs&#10;bG8=</b:Base64Container>', 5],
    ['an empty container', '<b:Base64Container></b:Base64Container>', undefined],
  ])('%s', (_name, xml, size) => {
    const el = container(xml);
    expect(el.text).toBe('');
    expect(el.base64Size).toBe(size);
  });

  it.each([
    ['padding in the middle', 'QU=I'],
    ['a length that is no multiple of four', 'QUJDR'],
    ['three padding characters', 'Q==='],
  ])('no size for text that is not base64: %s', (_name, body) => {
    for (const el of [container(`<b:Base64Container>${body}</b:Base64Container>`), container(`<b:Base64Container>${body}<!-- c --></b:Base64Container>`)]) {
      expect(el.text).toBe('');
      expect(el.base64Size).toBeUndefined();
    }
  });

  it('reads a container whose content is not plain text as ordinary content, and refuses a wrong end tag', () => {
    const el = container('<b:Base64Container>QUJD<b:x/>QUJD</b:Base64Container>');
    expect(el.children.map((c) => c.name)).toEqual(['x']);
    expect(el.base64Size).toBe(6);
    expect(verdict(`<r xmlns:b="${NS.BASE64}"><b:Base64Container>QUJD</b:Base64ContainerX></r>`).refusal?.code).toBe(MessageExceptionCode.NOT_WELL_FORMED);
    expect(verdict(`<r xmlns:b="${NS.BASE64}"><b:Base64Container>QUJD</b:Base64Containe></r>`).refusal?.code).toBe(MessageExceptionCode.NOT_WELL_FORMED);
  });

  it('keeps the text of an element of that name in another namespace', () => {
    const el = parseXml('<r><Base64Container>QUJD</Base64Container></r>').children[0];
    expect(el.text).toBe('QUJD');
    expect(el.base64Size).toBeUndefined();
  });
});

describe('the rows above against libxml2', () => {
  it('xmllint gives each row the verdict the row expects (outside reference for the table)', () => {
    const disagreements = ROWS.filter(([, xml, wellFormed]) => xmllintWellFormed(xml) !== wellFormed).map(([name]) => name);
    expect(disagreements).toEqual([]);
    expect(STRICTER.filter(([, xml]) => !xmllintWellFormed(xml)).map(([name]) => name)).toEqual([]);
  });
});
