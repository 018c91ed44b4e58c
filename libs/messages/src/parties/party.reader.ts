import { normalizeHerId } from '../identifiers/her-id.util';
import { HealthcareProfessionalRef, OrganisationLevel, Party, PartyIdentifier } from '../model/parsed-message.model';
import { NS } from '../xml/namespaces.constant';
import { XmlElement } from '../xml/xml-element.model';
import { attr, child, childText, childV, children, NsMatch } from '../xml/xml-navigation.util';

/** Organisations nest arbitrarily (guide §7.9); this bounds a hostile chain well above any real one. */
const MAX_ORGANISATION_LEVELS = 20;

/** Type codes are compared upper-case and trimmed (`her`, ` HER ` are HER). */
function upper(v: string | undefined): string | undefined {
  const t = v?.trim().toUpperCase();
  return t === '' ? undefined : t;
}

/** One identifier; a HER-id is kept in its canonical form (digit grouping and leading zeros removed). */
function identifier(type: string, id: string): PartyIdentifier {
  return { type, id: type === 'HER' ? normalizeHerId(id) : id };
}

/** Reads MsgHead Ident elements (Id + TypeId/@V); Idents with an empty Id or type are skipped. */
function readIdents(el: XmlElement, ns: NsMatch): PartyIdentifier[] {
  const out: PartyIdentifier[] = [];
  for (const ident of children(el, ns, 'Ident')) {
    const id = childText(ident, ns, 'Id');
    const type = upper(childV(ident, ns, 'TypeId'));
    if (id !== undefined && type !== undefined) out.push(identifier(type, id));
  }
  return out;
}

function levelFromIdentifiers(name: string | undefined, identifiers: PartyIdentifier[]): OrganisationLevel {
  const level: OrganisationLevel = {};
  if (name !== undefined) level.name = name;
  for (const { type, id } of identifiers) {
    // Only TypeId/@V decides; @S differs between senders (guide §7.22).
    if (type === 'HER' && level.herId === undefined) level.herId = id;
    if (type === 'ENH' && level.orgNumber === undefined) level.orgNumber = id;
  }
  if (identifiers.length > 0) level.identifiers = identifiers;
  return level;
}

function professionalFromIdentifiers(name: string | undefined, identifiers: PartyIdentifier[]): HealthcareProfessionalRef {
  const hp: HealthcareProfessionalRef = {};
  if (name !== undefined) hp.name = name;
  for (const { type, id } of identifiers) {
    if (type === 'HER' && hp.herId === undefined) hp.herId = id;
    if (type === 'HPR' && hp.hprNumber === undefined) hp.hprNumber = id;
  }
  if (identifiers.length > 0) hp.identifiers = identifiers;
  return hp;
}

function personName(el: XmlElement, ns: NsMatch): string | undefined {
  const parts = [childText(el, ns, 'GivenName'), childText(el, ns, 'MiddleName'), childText(el, ns, 'FamilyName')].filter(
    (p): p is string => p !== undefined,
  );
  return parts.length > 0 ? parts.join(' ') : undefined;
}

/** MsgHead (or fk1) HealthcareProfessional. */
export function readMsgHeadProfessional(el: XmlElement, ns: NsMatch = NS.MSGHEAD): HealthcareProfessionalRef {
  return professionalFromIdentifiers(personName(el, ns), readIdents(el, ns));
}

/**
 * Reads a MsgHead Organisation tree: the legal entity first, nested services after it. The innermost
 * HealthcareProfessional found on the way becomes the party's person.
 */
export function readMsgHeadOrganisation(org: XmlElement, role?: string, ns: NsMatch = NS.MSGHEAD): Party {
  const party: Party = { organisation: [] };
  let current: XmlElement | undefined = org;
  for (let depth = 0; current !== undefined && depth < MAX_ORGANISATION_LEVELS; depth++) {
    pushLevel(party, levelFromIdentifiers(childText(current, ns, 'OrganisationName'), readIdents(current, ns)));
    const hp = child(current, ns, 'HealthcareProfessional');
    if (hp !== undefined) party.healthcareProfessional = readMsgHeadProfessional(hp, ns);
    current = child(current, ns, 'Organisation');
  }
  if (role !== undefined) party.role = role;
  return party;
}

