import type { Party } from '@hub/messages';
import { BARE_MIG_VERSION, EPIKRISE_NS, HENVISNING_NS, STATUS_TEXT } from './message-builder.constant';
import type { PatientSpec } from './message-builder.model';
import { diagnosisCv, unsupported, type ResolvedOptions } from './payload.util';
import { cs, el, leaf, type XmlChild, type XmlElement } from './xml-writer.util';

type InstLayout = 'epikrise-1.0' | 'epikrise-1.1' | 'epikrise-1.2' | 'henvisning';

/**
 * A bare-message `Inst` from a party: the outermost level is the institution, nested levels become
 * `Dept`, the health professional becomes `HCPerson`, an organisasjonsnummer next to the HER-id
 * becomes `AdditionalId`. Element order differs between the standards, hence the layout switch.
 * A person with both an HPR-number and a HER-id is written as real senders do where the standard
 * allows it (Epikrise 1.1 / 1.2, Henvisning 1.1): Id = HPR, the HER-id in `AdditionalId`.
 */
function inst(party: Party, layout: InstLayout, personAdditionalId = layout === 'epikrise-1.1' || layout === 'epikrise-1.2'): XmlElement {
  const [top, ...nested] = party.organisation;
  if (!top) unsupported('a bare message party needs at least one organisation level');
  const useHer = top.herId !== undefined;
  const id = top.herId ?? top.orgNumber;
  const head: XmlChild[] = [
    leaf('Name', top.name),
    leaf('Id', id),
    id !== undefined && cs('TypeId', useHer ? 'HER' : 'ENH', useHer ? 'HER-id' : 'Organisasjonsnummer'),
  ];
  const depts = nested.map((level) =>
    el('Dept', null, leaf('Name', level.name), leaf('Id', level.herId), level.herId !== undefined && cs('TypeId', 'HER', 'HER-id')),
  );
  const hcp = party.healthcareProfessional;
  const hprWithHer = hcp?.herId !== undefined && hcp.hprNumber !== undefined && personAdditionalId;
  const persons = hcp && hprWithHer
    ? [
        el(
          'HCPerson',
          null,
          leaf('Name', hcp.name),
          leaf('Id', hcp.hprNumber),
          cs('TypeId', 'HPR', 'HPR-nummer'),
          el('AdditionalId', null, leaf('Id', hcp.herId), cs('Type', 'HER', 'HER-id')),
        ),
      ]
    : hcp
    ? [
        el(
          'HCPerson',
          null,
          leaf('Name', hcp.name),
          leaf('Id', hcp.herId ?? hcp.hprNumber),
          (hcp.herId ?? hcp.hprNumber) !== undefined && cs('TypeId', hcp.herId ? 'HER' : 'HPR', hcp.herId ? 'HER-id' : 'HPR-nummer'),
        ),
      ]
    : [];
  const additional =
    useHer && top.orgNumber !== undefined && layout !== 'epikrise-1.0'
      ? [el('AdditionalId', null, leaf('Id', top.orgNumber), cs('Type', 'ENH', 'Organisasjonsnummer'))]
      : [];
  if (layout === 'henvisning') return el('Inst', null, head, additional, persons, depts);
  return el('Inst', null, head, depts, persons, additional);
}

/** Patient block shared by epikrise and henvisning 1.x: one official id (OffId + TypeOffId). */
function barePatient(p: PatientSpec | undefined, extraAfterIds: XmlChild[] = []): XmlElement {
  if (!p) return el('Patient', null, extraAfterIds);
  const ids: Array<[string, string | undefined, string]> = [
    ['FNR', p.fnr, 'Fødselsnummer'],
    ['DNR', p.dnr, 'D-nummer'],
    ['HNR', p.hnr, 'H-nummer'],
    ['FHN', p.fhn, 'Felles hjelpenummer'],
  ];
  const first = ids.find(([, value]) => value !== undefined);
  const name = [p.familyName, [p.givenName, p.middleName].filter(Boolean).join(' ')].join(', ');
  return el(
    'Patient',
    null,
    p.sex && cs('Sex', p.sex, p.sex === '1' ? 'Mann' : 'Kvinne'),
    el('DateOfBirth', { V: p.birthDate }),
    leaf('Name', name),
    first && leaf('OffId', first[1]),
    first && cs('TypeOffId', first[0], first[2]),
    extraAfterIds,
  );
}

function statusElement(o: ResolvedOptions): XmlChild {
  // Message/Status (8323) marks test traffic; production messages usually leave it out.
  return o.processingStatus && o.processingStatus !== 'P' && cs('Status', 'TEST', 'Melding til testformål');
}

