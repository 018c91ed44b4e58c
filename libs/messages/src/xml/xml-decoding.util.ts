import * as iconv from 'iconv-lite';
import { MessageException, MessageExceptionCode } from '../message.exception';
import { lookup } from '../values/value-normalization.util';

/** Result of turning received bytes into a JS string. */
export interface DecodedXml {
  text: string;
  /** Canonical name of the encoding actually used (utf-8, iso-8859-1, windows-1252, utf-16le, utf-16be). */
  encoding: string;
  /** Non-fatal findings, free of message content. */
  warnings: string[];
}

type Charset = 'utf-8' | 'iso-8859-1' | 'windows-1252' | 'utf-16le' | 'utf-16be';

/**
 * Encoding labels we accept in the XML declaration. Senders are required to handle UTF-8 and
 * ISO-8859-1 (PLO acceptance tests); windows-1252 is the common mislabelled variant (guide §5.1).
 * Anything else is refused rather than guessed, because a wrong guess corrupts names and diagnoses silently.
 */
const LABELS: Record<string, Charset> = {
  'utf-8': 'utf-8',
  utf8: 'utf-8',
  'us-ascii': 'utf-8',
  ascii: 'utf-8',
  'iso-8859-1': 'iso-8859-1',
  'iso8859-1': 'iso-8859-1',
  'iso_8859-1': 'iso-8859-1',
  latin1: 'iso-8859-1',
  'latin-1': 'iso-8859-1',
  l1: 'iso-8859-1',
  'windows-1252': 'windows-1252',
  cp1252: 'windows-1252',
  'x-cp1252': 'windows-1252',
  'utf-16': 'utf-16le',
};

// The declaration must be the very first thing in the entity; we only read its ASCII bytes.
const DECLARATION = /^<\?xml[ \t\r\n]+version[ \t\r\n]*=[ \t\r\n]*(["'])1\.[0-9]+\1(?:[ \t\r\n]+encoding[ \t\r\n]*=[ \t\r\n]*(["'])([A-Za-z][A-Za-z0-9._-]*)\2)?/;

const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function fail(reason: string): never {
  throw new MessageException(MessageExceptionCode.NOT_WELL_FORMED, reason);
}

function hasC1Bytes(bytes: Buffer, from: number): boolean {
  for (let i = from; i < bytes.length; i++) {
    const b = bytes[i];
    if (b >= 0x80 && b <= 0x9f) return true;
  }
  return false;
}

function decodeUtf8(bytes: Buffer, from: number): string {
  try {
    return utf8Decoder.decode(from === 0 ? bytes : bytes.subarray(from));
  } catch {
    return fail('Message bytes are not valid UTF-8 (declared or default encoding)');
  }
}

/** A high surrogate not followed by a low one, or a low one without a high one before it. */
const UNPAIRED_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function decodeUtf16(bytes: Buffer, from: number, charset: 'utf-16le' | 'utf-16be'): string {
  if ((bytes.length - from) % 2 !== 0) fail('Message bytes are not valid UTF-16 (odd length)');
  const text = iconv.decode(bytes.subarray(from), charset, { stripBOM: false });
  // iconv-lite passes unpaired surrogates through as they are; no XML character is one (XML 1.0
  // §2.2), and written out as UTF-8 later they would silently become U+FFFD.
  if (UNPAIRED_SURROGATE.test(text)) fail('Message bytes are not valid UTF-16');
  return text;
}

/**
 * Decodes the raw bytes of an XML document: byte-order mark first, then the encoding in the XML
 * declaration, else UTF-8 (XML 1.0 appendix F). Never pre-decode with a fixed charset (guide §5.1).
 *
 * @throws MessageException NOT_WELL_FORMED for an unknown encoding or bytes that are invalid in it.
 */
export function decodeXmlBytes(bytes: Buffer): DecodedXml {
  const warnings: string[] = [];
  if (bytes.length === 0) fail('Message is empty');

  // 1. Byte-order mark.
  if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    const text = decodeUtf8(bytes, 3);
    checkDeclarationAgrees(text, 'utf-8', warnings);
    return { text, encoding: 'utf-8', warnings };
  }
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) {
    const text = decodeUtf16(bytes, 2, 'utf-16le');
    return { text, encoding: 'utf-16le', warnings };
  }
  if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) {
    const text = decodeUtf16(bytes, 2, 'utf-16be');
    return { text, encoding: 'utf-16be', warnings };
  }
  // UTF-16 without BOM, recognisable from "<?" (XML 1.0 appendix F.1).
  if (bytes.length >= 4 && bytes[0] === 0x3c && bytes[1] === 0 && bytes[2] === 0x3f && bytes[3] === 0) {
    return { text: decodeUtf16(bytes, 0, 'utf-16le'), encoding: 'utf-16le', warnings };
  }
  if (bytes.length >= 4 && bytes[0] === 0 && bytes[1] === 0x3c && bytes[2] === 0 && bytes[3] === 0x3f) {
    return { text: decodeUtf16(bytes, 0, 'utf-16be'), encoding: 'utf-16be', warnings };
  }

  // 2. The declaration, read as ASCII (every supported ASCII-compatible charset agrees on it).
  const head = bytes.subarray(0, Math.min(bytes.length, 256)).toString('latin1');
  const match = DECLARATION.exec(head);
  const label = match?.[3]?.toLowerCase();
  if (label === undefined) {
    return { text: decodeUtf8(bytes, 0), encoding: 'utf-8', warnings };
  }
  const charset = lookup(LABELS, label);
  if (charset === undefined) {
    // The label is ASCII letters/digits/punctuation only (regex), safe to echo.
    fail(`Unsupported character encoding '${label}' in the XML declaration`);
  }
  switch (charset) {
    case 'utf-8':
      return { text: decodeUtf8(bytes, 0), encoding: 'utf-8', warnings };
    case 'utf-16le':
    case 'utf-16be':
      // A declaration readable as ASCII cannot be UTF-16 without a BOM.
      return fail('XML declaration says UTF-16 but the bytes are not UTF-16');
    case 'iso-8859-1':
      if (hasC1Bytes(bytes, 0)) {
        // Bytes 0x80-0x9F are control characters in ISO-8859-1 but letters/punctuation in windows-1252;
        // senders that say ISO-8859-1 practically always mean windows-1252 here (WHATWG does the same).
        warnings.push('Declared ISO-8859-1 but bytes 0x80-0x9F occur; decoded as windows-1252');
        return { text: iconv.decode(bytes, 'win1252'), encoding: 'windows-1252', warnings };
      }
      return { text: iconv.decode(bytes, 'latin1'), encoding: 'iso-8859-1', warnings };
    case 'windows-1252':
      return { text: iconv.decode(bytes, 'win1252'), encoding: 'windows-1252', warnings };
    default:
      return fail('Unsupported character encoding');
  }
}

function checkDeclarationAgrees(text: string, used: Charset, warnings: string[]): void {
  const label = DECLARATION.exec(text.slice(0, 256))?.[3]?.toLowerCase();
  const declared = label === undefined ? undefined : lookup(LABELS, label);
  if (declared !== undefined && declared !== used) {
    warnings.push(`Byte-order mark (${used}) overrides declared encoding '${label}'`);
  }
}
