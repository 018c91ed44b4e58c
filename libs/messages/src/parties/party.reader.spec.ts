import { Party } from '../model/parsed-message.model';
import { ident } from '../testing/message-fixtures.util';
import { NS } from '../xml/namespaces.constant';
import { XmlElement } from '../xml/xml-element.model';
import { parseXml } from '../xml/xml-tree.util';
import { hasOrganisationIdentifier, partyRole, readHcpParty, readMsgHeadOrganisation, readMsgHeadParty, readMsgHeadProfessional } from './party.reader';

/** Parses a MsgHead-namespace fragment (the element given is the root). */
function mh(xml: string): XmlElement {
  return parseXml(xml.replace(/^<(\w+)/, `<$1 xmlns="${NS.MSGHEAD}"`));
}

/** Parses a bare-message (Henvisning 1.0) fragment. */
const BARE = NS.HENVISNING_10;
function bare(xml: string): XmlElement {
  return parseXml(xml.replace(/^<(\w+)/, `<$1 xmlns="${BARE}"`));
}

describe('readMsgHeadOrganisation', () => {
  it('reads every Ident, keeps the first HER-id and organisation number of a level, and upper-cases and trims the type', () => {
    const org = mh(
      `<Organisation><OrganisationName>Alvdal kommune</OrganisationName>${ident('099 387', 'her')}${ident('333555666', 'ENH')}${ident('4711', 'HER')}${ident(
        '0123',
        ' enh ',
      )}${ident('12', 'RSH')}</Organisation>`,
    );
    expect(readMsgHeadOrganisation(org)).toStrictEqual({
      organisation: [
        {
          name: 'Alvdal kommune',
          // A HER-id is canonical (grouping and leading zeros removed); other identifiers stay as sent.
          herId: '99387',
          orgNumber: '333555666',
          identifiers: [
            { type: 'HER', id: '99387' },
            { type: 'ENH', id: '333555666' },
            { type: 'HER', id: '4711' },
            { type: 'ENH', id: '0123' },
            { type: 'RSH', id: '12' },
          ],
        },
      ],
    });
  });

  it('skips an Ident whose Id or TypeId/@V is missing or empty', () => {
    const org = mh(
      `<Organisation><OrganisationName>X</OrganisationName><Ident><Id>1</Id></Ident><Ident><TypeId V="HER"/></Ident><Ident><Id> </Id><TypeId V="HER"/></Ident><Ident><Id>2</Id><TypeId V=""/></Ident>${ident(
        '5',
        'HER',
      )}</Organisation>`,
    );
    expect(readMsgHeadOrganisation(org).organisation).toStrictEqual([{ name: 'X', herId: '5', identifiers: [{ type: 'HER', id: '5' }] }]);
  });

  it('a level with a name but no identifier, or identifiers but no name, is a level; an empty one is not', () => {
    const org = mh(
      `<Organisation><OrganisationName>Kun navn</OrganisationName><Organisation>${ident('6', 'LAV')}<Organisation/></Organisation></Organisation>`,
    );
    expect(readMsgHeadOrganisation(org, 'COP')).toStrictEqual({
      role: 'COP',
      organisation: [{ name: 'Kun navn' }, { identifiers: [{ type: 'LAV', id: '6' }] }],
    });
  });

  it('follows nested Organisations down to 20 levels and no further (a hostile chain is cut, not followed)', () => {
    const chain = (levels: number): string => {
      let xml = '';
      for (let i = levels; i >= 1; i--) xml = `<Organisation><OrganisationName>L${i}</OrganisationName>${xml}</Organisation>`;
      return xml;
    };
    expect(readMsgHeadOrganisation(mh(chain(20))).organisation.map((l) => l.name)).toEqual(Array.from({ length: 20 }, (_, i) => `L${i + 1}`));
    expect(readMsgHeadOrganisation(mh(chain(25))).organisation).toHaveLength(20);
  });

  it('the HealthcareProfessional of a level deeper than 20 is not read', () => {
    let xml = `<Organisation><OrganisationName>L21</OrganisationName><HealthcareProfessional><GivenName>Dyp</GivenName></HealthcareProfessional></Organisation>`;
    for (let i = 20; i >= 1; i--) xml = `<Organisation><OrganisationName>L${i}</OrganisationName>${xml}</Organisation>`;
    expect(readMsgHeadOrganisation(mh(xml)).healthcareProfessional).toBeUndefined();
  });
});

