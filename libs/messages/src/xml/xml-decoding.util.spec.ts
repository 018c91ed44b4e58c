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
