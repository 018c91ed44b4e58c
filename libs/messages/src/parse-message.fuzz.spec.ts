import * as fc from 'fast-check';
import { MessageException } from './message.exception';
import { parseMessage } from './parse-message';
import { msgHead, orienteringPayload, patientXml } from './testing/message-fixtures.util';
import { NS } from './xml/namespaces.constant';

/**
 * Property: for any input, parseMessage returns a ParsedMessage or throws a MessageException, never
 * another error type, and never takes long. Runs are bounded so the suite stays well under 20 s.
 */
const SEED_XML = msgHead({
  msgType: 'LOG_UTSKREVET',
  patient: patientXml(['15076500565', 'FNR'], ['25436000305', 'HNR']),
  payload: `<p:Pasientlogistikk xmlns:p="http://www.kith.no/xmlstds/po/Pasientlogistikk/2012-04-01" xmlns="${NS.PO_16}" xmlns:fk1="${NS.FK1}"><InformasjonOmForsendelsen><Forsendelsesstatus V="N"/></InformasjonOmForsendelsen><p:MeldingOmUtskrevetPasient><UtskrevetTil><Uttilstand V="1"/><UtTil V="1"/></UtskrevetTil><TidsfestetHendelse><Hendelsekode V="2"/><BeskrivelseAvHendelse>Utskrevet &amp; fulgt opp&#13;&#10;</BeskrivelseAvHendelse><TidspunktForHendelse V="2018-02-01"/><Anslag>false</Anslag></TidsfestetHendelse></p:MeldingOmUtskrevetPasient></p:Pasientlogistikk>`,
  extraDocuments: `<Document><RefDoc><MsgType V="A"/><MimeType>application/pdf</MimeType><Content><Base64Container xmlns="${NS.BASE64}">JVBERi0xLjQK</Base64Container></Content></RefDoc></Document>`,
});
const SEEDS = [SEED_XML, msgHead({ payload: orienteringPayload({ msgNs: 'http://www.kith.no/xmlstds/po/OrienteringOmTjenestetilbud/2009-06-30', poNs: NS.PO_15 }) })];

/** XML-ish fragments that make mutations hit interesting parser states. */
const FRAGMENTS = ['<', '>', '</', '/>', '&', '&amp;', '&#0;', '&#x110000;', '<!--', '-->', '<![CDATA[', ']]>', '<!DOCTYPE a>', '"', "'", '=', 'xmlns:x="u"', 'x:', '<?xml version="1.0"?>', '\u0000', '\uFFFE', 'é', '__proto__', 'constructor', '<a>', '</a>'];

type Mutation = { kind: 'delete' | 'insert' | 'duplicate' | 'fragment'; at: number; len: number; text: string; frag: number };

const mutation: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.constantFrom('delete', 'insert', 'duplicate', 'fragment'),
  at: fc.nat(),
  len: fc.integer({ min: 1, max: 64 }),
  text: fc.string({ maxLength: 8 }),
  frag: fc.nat(FRAGMENTS.length - 1),
});

function mutate(xml: string, mutations: Mutation[]): string {
  let s = xml;
  for (const m of mutations) {
    const at = m.at % (s.length + 1);
    switch (m.kind) {
      case 'delete':
        s = s.slice(0, at) + s.slice(at + m.len);
        break;
      case 'insert':
        s = s.slice(0, at) + m.text + s.slice(at);
        break;
      case 'duplicate':
        s = s.slice(0, at) + s.slice(at, at + m.len).repeat(2) + s.slice(at + m.len);
        break;
      case 'fragment':
        s = s.slice(0, at) + FRAGMENTS[m.frag] + s.slice(at);
        break;
    }
  }
  return s;
}

function assertContract(bytes: Buffer): void {
  const started = Date.now();
  try {
    const m = parseMessage(bytes);
    expect(typeof m.msgId).toBe('string');
    expect(Array.isArray(m.diagnoses) && Array.isArray(m.services) && Array.isArray(m.warnings)).toBe(true);
  } catch (e) {
    if (!(e instanceof MessageException)) throw e;
    // A wrapped unexpected error (with cause) would be a parser bug hidden behind the contract.
    if (e.cause !== undefined) throw e.cause;
    expect(typeof e.code).toBe('string');
  }
  expect(Date.now() - started).toBeLessThan(1000);
}

/**
 * Under mutation testing (tools/mutation/run.mjs) every surviving mutant reruns these properties,
 * so they run a tenth of their cases there; the regular unit run keeps the full count.
 */
const RUNS = process.env.HUB_MUTATION_RUN ? 0.1 : 1;

describe('parseMessage fuzzing', () => {
  it('seeds parse', () => {
    for (const seed of SEEDS) expect(() => parseMessage(Buffer.from(seed))).not.toThrow();
  });

  it('mutated corpus-like messages: ParsedMessage or MessageException', () => {
    fc.assert(
      fc.property(fc.nat(SEEDS.length - 1), fc.array(mutation, { minLength: 1, maxLength: 6 }), (seed, mutations) => {
        assertContract(Buffer.from(mutate(SEEDS[seed], mutations), 'utf8'));
      }),
      { numRuns: 3000 * RUNS },
    );
  });

  it('random strings and byte arrays', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 300 }), fc.fullUnicodeString({ maxLength: 100 })), (s) => assertContract(Buffer.from(s, 'utf8'))),
      { numRuns: 500 * RUNS },
    );
    fc.assert(fc.property(fc.uint8Array({ maxLength: 400 }), (a) => assertContract(Buffer.from(a))), { numRuns: 500 * RUNS });
  });

  it('random well-formed XML trees', () => {
    type Node = { name: string; attrs: Array<[string, string]>; text: string; kids: Node[] };
    const node = (depth: number): fc.Arbitrary<Node> =>
      fc.record({
        name: fc.constantFrom('MsgHead', 'MsgInfo', 'Type', 'MsgId', 'Document', 'RefDoc', 'Content', 'a', 'b'),
        attrs: fc.array(fc.tuple(fc.constantFrom('V', 'DN', 'S'), fc.string({ maxLength: 5 })), { maxLength: 3 }),
        text: fc.string({ maxLength: 10 }),
        kids: depth === 0 ? fc.constant([]) : fc.array(node(depth - 1), { maxLength: 3 }),
      });
    const tree = node(4);
    const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;').replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '');
    const render = (t: Node, root: boolean): string => {
      const attrs = [...new Map(t.attrs)].map(([k, v]) => ` ${k}="${esc(v)}"`).join('');
      return `<${t.name}${root ? ` xmlns="${NS.MSGHEAD}"` : ''}${attrs}>${esc(t.text)}${t.kids.map((k) => render(k, false)).join('')}</${t.name}>`;
    };
    fc.assert(fc.property(tree, (t) => assertContract(Buffer.from(render(t, true)))), { numRuns: 500 * RUNS });
  });
});
