/**
 * Synthetic test messages built from the XSDs (the corpus has no PLO 1.5/2.0, Epikrise 1.0/1.1,
 * Henvisning 1.0, Dialogmelding 1.0 or AppRec 1.1 examples). Test-only; not exported from the library.
 * Persons are the published test persons of Testaktører v3.7 (guide §7.19).
 */
import { MessageException } from '../message.exception';
import { ParsedMessage } from '../model/parsed-message.model';
import { parseMessage } from '../parse-message';
import { NS } from '../xml/namespaces.constant';

export const TEST_FNR = '15076500565';
export const TEST_UUID = 'c9454120-068b-11e8-b566-0800200c9a66';

export interface MsgHeadOptions {
  msgType?: string;
  msgId?: string;
  genDate?: string;
  /** Replaces the whole Sender element. */
  sender?: string;
  /** Replaces the whole Patient element ('' for none). */
  patient?: string;
  /** Payload placed in RefDoc/Content of the first (XML) Document ('' for no XML document). */
  payload: string;
  /** Extra Document elements (attachments). */
  extraDocuments?: string;
  encodingDecl?: string;
}

export function ident(id: string, type: string, oid = '2.16.578.1.12.4.1.1.9051'): string {
  return `<Ident><Id>${id}</Id><TypeId V="${type}" S="${oid}"/></Ident>`;
}

export function patientXml(...idents: Array<[string, string]>): string {
  return `<Patient><FamilyName>Gundersen</FamilyName><GivenName>Roland</GivenName>${idents
    .map(([id, type]) => ident(id, type, '2.16.578.1.12.4.1.1.8116'))
    .join('')}</Patient>`;
}

/** A MsgHead 1.2 document with configurable header and payload. */
export function msgHead(o: MsgHeadOptions): string {
  const sender =
    o.sender ??
    `<Sender><Organisation><OrganisationName>Alvdal kommune</OrganisationName>${ident('99387', 'HER')}${ident('333555666', 'ENH')}<Organisation><OrganisationName>Saksbehandling</OrganisationName>${ident('5078', 'HER')}</Organisation></Organisation></Sender>`;
  const patient = o.patient ?? patientXml([TEST_FNR, 'FNR']);
  const doc = o.payload === '' ? '' : `<Document><RefDoc><MsgType V="XML" DN="XML-instans"/><Content>${o.payload}</Content></RefDoc></Document>`;
  return `<?xml version="1.0" encoding="${o.encodingDecl ?? 'UTF-8'}"?>
<MsgHead xmlns="${NS.MSGHEAD}">
  <MsgInfo>
    <Type V="${o.msgType ?? 'ORIENTERING_TJENESTETILBUD'}"/>
    <MIGversion>v1.2 2006-05-24</MIGversion>
    <GenDate>${o.genDate ?? '2024-03-01T10:00:00'}</GenDate>
    <MsgId>${o.msgId ?? TEST_UUID}</MsgId>
    ${sender}
    <Receiver><Organisation><OrganisationName>Legesenter</OrganisationName>${ident('91096', 'HER')}</Organisation></Receiver>
    ${patient}
  </MsgInfo>
  ${doc}
  ${o.extraDocuments ?? ''}
</MsgHead>`;
}

/** A PLO Orientering om tjenestetilbud payload for the given version namespaces. */
export function orienteringPayload(opts: { msgNs: string; poNs: string; status?: string; services?: string; wrap20?: boolean }): string {
  const info = `<InformasjonOmForsendelsen>${opts.status === undefined ? '<Forsendelsesstatus V="N"/>' : opts.status}</InformasjonOmForsendelsen>`;
  const head = opts.wrap20
    ? `<TypeInnholdIMelding><TypeInnhold V="1"/></TypeInnholdIMelding><FellesAdministrativeOpplysninger>${info}</FellesAdministrativeOpplysninger>`
    : info;
  const services =
    opts.services ??
    `<EksisterendeTjeneste><IPLOStjenestetype V="15" S="2.16.578.1.12.4.1.1.9151"/><PrivatTjeneste>false</PrivatTjeneste><AntallEnheter>2</AntallEnheter><Startdato>2024-01-01</Startdato></EksisterendeTjeneste>`;
  return `<pl:OrienteringOmTjenestetilbud xmlns:pl="${opts.msgNs}" xmlns="${opts.poNs}">${head}${services}</pl:OrienteringOmTjenestetilbud>`;
}

/**
 * Any PLO 1.x payload: root `root` in the message namespace `msgNs` (prefix `pl`), its children in the
 * poKomponent namespace `poNs` as the default namespace (guide §2.1 "Namespace layout"):
 * InformasjonOmForsendelsen first (Forsendelsesstatus N unless `info` replaces its content), then `body`.
 */
export function ploPayload(opts: { root: string; msgNs: string; poNs: string; info?: string; body: string }): string {
  const info = opts.info ?? '<Forsendelsesstatus V="N"/>';
  return `<pl:${opts.root} xmlns:pl="${opts.msgNs}" xmlns="${opts.poNs}"><InformasjonOmForsendelsen>${info}</InformasjonOmForsendelsen>${opts.body}</pl:${opts.root}>`;
}

/** parseMessage over a UTF-8 string. */
export function parseText(xml: string): ParsedMessage {
  return parseMessage(Buffer.from(xml, 'utf8'));
}

/** The MessageException parseMessage throws for this input; anything else (or no error) fails the test. */
export function parseFailure(xml: string | Buffer): MessageException {
  try {
    parseMessage(typeof xml === 'string' ? Buffer.from(xml, 'utf8') : xml);
  } catch (e) {
    if (e instanceof MessageException) return e;
    throw new Error(`expected a MessageException, got ${String(e)}`);
  }
  throw new Error('expected a MessageException, the message was accepted');
}
