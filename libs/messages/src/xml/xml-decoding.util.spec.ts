import * as iconv from 'iconv-lite';
import { MessageException, MessageExceptionCode } from '../message.exception';
import { decodeXmlBytes } from './xml-decoding.util';

function expectNotWellFormed(fn: () => unknown): MessageException {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(MessageException);
    expect((e as MessageException).code).toBe(MessageExceptionCode.NOT_WELL_FORMED);
    return e as MessageException;
  }
  throw new Error('expected NOT_WELL_FORMED');
}

describe('decodeXmlBytes', () => {
  const body = '<a>Blåbær, Ørsta, æøå ÆØÅ</a>';

  it('decodes ISO-8859-1 bytes with æøå by the declaration', () => {
    const bytes = Buffer.concat([Buffer.from('<?xml version="1.0" encoding="ISO-8859-1"?>'), iconv.encode(body, 'latin1')]);
    expect(bytes.includes(Buffer.from('æ', 'utf8'))).toBe(false); // really single-byte
    const decoded = decodeXmlBytes(bytes);
    expect(decoded.encoding).toBe('iso-8859-1');
    expect(decoded.text).toContain('Blåbær, Ørsta, æøå ÆØÅ');
    expect(decoded.warnings).toEqual([]);
  });

  it('accepts the declaration label case-insensitively and with single quotes', () => {
    const bytes = Buffer.concat([Buffer.from("<?xml version='1.0' encoding='iso-8859-1'?>"), iconv.encode(body, 'latin1')]);
    expect(decodeXmlBytes(bytes).text).toContain('æøå');
  });

  it('decodes windows-1252 (euro sign, curly quotes)', () => {
    const text = '<a>“100 €”</a>';
    const bytes = Buffer.concat([Buffer.from('<?xml version="1.0" encoding="windows-1252"?>'), iconv.encode(text, 'win1252')]);
    expect(decodeXmlBytes(bytes).text).toContain('“100 €”');
  });

  it('treats ISO-8859-1 with C1 bytes as windows-1252, with a warning', () => {
    const bytes = Buffer.concat([Buffer.from('<?xml version="1.0" encoding="ISO-8859-1"?>'), iconv.encode('<a>€ æ</a>', 'win1252')]);
    const decoded = decodeXmlBytes(bytes);
    expect(decoded.text).toContain('€ æ');
    expect(decoded.encoding).toBe('windows-1252');
    expect(decoded.warnings).toHaveLength(1);
  });

  it('defaults to UTF-8 without a declaration, also with leading whitespace', () => {
    expect(decodeXmlBytes(Buffer.from(`  \n${body}`, 'utf8')).text).toContain('æøå');
  });

  it('strips a UTF-8 BOM and lets it win over a conflicting declaration', () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`<?xml version="1.0" encoding="ISO-8859-1"?>${body}`, 'utf8')]);
    const decoded = decodeXmlBytes(bytes);
    expect(decoded.text.startsWith('<?xml')).toBe(true);
    expect(decoded.text).toContain('æøå');
    expect(decoded.warnings).toHaveLength(1);
  });

  it('decodes UTF-16LE with BOM', () => {
    const bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), iconv.encode(`<?xml version="1.0" encoding="UTF-16"?>${body}`, 'utf16le')]);
    const decoded = decodeXmlBytes(bytes);
    expect(decoded.encoding).toBe('utf-16le');
    expect(decoded.text).toContain('æøå');
  });

  it('decodes UTF-16BE with BOM, and both byte orders without a BOM from "<?" (XML 1.0 appendix F.1)', () => {
    const xml = `<?xml version="1.0" encoding="UTF-16"?>${body}`;
    const be = Buffer.from(iconv.encode(xml, 'utf16le')).swap16();
    expect(decodeXmlBytes(Buffer.concat([Buffer.from([0xfe, 0xff]), be]))).toMatchObject({ encoding: 'utf-16be', text: xml });
    expect(decodeXmlBytes(be)).toMatchObject({ encoding: 'utf-16be', text: xml });
    expect(decodeXmlBytes(iconv.encode(xml, 'utf16le'))).toMatchObject({ encoding: 'utf-16le', text: xml });
  });

  it('refuses UTF-16 of odd length or with an unpaired surrogate (high or low, either byte order); keeps pairs and a U+FFFD the sender wrote', () => {
    const utf16 = (text: string, order: 'le' | 'be'): Buffer => {
      const le = Buffer.from(iconv.encode(text, 'utf16le'));
      return Buffer.concat([Buffer.from(order === 'le' ? [0xff, 0xfe] : [0xfe, 0xff]), order === 'le' ? le : le.swap16()]);
    };
    expect(expectNotWellFormed(() => decodeXmlBytes(Buffer.concat([utf16('<a>x</a>', 'le'), Buffer.from([0x41])]))).message).toContain('odd length');
    for (const order of ['le', 'be'] as const) {
      for (const broken of ['<a>\uD800</a>', '<a>\uDC00</a>', '<a>\uDE00\uD83D</a>', '<a>x\uD83D']) {
        expect(expectNotWellFormed(() => decodeXmlBytes(utf16(broken, order))).message).toBe('Message bytes are not valid UTF-16');
      }
      for (const fine of ['<a>\uD83D\uDE00</a>', '<a>\uFFFD</a>']) expect(decodeXmlBytes(utf16(fine, order)).text).toBe(fine);
    }
  });

  it('refuses invalid UTF-8 (ISO-8859-1 bytes without a declaration)', () => {
    expectNotWellFormed(() => decodeXmlBytes(iconv.encode(body, 'latin1')));
  });

  it('refuses an unknown encoding without echoing anything but the label', () => {
    const e = expectNotWellFormed(() => decodeXmlBytes(Buffer.from('<?xml version="1.0" encoding="EBCDIC-XY"?><a>Kari 13116900216</a>')));
    expect(e.message).toContain('ebcdic-xy');
    expect(e.message).not.toMatch(/Kari|13116900216/);
  });

  it('refuses a label that names an Object.prototype property', () => {
    expectNotWellFormed(() => decodeXmlBytes(Buffer.from('<?xml version="1.0" encoding="constructor"?><a/>')));
  });

  it('refuses a UTF-16 declaration on ASCII bytes, and empty input', () => {
    expectNotWellFormed(() => decodeXmlBytes(Buffer.from('<?xml version="1.0" encoding="UTF-16"?><a/>')));
    expectNotWellFormed(() => decodeXmlBytes(Buffer.alloc(0)));
  });
});

