import { formatXsdIssue, toXsdIssue } from './xsd-issue-text.util';

/** libxml2's own messages (as xmllint prints them), each quoting content that must never reach an AppRec or a log. */
const CASES: Array<[string, string, string]> = [
  [
    "Element '{http://www.kith.no/xmlstds/po/poKomponent/2012-04-01}PrivatTjeneste': '' is not a valid value of the atomic type 'xs:boolean'.",
    'element PrivatTjeneste: not a valid xs:boolean',
    '',
  ],
  [
    "Element '{http://www.kith.no/xmlstds/msghead/2006-05-24}GenDate': '31.01.2018 11:35' is not a valid value of the atomic type 'xs:dateTime'.",
    'element GenDate: not a valid xs:dateTime',
    '31.01.2018',
  ],
  [
    "Element '{http://www.kith.no/xmlstds/epikrise/2012-02-15}GenDate', attribute 'V': '31.01.2018' is not a valid value of the union type '{http://www.kith.no/xmlstds}TS'.",
    'element GenDate, attribute V: not a valid TS',
    '31.01.2018',
  ],
  [
    "Element '{http://www.kith.no/xmlstds/msghead/2006-05-24}Id': [facet 'pattern'] The value '15076500565x' is not accepted by the pattern '[0-9]{11}'.",
    "element Id: value not allowed by the schema's pattern facet",
    '15076500565',
  ],
  [
    "Element '{http://www.kith.no/xmlstds/msghead/2006-05-24}GenDate': This element is not expected. Expected is ( {http://www.kith.no/xmlstds/msghead/2006-05-24}MIGversion ).",
    'element GenDate: element not expected here (expected MIGversion)',
    '',
  ],
  [
    "Element '{http://www.kith.no/xmlstds/msghead/2006-05-24}MsgInfo': Missing child element(s). Expected is one of ( {http://www.kith.no/xmlstds/msghead/2006-05-24}Sender, {http://www.kith.no/xmlstds/msghead/2006-05-24}Receiver ).",
    'element MsgInfo: a required child element is missing (expected Sender, Receiver)',
    '',
  ],
  [
    "Element '{http://www.kith.no/xmlstds/msghead/2006-05-24}Type': The attribute 'V' is required but missing.",
    'element Type: required attribute V is missing',
    '',
  ],
  [
    "Element '{urn:x}Resept': No matching global element declaration available, but demanded by the strict wildcard.",
    'element Resept: no official schema declares this element (MsgHead Content is strict)',
    '',
  ],
  ["Element '{urn:x}Dose': Something libxml2 says that we do not know 'Ola Nordmann 15076500565'.", 'element Dose: does not follow the schema', 'Nordmann'],
];

describe('toXsdIssue: names, never content', () => {
  it.each(CASES)('%s', (message, text, secret) => {
    const issue = toXsdIssue({ line: 12, column: 0, message });
    expect(formatXsdIssue(issue)).toBe(`line 12, ${text}`);
    if (secret) expect(JSON.stringify(issue)).not.toContain(secret);
  });

  it('keeps only the words of a parser error, not what it quotes', () => {
    const issue = toXsdIssue({ line: 3, column: 1, message: 'Opening and ending tag mismatch: Navn line 2 and Pasient\n' });
    expect(formatXsdIssue(issue)).toBe('line 3: not well-formed: Opening and ending tag mismatch');
    const bytes = toXsdIssue({ line: 1, column: 1, message: 'Input is not proper UTF-8, indicate encoding !\nBytes: 0xC3 0x28' });
    expect(formatXsdIssue(bytes)).toBe('line 1: not well-formed: Input is not proper UTF-8, indicate encoding');
  });
});
