/**
 * Dialogmelding 1.0 / 1.1 (issue #18, guide §2.7): no status field and nothing structured to project;
 * a Dialogmelding holds Notat or Foresporsel elements (0..* of a choice), and one with neither is
 * accepted with a warning.
 */
import { MappingContext } from '../mapping-context.util';
import { msgHead, parseText } from '../testing/message-fixtures.util';
import { NS } from '../xml/namespaces.constant';
import { parseXml } from '../xml/xml-tree.util';
import { mapDialogmelding } from './dialogmelding.mapper';

const EMPTY_WARNING = 'Dialogmelding has neither Notat nor Foresporsel';

function mapped(xml: string) {
  const warnings: string[] = [];
  const ctx: MappingContext = { warn: (w) => warnings.push(w), partial: {} };
  const root = parseXml(xml);
  return { facts: mapDialogmelding(root, root.ns, ctx), warnings };
}

describe('mapDialogmelding', () => {
  it.each([
    ['a Notat', NS.DIALOG_11, '<Notat><TemaKodet V="1" S="2.16.578.1.12.4.1.1.7322"/><TekstNotatInnhold>Spørsmål om pasienten</TekstNotatInnhold></Notat>'],
    ['two Notat', NS.DIALOG_11, '<Notat><Tema>A</Tema></Notat><Notat><Tema>B</Tema></Notat>'],
    ['a Foresporsel', NS.DIALOG_10, '<Foresporsel><TypeForesp V="1" S="2.16.578.1.12.4.1.1.9152"/><Sporsmal>Medisinliste?</Sporsmal></Foresporsel>'],
  ])('with %s: no status, nothing to project, no warning', (_label, ns, content) => {
    const { facts, warnings } = mapped(`<Dialogmelding xmlns="${ns}">${content}</Dialogmelding>`);
    expect(facts).toStrictEqual({ status: null, services: [], serviceNeeds: [], diagnoses: [], patientEvents: [] });
    expect(warnings).toStrictEqual([]);
  });

  it('with neither Notat nor Foresporsel: accepted, with a warning', () => {
    const { facts, warnings } = mapped(`<Dialogmelding xmlns="${NS.DIALOG_11}"/>`);
    expect(facts).toStrictEqual({ status: null, services: [], serviceNeeds: [], diagnoses: [], patientEvents: [] });
    expect(warnings).toStrictEqual([EMPTY_WARNING]);
  });

  it('a Notat or Foresporsel in another namespace than the Dialogmelding does not count', () => {
    const { warnings } = mapped(`<Dialogmelding xmlns="${NS.DIALOG_11}" xmlns:x="urn:example:other"><x:Notat/><x:Foresporsel/></Dialogmelding>`);
    expect(warnings).toStrictEqual([EMPTY_WARNING]);
  });

  it('through parseMessage: an empty DIALOG_NOTAT in MsgHead is a Dialogmelding 1.0 with that one warning', () => {
    const m = parseText(msgHead({ msgType: 'DIALOG_NOTAT', payload: `<Dialogmelding xmlns="${NS.DIALOG_10}"></Dialogmelding>` }));
    expect(m).toMatchObject({ standard: 'DIALOGMELDING', standardVersion: '1.0', status: null, services: [], diagnoses: [], patientEvents: [] });
    expect(m.warnings).toStrictEqual([EMPTY_WARNING]);
  });
});