describe('decodeXmlBytes: byte-order marks', () => {
  it.each([
    ['UTF-8', [0xef, 0xbb, 0xbf], 'utf-8'],
    ['UTF-16LE', [0xff, 0xfe], 'utf-16le'],
    ['UTF-16BE', [0xfe, 0xff], 'utf-16be'],
  ])('a %s byte-order mark alone is an empty text in that encoding', (_label, bom, encoding) => {
    expect(decodeXmlBytes(Buffer.from(bom))).toStrictEqual({ text: '', encoding, warnings: [] });
  });

  it('a UTF-8 byte-order mark is not part of the text; a declaration that agrees, or none, gives no warning', () => {
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    const declared = '<?xml version="1.0" encoding="utf-8"?><a>æ</a>';
    expect(decodeXmlBytes(Buffer.concat([bom, Buffer.from(declared, 'utf8')]))).toStrictEqual({ text: declared, encoding: 'utf-8', warnings: [] });
    expect(decodeXmlBytes(Buffer.concat([bom, Buffer.from('<a>æ</a>', 'utf8')]))).toStrictEqual({ text: '<a>æ</a>', encoding: 'utf-8', warnings: [] });
    // A label we do not know is no conflict the byte-order mark could override.
    expect(decodeXmlBytes(Buffer.concat([bom, Buffer.from('<?xml version="1.0" encoding="ebcdic"?><a/>', 'utf8')])).warnings).toEqual([]);
  });

  it('only the first byte-order mark is removed: a second U+FEFF is text (which the XML reader then refuses)', () => {
    const twice = '\uFEFF<a/>';
    expect(decodeXmlBytes(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(twice, 'utf8')])).text).toBe(twice);
    expect(decodeXmlBytes(Buffer.concat([Buffer.from([0xff, 0xfe]), iconv.encode(twice, 'utf16le')])).text).toBe(twice);
    expect(decodeXmlBytes(Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(iconv.encode(twice, 'utf16le')).swap16()])).text).toBe(twice);
  });

  it('after a UTF-8 byte-order mark, a declaration without encoding, or with one beyond the first 256 characters, is no conflict', () => {
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    expect(decodeXmlBytes(Buffer.concat([bom, Buffer.from('<?xml version="1.0"?><a/>', 'utf8')])).warnings).toEqual([]);
    const late = `<?xml version="1.0"${' '.repeat(240)}encoding="ISO-8859-1"?><a/>`;
    expect(decodeXmlBytes(Buffer.concat([bom, Buffer.from(late, 'utf8')])).warnings).toEqual([]);
  });

  it('a UTF-8 byte-order mark over another declared encoding wins, with a warning naming both', () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('<?xml version="1.0" encoding="Windows-1252"?><a/>', 'utf8')]);
    expect(decodeXmlBytes(bytes).warnings).toEqual(["Byte-order mark (utf-8) overrides declared encoding 'windows-1252'"]);
  });

  it('a UTF-8 byte-order mark before bytes that are not UTF-8 → NOT_WELL_FORMED', () => {
    const e = expectNotWellFormed(() => decodeXmlBytes(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), iconv.encode('<a>æ</a>', 'latin1')])));
    expect(e.message).toBe('Message bytes are not valid UTF-8 (declared or default encoding)');
  });

  it('the UTF-16LE byte-order mark is not part of the text', () => {
    const xml = '<?xml version="1.0" encoding="UTF-16"?><a>æ</a>';
    expect(decodeXmlBytes(Buffer.concat([Buffer.from([0xff, 0xfe]), iconv.encode(xml, 'utf16le')]))).toStrictEqual({
      text: xml,
      encoding: 'utf-16le',
      warnings: [],
    });
  });

  it('"<?" in UTF-16 without a byte-order mark is recognised from its first four bytes alone', () => {
    expect(decodeXmlBytes(Buffer.from([0x3c, 0, 0x3f, 0]))).toStrictEqual({ text: '<?', encoding: 'utf-16le', warnings: [] });
    expect(decodeXmlBytes(Buffer.from([0, 0x3c, 0, 0x3f]))).toStrictEqual({ text: '<?', encoding: 'utf-16be', warnings: [] });
  });

  it('UTF-8 text whose bytes only partly look like "<?" in UTF-16 stays UTF-8', () => {
    for (const bytes of [
      [0x3c, 0, 0x3f, 0x41],
      [0x3c, 0, 0x41, 0],
      [0x3c, 0x41, 0x3f, 0],
      [0x41, 0, 0x3f, 0],
      [0, 0x3c, 0, 0x41],
      [0, 0x3c, 0x41, 0x3f],
      [0, 0x41, 0, 0x3f],
      [0x41, 0x3c, 0, 0x3f],
    ]) {
      expect(decodeXmlBytes(Buffer.from(bytes))).toStrictEqual({ text: Buffer.from(bytes).toString('utf8'), encoding: 'utf-8', warnings: [] });
    }
  });

  it('bytes that only partly match a byte-order mark are not one', () => {
    // The UTF-8 mark needs all three of 0xEF 0xBB 0xBF: "a¿" ends in 0xBF, U+0EFF is 0xE0 0xBB 0xBF, U+F03F is 0xEF 0x80 0xBF.
    for (const text of ['a\u00bf', '\u0eff', '\uf03f']) {
      expect(decodeXmlBytes(Buffer.from(text, 'utf8'))).toMatchObject({ text, encoding: 'utf-8' });
    }
    expect(expectNotWellFormed(() => decodeXmlBytes(Buffer.from([0xef, 0xbb, 0x41]))).message).toBe(
      'Message bytes are not valid UTF-8 (declared or default encoding)',
    );
    for (const bytes of [
      [0xff, 0x41],
      [0x41, 0xfe],
      [0xfe, 0x41],
      [0x41, 0xff],
    ]) {
      expectNotWellFormed(() => decodeXmlBytes(Buffer.from(bytes)));
    }
  });
});