describe('readMsgHeadProfessional', () => {
  it('joins given, middle and family name in that order and keeps the first HER-id and HPR number', () => {
    const hp = mh(
      `<HealthcareProfessional><FamilyName>Lege</FamilyName><GivenName>Kari</GivenName>${ident('9144900', 'HPR')}${ident('1 234', 'HER')}${ident('565501872', 'hpr')}${ident(
        '999',
        'HER',
      )}</HealthcareProfessional>`,
    );
    expect(readMsgHeadProfessional(hp)).toStrictEqual({
      name: 'Kari Lege',
      hprNumber: '9144900',
      herId: '1234',
      identifiers: [
        { type: 'HPR', id: '9144900' },
        { type: 'HER', id: '1234' },
        { type: 'HPR', id: '565501872' },
        { type: 'HER', id: '999' },
      ],
    });
  });

  it('a person without name parts or Idents has neither', () => {
    expect(readMsgHeadProfessional(mh('<HealthcareProfessional><GivenName> </GivenName></HealthcareProfessional>'))).toStrictEqual({});
    expect(readMsgHeadProfessional(mh('<HealthcareProfessional><MiddleName>M</MiddleName></HealthcareProfessional>'))).toStrictEqual({ name: 'M' });
  });
});

describe('readMsgHeadParty', () => {
  it('undefined for no element', () => {
    expect(readMsgHeadParty(undefined, 'COP')).toBeUndefined();
  });

  it('an Organisation wins over a HealthcareProfessional next to it', () => {
    const party = mh(
      `<OtherReceiver><Organisation><OrganisationName>Org</OrganisationName>${ident('1', 'HER')}</Organisation><HealthcareProfessional><GivenName>P</GivenName></HealthcareProfessional></OtherReceiver>`,
    );
    expect(readMsgHeadParty(party, 'COP')).toStrictEqual({ role: 'COP', organisation: [{ name: 'Org', herId: '1', identifiers: [{ type: 'HER', id: '1' }] }] });
  });

  it('a HealthcareProfessional alone is the person of a party without organisation; no role unless given', () => {
    const party = mh(`<OtherReceiver><HealthcareProfessional><GivenName>P</GivenName>${ident('2', 'HER')}</HealthcareProfessional></OtherReceiver>`);
    expect(readMsgHeadParty(party)).toStrictEqual({
      organisation: [],
      healthcareProfessional: { name: 'P', herId: '2', identifiers: [{ type: 'HER', id: '2' }] },
    });
    expect(readMsgHeadParty(mh('<OtherReceiver><Person/></OtherReceiver>'))).toStrictEqual({ organisation: [] });
  });
});

