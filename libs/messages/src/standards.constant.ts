import { Standard } from './model/parsed-message.model';
import { NS, PLO_15_PATTERN, PLO_16_PATTERN, PLO_20_PATTERN } from './xml/namespaces.constant';

/** A (namespace, root local name) pair we know, with the standard and version it means. */
export interface StandardVersion {
  standard: Standard;
  version: string;
}

/** Document roots: bare `Message` and `AppRec` standards (guide §0). MsgHead is handled on its own. */
export const BARE_ROOTS: Readonly<Record<string, StandardVersion & { root: 'Message' | 'AppRec' }>> = {
  [NS.EPIKRISE_10]: { standard: 'EPIKRISE', version: '1.0', root: 'Message' },
  [NS.EPIKRISE_11]: { standard: 'EPIKRISE', version: '1.1', root: 'Message' },
  [NS.EPIKRISE_12]: { standard: 'EPIKRISE', version: '1.2', root: 'Message' },
  [NS.HENVISNING_10]: { standard: 'HENVISNING', version: '1.0', root: 'Message' },
  [NS.HENVISNING_11]: { standard: 'HENVISNING', version: '1.1', root: 'Message' },
  [NS.APPREC_10]: { standard: 'APPREC', version: '1.0', root: 'AppRec' },
  [NS.APPREC_11]: { standard: 'APPREC', version: '1.1', root: 'AppRec' },
};

/** Non-PLO MsgHead payload roots. */
export const MSGHEAD_PAYLOADS: Readonly<Record<string, StandardVersion & { root: string }>> = {
  [NS.HENVISNING_20]: { standard: 'HENVISNING', version: '2.0', root: 'Henvisning' },
  [NS.DIALOG_10]: { standard: 'DIALOGMELDING', version: '1.0', root: 'Dialogmelding' },
  [NS.DIALOG_11]: { standard: 'DIALOGMELDING', version: '1.1', root: 'Dialogmelding' },
};

/**
 * The message-namespace segment each PLO root must be in, where it differs from the root name:
 * the same root was moved to another namespace between versions (guide §2.1, §7.3).
 */
const PLO_NS_SEGMENT: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  '1.5': {},
  '1.6': { Konsultasjon: 'HelseopplysningerTilLege', OverforingMedisinskeOpplysninger: 'MedisinskeOpplysninger' },
  '2.0': {},
};

/** A PLO payload namespace: version, message segment and the poKomponent namespace of that version. */
export interface PloNamespace {
  version: '1.5' | '1.6' | '2.0';
  segment: string;
  poNs: string;
}

/** Recognises a PLO message namespace (not poKomponent itself). */
export function ploNamespace(ns: string): PloNamespace | undefined {
  let m = PLO_16_PATTERN.exec(ns);
  let found: PloNamespace | undefined;
  if (m !== null) found = { version: '1.6', segment: m[1], poNs: NS.PO_16 };
  else if ((m = PLO_15_PATTERN.exec(ns)) !== null) found = { version: '1.5', segment: m[1], poNs: NS.PO_15 };
  else if ((m = PLO_20_PATTERN.exec(ns)) !== null) found = { version: '2.0', segment: m[1], poNs: NS.PO_20 };
  if (found === undefined || found.segment === 'poKomponent') return undefined;
  return found;
}

/** The namespace segment a PLO root name must have in the given version. */
export function expectedPloSegment(version: PloNamespace['version'], rootName: string): string {
  const table = PLO_NS_SEGMENT[version];
  return Object.prototype.hasOwnProperty.call(table, rootName) ? table[rootName] : rootName;
}