describe('decodeXmlBytes: the XML declaration', () => {
  const latin1Body = iconv.encode('<a>æøå</a>', 'latin1');

  it('a declaration without encoding means UTF-8', () => {
    expect(decodeXmlBytes(Buffer.from('<?xml version="1.0"?><a>æ</a>', 'utf8'))).toStrictEqual({
      text: '<?xml version="1.0"?><a>æ</a>',
      encoding: 'utf-8',
      warnings: [],
    });
  });

  it.each([
    ['US-ASCII', 'utf-8'],
    ['UTF8', 'utf-8'],
    ['latin1', 'iso-8859-1'],
    ['CP1252', 'windows-1252'],
  ])('the label %s is read as %s', (label, encoding) => {
    expect(decodeXmlBytes(Buffer.from(`<?xml version="1.0" encoding="${label}"?><a>x</a>`)).encoding).toBe(encoding);
  });

  it('declared windows-1252 is decoded as windows-1252 without a warning', () => {
    const bytes = Buffer.concat([Buffer.from('<?xml version="1.0" encoding="windows-1252"?>'), iconv.encode('<a>€ æ</a>', 'win1252')]);
    expect(decodeXmlBytes(bytes)).toStrictEqual({ text: '<?xml version="1.0" encoding="windows-1252"?><a>€ æ</a>', encoding: 'windows-1252', warnings: [] });
  });

  it('declared ISO-8859-1 switches to windows-1252 at the first byte in 0x80-0x9F, and only then', () => {
    const declared = (byte: number): Buffer =>
      Buffer.concat([Buffer.from('<?xml version="1.0" encoding="ISO-8859-1"?><a>'), Buffer.from([byte]), Buffer.from('</a>')]);
    for (const [byte, char] of [
      [0x80, '€'],
      [0x9f, 'Ÿ'],
    ] as const) {
      const decoded = decodeXmlBytes(declared(byte));
      expect(decoded).toMatchObject({ encoding: 'windows-1252', warnings: ['Declared ISO-8859-1 but bytes 0x80-0x9F occur; decoded as windows-1252'] });
      expect(decoded.text).toContain(`<a>${char}</a>`);
    }
    for (const [byte, char] of [
      [0x7f, '\u007f'],
      [0xa0, '\u00a0'],
      [0xff, 'ÿ'],
    ] as const) {
      expect(decodeXmlBytes(declared(byte))).toMatchObject({ encoding: 'iso-8859-1', warnings: [] });
      expect(decodeXmlBytes(declared(byte)).text).toContain(`<a>${char}</a>`);
    }
  });

  it('the declaration is looked for in the first 256 bytes only', () => {
    const decl = (spaces: number): Buffer => Buffer.concat([Buffer.from(`<?xml version="1.0"${' '.repeat(spaces)}encoding="ISO-8859-1"?>`), latin1Body]);
    // 19 + 224 spaces + 'encoding="ISO-8859-1"' (21) = 264 > 256: the label ends 8 bytes too late.
    expect(decodeXmlBytes(decl(200)).encoding).toBe('iso-8859-1');
    expectNotWellFormed(() => decodeXmlBytes(decl(224)));
  });

  it('an unknown label → NOT_WELL_FORMED naming the label in lower case', () => {
    expect(expectNotWellFormed(() => decodeXmlBytes(Buffer.from('<?xml version="1.0" encoding="KOI8-R"?><a/>'))).message).toBe(
      "Unsupported character encoding 'koi8-r' in the XML declaration",
    );
  });

  it('a UTF-16 declaration on bytes that are not UTF-16 → NOT_WELL_FORMED saying so', () => {
    expect(expectNotWellFormed(() => decodeXmlBytes(Buffer.from('<?xml version="1.0" encoding="utf-16"?><a/>'))).message).toBe(
      'XML declaration says UTF-16 but the bytes are not UTF-16',
    );
  });

  it('empty input → NOT_WELL_FORMED "Message is empty"', () => {
    expect(expectNotWellFormed(() => decodeXmlBytes(Buffer.alloc(0))).message).toBe('Message is empty');
  });

  it('an odd number of UTF-16 bytes after a byte-order mark is refused in either byte order', () => {
    for (const bom of [
      [0xff, 0xfe],
      [0xfe, 0xff],
    ]) {
      expect(expectNotWellFormed(() => decodeXmlBytes(Buffer.from([...bom, 0x3c, 0, 0x61]))).message).toBe('Message bytes are not valid UTF-16 (odd length)');
    }
    expect(expectNotWellFormed(() => decodeXmlBytes(Buffer.from([0x3c, 0, 0x3f, 0, 0x61]))).message).toBe('Message bytes are not valid UTF-16 (odd length)');
  });
});