describe('readHcpParty (Epikrise / Henvisning 1.x / AppRec HCP)', () => {
  it('no HCP: an empty party, with the role when one is given', () => {
    expect(readHcpParty(undefined, BARE)).toStrictEqual({ organisation: [] });
    expect(readHcpParty(undefined, BARE, 'PRIMARY')).toStrictEqual({ role: 'PRIMARY', organisation: [] });
  });

  it('Inst with Id/TypeId and AdditionalIds (Type, not TypeId), each needing both parts; types upper-cased, HER-ids canonical', () => {
    const hcp = bare(
      `<HCP><Inst><Name>Sykehuset</Name><Id>974 600 951</Id><TypeId V="enh"/>
        <AdditionalId><Id>0 059</Id><Type V="her"/></AdditionalId>
        <AdditionalId><Id>77</Id><TypeId V="RSH"/></AdditionalId>
        <AdditionalId><Type V="LAV"/></AdditionalId>
        <AdditionalId><Id>88</Id><Type V="RSH"/></AdditionalId>
      </Inst></HCP>`,
    );
    expect(readHcpParty(hcp, BARE)).toStrictEqual({
      organisation: [
        {
          name: 'Sykehuset',
          orgNumber: '974 600 951',
          herId: '59',
          identifiers: [
            { type: 'ENH', id: '974 600 951' },
            { type: 'HER', id: '59' },
            { type: 'RSH', id: '88' },
          ],
        },
      ],
    });
  });

  it('an Id without TypeId (or the reverse) is no identifier; an Inst that says nothing adds no level', () => {
    expect(readHcpParty(bare('<HCP><Inst><Name>Inst</Name><Id>1</Id></Inst></HCP>'), BARE).organisation).toStrictEqual([{ name: 'Inst' }]);
    expect(readHcpParty(bare('<HCP><Inst><TypeId V="HER"/></Inst></HCP>'), BARE).organisation).toStrictEqual([]);
  });

  it('Dept siblings follow the Inst as levels in document order', () => {
    const hcp = bare(
      '<HCP><Inst><Name>Sykehus</Name><Id>1</Id><TypeId V="HER"/><Dept><Name>Medisin</Name><Id>2</Id><TypeId V="HER"/></Dept><Dept><Name>Kirurgi</Name></Dept></Inst></HCP>',
    );
    expect(readHcpParty(hcp, BARE, 'COP').organisation.map((l) => [l.name, l.herId])).toEqual([
      ['Sykehus', '1'],
      ['Medisin', '2'],
      ['Kirurgi', undefined],
    ]);
  });

  it('an HCProf without Inst is the person; an HCPerson read before it moves to the other professionals', () => {
    expect(readHcpParty(bare('<HCP><HCProf><Name>Lege</Name><Id>9144900</Id><TypeId V="HPR"/></HCProf></HCP>'), BARE)).toStrictEqual({
      organisation: [],
      healthcareProfessional: { name: 'Lege', hprNumber: '9144900', identifiers: [{ type: 'HPR', id: '9144900' }] },
    });
    const withPerson = readHcpParty(
      bare('<HCP><Inst><Name>I</Name><HCPerson><Name>Først</Name><Id>1</Id><TypeId V="HER"/></HCPerson></Inst><HCProf><Name>Lege</Name></HCProf></HCP>'),
      BARE,
    );
    expect(withPerson.healthcareProfessional).toStrictEqual({ name: 'Lege' });
    expect(withPerson.otherProfessionals).toStrictEqual([{ name: 'Først', herId: '1', identifiers: [{ type: 'HER', id: '1' }] }]);
  });

  it('an Inst without HCPerson leaves the person out', () => {
    const party = readHcpParty(bare('<HCP><Inst><Name>I</Name><Id>1</Id><TypeId V="HER"/></Inst></HCP>'), BARE);
    expect(party).not.toHaveProperty('healthcareProfessional');
    expect(party).not.toHaveProperty('otherProfessionals');
  });

  it('elements in another namespace are not read', () => {
    const hcp = bare('<HCP><Inst><Name>I</Name><Id>1</Id><TypeId V="HER"/></Inst></HCP>');
    expect(readHcpParty(hcp, NS.EPIKRISE_12)).toStrictEqual({ organisation: [] });
  });
});

describe('partyRole and hasOrganisationIdentifier', () => {
  it('partyRole is Role/@V of the element, undefined without one', () => {
    expect(partyRole(bare('<Sender><Role V=" PRIM "/><HCP/></Sender>'), BARE)).toBe('PRIM');
    expect(partyRole(bare('<Sender><HCP/></Sender>'), BARE)).toBeUndefined();
    expect(partyRole(undefined, BARE)).toBeUndefined();
  });

  it('needs an identifier on some organisation level; a person identifier is not enough', () => {
    const person: Party = { organisation: [{ name: 'Navn' }], healthcareProfessional: { identifiers: [{ type: 'HPR', id: '1' }] } };
    expect(hasOrganisationIdentifier(undefined)).toBe(false);
    expect(hasOrganisationIdentifier(person)).toBe(false);
    expect(hasOrganisationIdentifier({ organisation: [{ identifiers: [] }] })).toBe(false);
    expect(hasOrganisationIdentifier({ organisation: [{ name: 'Navn' }, { identifiers: [{ type: 'HER', id: '2' }] }] })).toBe(true);
  });
});