/** Bare `Message` Epikrise 1.0 / 1.1 / 1.2 (Type E in 1.0/1.1, EPIKRISE in 1.2). */
export function epikriseMessage(version: '1.0' | '1.1' | '1.2', o: ResolvedOptions & { sender: Party; receiver: Party }): XmlElement {
  const layout: InstLayout = `epikrise-${version}`;
  const diagnoses = o.diagnoses ?? [];
  const events = o.events ?? [];
  const admitted = events.find((e) => e.code === '1')?.time ?? `${o.genDate.slice(0, 10)}T08:00:00`;
  const discharged = events.find((e) => e.code === '2')?.time;
  const comMethod = version !== '1.0' && cs('ComMethod', 'EDI', 'EDI');
  const event = el(
    'Event',
    null,
    el('ReportedEvent', null, el('StartDateTime', { V: admitted }), discharged !== undefined && el('EndDateTime', { V: discharged })),
    cs('ServType', o.status, STATUS_TEXT[o.status]),
    cs('AdmOutcome', '1', 'Ut til hjemmet'),
    // Event/Id (kith:INT) is mandatory before 1.2, which dropped it.
    version !== '1.2' && leaf('Id', 1),
    el('Service', null, cs('AdmCat', '1', 'Heldøgnsopphold')),
    diagnoses.map((d, i) =>
      el(
        'InfItem',
        null,
        el('Observation', null, el('CodedDescr', null, diagnosisCv('Concept', d))),
        (d.isMain ?? i === 0) ? cs('Type', 'H', 'Hoveddiagnose') : cs('Type', 'B', 'Bidiagnose'),
      ),
    ),
    o.note !== undefined && el('Comment', null, cs('Heading', 'VU', 'Vurdering'), leaf('TextResultValue', o.note)),
  );
  return el(
    'Message',
    { xmlns: EPIKRISE_NS[version] },
    cs('Type', version === '1.2' ? 'EPIKRISE' : 'E', 'Epikrise'),
    leaf('MIGversion', BARE_MIG_VERSION.EPIKRISE[version]),
    el('GenDate', { V: o.genDate }),
    leaf('MsgId', o.msgId),
    version === '1.2' && statusElement(o),
    el(
      'ServRprt',
      null,
      cs('ServType', o.status, STATUS_TEXT[o.status]),
      el('IssueDate', { V: o.genDate }),
      cs('Status', 'F', 'Endelig rapport'),
      leaf('MsgDescr', 'Epikrise'),
      leaf('ServProvId', o.documentId),
      event,
      barePatient(o.patient),
      el('ServProvider', null, cs('Role', 'SPR', 'Tjenesteyter'), comMethod, el('HCP', null, inst(o.sender, layout))),
      (o.copyReceivers ?? []).map((party) => el('CopyDest', null, cs('Role', 'COP', 'Kopimottaker'), el('HCP', null, inst(party, layout)))),
      el('Requester', null, cs('Role', 'REQ', 'Rekvirent'), comMethod, el('HCP', null, inst(o.receiver, layout))),
    ),
  );
}

/** Bare `Message` Henvisning 1.0 (Type H) / 1.1 (Type HENVISNING). */
export function henvisningMessage(version: '1.0' | '1.1', o: ResolvedOptions & { sender: Party; receiver: Party }): XmlElement {
  const diagnoses = o.diagnoses ?? [];
  if (version === '1.0' && diagnoses.length === 0) unsupported('Henvisning 1.0 needs at least one diagnosis');
  return el(
    'Message',
    { xmlns: HENVISNING_NS[version] },
    cs('Type', version === '1.0' ? 'H' : 'HENVISNING', 'Henvisning'),
    leaf('MIGversion', BARE_MIG_VERSION.HENVISNING[version]),
    el('GenDate', { V: o.genDate }),
    leaf('MsgId', o.msgId),
    statusElement(o),
    el(
      'ServReq',
      null,
      cs('ServType', o.status, STATUS_TEXT[o.status]),
      el('IssueDate', { V: o.genDate }),
      cs('MsgDescr', '10', 'Utredning/behandling'),
      leaf('Id', o.documentId),
      barePatient(o.patient),
      el('ServProvider', null, el('HCP', null, inst(o.receiver, 'henvisning', version === '1.1'))),
      el('Requester', null, el('HCP', null, inst(o.sender, 'henvisning', version === '1.1'))),
      o.note !== undefined && el('ReasonAsText', null, cs('Heading', 'PROB', 'Aktuell problemstilling'), leaf('TextResultValue', o.note)),
      diagnoses.map((d) => el('Diagnosis', null, diagnosisCv('Concept', d))),
      el('ReqServ', null, cs('ServType', o.status, STATUS_TEXT[o.status]), cs('Priority', 'N', 'Elektiv/Ordinær (elektiv)')),
    ),
  );
}