/**
 * Reads MsgInfo/Sender, Receiver or OtherReceiver. OtherReceiver can name an Organisation, a
 * HealthcareProfessional, a Patient or a Person; the last two yield a party without organisation.
 */
export function readMsgHeadParty(partyEl: XmlElement | undefined, role?: string): Party | undefined {
  if (partyEl === undefined) return undefined;
  const org = child(partyEl, NS.MSGHEAD, 'Organisation');
  if (org !== undefined) return readMsgHeadOrganisation(org, role);
  const hp = child(partyEl, NS.MSGHEAD, 'HealthcareProfessional');
  const party: Party = { organisation: [] };
  if (hp !== undefined) party.healthcareProfessional = readMsgHeadProfessional(hp);
  if (role !== undefined) party.role = role;
  return party;
}

/** Empty elements are absent (guide §7.15): an `<Inst/>` or `<Organisation/>` adds no level. */
function pushLevel(party: Party, level: OrganisationLevel): void {
  if (level.name !== undefined || level.identifiers !== undefined) party.organisation.push(level);
}

/** Id + TypeId pair of the bare-message/AppRec data model (Inst, Dept, HCPerson, HCProf). */
function readIdPair(el: XmlElement, ns: string): PartyIdentifier[] {
  const out: PartyIdentifier[] = [];
  const id = childText(el, ns, 'Id');
  const type = upper(childV(el, ns, 'TypeId'));
  if (id !== undefined && type !== undefined) out.push(identifier(type, id));
  for (const extra of children(el, ns, 'AdditionalId')) {
    const extraId = childText(extra, ns, 'Id');
    const extraType = upper(childV(extra, ns, 'Type'));
    if (extraId !== undefined && extraType !== undefined) out.push(identifier(extraType, extraId));
  }
  return out;
}

/**
 * Reads an HCP element of Epikrise / Henvisning 1.x / AppRec: Inst (+ Dept levels, + first HCPerson)
 * or HCProf. Several Dept siblings become consecutive levels after the Inst.
 */
export function readHcpParty(hcp: XmlElement | undefined, ns: string, role?: string): Party {
  const party: Party = { organisation: [] };
  if (role !== undefined) party.role = role;
  if (hcp === undefined) return party;
  const inst = child(hcp, ns, 'Inst');
  if (inst !== undefined) {
    pushLevel(party, levelFromIdentifiers(childText(inst, ns, 'Name'), readIdPair(inst, ns)));
    for (const dept of children(inst, ns, 'Dept')) {
      pushLevel(party, levelFromIdentifiers(childText(dept, ns, 'Name'), readIdPair(dept, ns)));
    }
    // Inst may name several HCPersons: the first is the party's person, the others are kept so
    // their HER-ids (Id or AdditionalId) count as the party's too.
    const persons = children(inst, ns, 'HCPerson').map((p) => professionalFromIdentifiers(childText(p, ns, 'Name'), readIdPair(p, ns)));
    if (persons.length > 0) party.healthcareProfessional = persons[0];
    if (persons.length > 1) party.otherProfessionals = persons.slice(1);
  }
  const prof = child(hcp, ns, 'HCProf');
  if (prof !== undefined) {
    // HCProf is the party's person; an HCPerson read before it still counts for its HER-ids.
    if (party.healthcareProfessional !== undefined) party.otherProfessionals = [party.healthcareProfessional, ...(party.otherProfessionals ?? [])];
    party.healthcareProfessional = professionalFromIdentifiers(childText(prof, ns, 'Name'), readIdPair(prof, ns));
  }
  return party;
}

/** The Role/@V of a bare-message party element (ServProvider, Requester, CopyDest), if any. */
export function partyRole(el: XmlElement | undefined, ns: string): string | undefined {
  return attr(child(el, ns, 'Role'), 'V');
}

/** True when the party carries at least one identifier on an organisation level. */
export function hasOrganisationIdentifier(party: Party | undefined): party is Party {
  return party !== undefined && party.organisation.some((level) => (level.identifiers?.length ?? 0) > 0);
}
