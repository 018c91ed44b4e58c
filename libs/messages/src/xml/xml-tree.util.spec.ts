import { MessageException, MessageExceptionCode } from '../message.exception';
import { NS } from './namespaces.constant';
import { child, children, coded, path, text, timeValue } from './xml-navigation.util';
import { base64DecodedSize, decodeEntities, parseXml, XML_LIMITS } from './xml-tree.util';

function refused(xml: string): string {
  try {
    parseXml(xml);
  } catch (e) {
    expect(e).toBeInstanceOf(MessageException);
    expect((e as MessageException).code).toBe(MessageExceptionCode.NOT_WELL_FORMED);
    return (e as MessageException).message;
  }
  throw new Error('expected NOT_WELL_FORMED');
}

describe('parseXml: refusals', () => {
  it('refuses XXE via an external entity', () => {
    const msg = refused('<?xml version="1.0"?><!DOCTYPE a [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><a>&xxe;</a>');
    expect(msg).toMatch(/DOCTYPE/);
  });

  it('refuses billion laughs quickly', () => {
    const lol = '<!DOCTYPE lolz [<!ENTITY lol "lol">' + Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i || ''};`.repeat(10)}">`).join('') + ']><lolz>&lol9;</lolz>';
    const started = Date.now();
    expect(refused(lol)).toMatch(/DOCTYPE/);
    expect(Date.now() - started).toBeLessThan(200);
  });

  it('refuses any DOCTYPE, even a harmless one or in lower case', () => {
    refused('<!DOCTYPE a><a/>');
    refused('<!doctype a><a/>');
  });

  it.each([
    ['unclosed element', '<a><b></a>'],
    ['no root', '   '],
    ['two roots', '<a/><b/>'],
    ['text after the root', '<a/>trailing'],
    ['text after root hidden before a comment', '<a/>x<!-- c -->'],
    ['text before the root', 'x<a/>'],
    ['declaration not first', ' <?xml version="1.0"?><a/>'],
    ['undeclared entity', '<a>&nbsp;</a>'],
    ['bare ampersand', '<a>fish & chips</a>'],
    ['NUL character reference', '<a>&#0;</a>'],
    ['raw control character', '<a>\u0001</a>'],
    ['undeclared element prefix', '<x:a/>'],
    ['undeclared attribute prefix', '<a x:b="1"/>'],
    ['duplicate attribute', '<a b="1" b="2"/>'],
    ['unquoted attribute', '<a b=1/>'],
    ['__proto__ element', '<__proto__/>'],
  ])('refuses %s', (_name, xml) => {
    refused(xml);
  });

  it(`refuses nesting deeper than ${XML_LIMITS.maxDepth} without overflowing the stack`, () => {
    const deep = '<a>'.repeat(100_000) + '</a>'.repeat(100_000);
    expect(refused(deep)).toMatch(/nested/);
    const ok = '<a>'.repeat(XML_LIMITS.maxDepth - 1) + '</a>'.repeat(XML_LIMITS.maxDepth - 1);
    expect(() => parseXml(ok)).not.toThrow();
  });

  it(`refuses more than ${XML_LIMITS.maxAttributes} attributes on one element`, () => {
    const attrs = Array.from({ length: 5000 }, (_, i) => `a${i}="1"`).join(' ');
    expect(refused(`<a ${attrs}/>`)).toMatch(/attributes/);
  });
});

describe('parseXml: tree', () => {
  it('resolves prefixes and default namespaces by scope, trims namespace names', () => {
    const root = parseXml(
      `<p3:Root xmlns:p3="urn:msg " xmlns="urn:po" xmlns:fk1="${NS.FK1}"><Child V="1"><fk1:Id>42</fk1:Id></Child><x xmlns=""/></p3:Root>`,
    );
    expect(root).toMatchObject({ ns: 'urn:msg', name: 'Root' });
    const c = child(root, 'urn:po', 'Child');
    expect(c?.attrs).toEqual({ V: '1' });
    expect(text(child(c, NS.FK1, 'Id'))).toBe('42');
    expect(child(root, '', 'x')).toBeDefined();
    expect(root.attrs).toEqual({});
  });

  it('keeps element order and mixed content', () => {
    const root = parseXml('<a>one<b/>two<c/>three</a>');
    expect(root.children.map((c) => c.name)).toEqual(['b', 'c']);
    expect(root.text).toBe('onetwothree');
  });

  it('decodes the predefined entities and character references, keeps CDATA verbatim', () => {
    const root = parseXml('<a t="&lt;&amp;&#10;x&#xE6;">&quot;&apos;&#13;&#10;&#xE6;<![CDATA[&lt;raw>]]></a>');
    expect(root.attrs.t).toBe('<&\nxæ');
    expect(root.text).toBe('"\'\r\næ&lt;raw>');
  });

  it('normalises literal line ends and attribute whitespace', () => {
    const root = parseXml('<a b="x\r\ny">l1\r\nl2\rl3</a>');
    expect(root.attrs.b).toBe('x y');
    expect(root.text).toBe('l1\nl2\nl3');
  });

  it('treats empty text and empty attributes as absent', () => {
    const root = parseXml('<a V=" "><b>  </b><c/></a>');
    expect(text(child(root, '', 'b'))).toBeUndefined();
    expect(coded(root)).toBeUndefined();
  });

  it('accepts comments and PIs after the root', () => {
    expect(parseXml('<a/><!-- trailing --> <?pi x?>\n').name).toBe('a');
  });

  it('navigates paths and repeated children; reads TS from @V or text', () => {
    const root = parseXml('<r><a><b V="2018-01-01"/></a><a><b>2018-02-02</b></a></r>');
    expect(children(root, '', 'a')).toHaveLength(2);
    expect(timeValue(path(root, '', 'a', 'b'))).toBe('2018-01-01');
    expect(timeValue(child(children(root, '', 'a')[1], '', 'b'))).toBe('2018-02-02');
  });

  it('keeps only the decoded size of b64:Base64Container', () => {
    const root = parseXml(`<r><Base64Container xmlns="${NS.BASE64}">SGVs\nbG8=</Base64Container></r>`);
    const container = root.children[0];
    expect(container.text).toBe('');
    expect(container.base64Size).toBe(5);
  });
});

describe('helpers', () => {
  it('decodeEntities refuses unknown entities', () => {
    expect(decodeEntities('a &amp; b')).toBe('a & b');
    expect(() => decodeEntities('&foo;')).toThrow(MessageException);
  });

  it('base64DecodedSize', () => {
    expect(base64DecodedSize('')).toBe(0);
    expect(base64DecodedSize('QQ==')).toBe(1);
    expect(base64DecodedSize('QUI=')).toBe(2);
    expect(base64DecodedSize('QUJD')).toBe(3);
    expect(base64DecodedSize('QU=I')).toBeUndefined();
    expect(base64DecodedSize('QUJ')).toBeUndefined();
  });
});
