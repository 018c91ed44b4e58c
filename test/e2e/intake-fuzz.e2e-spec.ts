import * as fc from 'fast-check';
import { buildMessage, fnr } from '@hub/testing';
import { HubHarness, startHub } from '../support/hub-harness';
import { ALL_DEMO_KOMMUNER, demoKommuner, postMessage, readAppRec } from './intake-support';

/**
 * Issue #3: "a property-based fuzz test throws mutated and random XML at ... the intake: no
 * crash, no hang, every answer an AppRec". This one goes through HTTP, auth, the raw-body
 * middleware, parsing, routing, Kafka and PostgreSQL, not just the parser (the parser has its
 * own fuzz spec in libs/messages). Bounded: a fixed number of runs with a fixed seed per run
 * printed on failure, and a time limit per request.
 */
const RUNS_MUTATED = Number(process.env.HLTEST_FUZZ_RUNS ?? 150);
const RUNS_RANDOM = Math.ceil(RUNS_MUTATED / 3);
const MAX_MS_PER_REQUEST = 10000;

const FRAGMENTS = ['<', '>', '</', '/>', '&', '&amp;', '&#0;', '&#x110000;', '<!--', '-->', '<![CDATA[', ']]>', '<!DOCTYPE a>', '<!ENTITY x "y">', '"', "'", '=', 'xmlns:x="u"', 'x:', '<?xml version="1.0" encoding="ISO-8859-1"?>', '\u0000', '\uFFFE', 'æøå', '__proto__', '<a>', '</a>', 'V=""', '<MsgId/>', '<Ident/>'];

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
    if (m.kind === 'delete') s = s.slice(0, at) + s.slice(at + m.len);
    else if (m.kind === 'insert') s = s.slice(0, at) + m.text + s.slice(at);
    else if (m.kind === 'duplicate') s = s.slice(0, at) + s.slice(at, at + m.len).repeat(2) + s.slice(at + m.len);
    else s = s.slice(0, at) + FRAGMENTS[m.frag] + s.slice(at);
  }
  return s;
}

const patient = { familyName: 'Fuzz', givenName: 'Åse', birthDate: '1961-01-01', fnr: fnr('1961-01-01', 451) };
const SEEDS = [
  buildMessage({ kind: 'ORIENTERING_TJENESTETILBUD', version: '1.6', patient }),
  buildMessage({ kind: 'INNLEGGELSESRAPPORT', version: '1.5', patient, encoding: 'ISO-8859-1' }),
  buildMessage({ kind: 'EPIKRISE', version: '1.2', patient }),
  buildMessage({ kind: 'HENVISNING_NYTILSTAND', version: '2.0', patient }),
  buildMessage({ kind: 'DIALOG_NOTAT', version: '1.1', patient }),
].map((b) => b.toString('latin1'));

describe('intake fuzz: mutated and random XML at POST /v1/messages', () => {
  let hub: HubHarness;
  let gateway: string;
  const outcomes = new Map<string, number>();

  beforeAll(async () => {
    hub = await startHub(demoKommuner());
    gateway = await hub.token({ client: 'gateway-fuzz', scopes: ['messages:write'], kommuner: ALL_DEMO_KOMMUNER() });
  });
  afterAll(async () => {
    await hub?.close();
    // eslint-disable-next-line no-console -- figures for the issue note
    console.log(`intake fuzz outcomes: ${[...outcomes.entries()].map(([k, n]) => `${k}×${n}`).join(', ')}`);
  });

  /** The contract: an AppRec (or, for an accepted AppRec, 202 with an empty body), never 5xx, answered in time. */
  async function assertAnswer(body: Buffer): Promise<void> {
    const started = Date.now();
    const r = await postMessage(hub, gateway, body);
    const ms = Date.now() - started;
    expect(ms).toBeLessThan(MAX_MS_PER_REQUEST);
    expect(r.status).toBeLessThan(500);
    expect([200, 202, 413, 422]).toContain(r.status);
    const appRec = readAppRec(r.body);
    if (r.status === 202 && r.body === '') {
      // Only an AppRec is acknowledged without an AppRec.
      expect(r.headers.get('x-intake-outcome')).toBe('ACCEPTED');
      outcomes.set('202-empty', (outcomes.get('202-empty') ?? 0) + 1);
      return;
    }
    expect(appRec.version).toBeDefined();
    expect(appRec.status).toBe(r.status === 422 || r.status === 413 ? '2' : '1');
    if (appRec.status === '2') expect(appRec.errors.length).toBeGreaterThan(0);
    const key = `${r.status}${appRec.errors.length ? `:${appRec.errors.join('+')}` : ''}`;
    outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
  }

  it('mutated valid messages always get an AppRec', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(SEEDS.length - 1), fc.array(mutation, { minLength: 1, maxLength: 6 }), async (seed, mutations) => {
        await assertAnswer(Buffer.from(mutate(SEEDS[seed], mutations), 'latin1'));
      }),
      { numRuns: RUNS_MUTATED, interruptAfterTimeLimit: 240000 },
    );
  });

  it('well-formed messages with random values (attributes, texts, dropped elements) always get an AppRec', async () => {
    // Keeps the XML well-formed so the fuzzing reaches mapping, identifiers, routing and Kafka.
    const edit = fc.record({ which: fc.nat(), value: fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('', 'N', 'M', 'C', 'X', '0', '99387', '7700001', '15076500565', '00000000000', 'true', '1', 'not-a-uuid')), drop: fc.boolean() });
    const escape = (v: string) => v.replace(/[^\x20-\x7E\u00A0-\u00FF]/g, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');
    await fc.assert(
      fc.asyncProperty(fc.nat(SEEDS.length - 1), fc.array(edit, { minLength: 1, maxLength: 4 }), fc.uuid(), async (seed, edits, msgId) => {
        // A fresh MsgId per run, so the edits reach Kafka instead of stopping at the duplicate check.
        let xml = SEEDS[seed].split(/<(?:\w+:)?MsgId>([^<]+)</.exec(SEEDS[seed])![1]).join(msgId);
        for (const e of edits) {
          const spots = [...xml.matchAll(/ V="[^"]*"|>[^<>]+</g)];
          if (spots.length === 0) break;
          const spot = spots[e.which % spots.length];
          const at = spot.index!;
          const replacement = spot[0].startsWith(' V=') ? (e.drop ? '' : ` V="${escape(e.value)}"`) : `>${escape(e.value)}<`;
          xml = xml.slice(0, at) + replacement + xml.slice(at + spot[0].length);
        }
        await assertAnswer(Buffer.from(xml, 'latin1'));
      }),
      { numRuns: RUNS_MUTATED, interruptAfterTimeLimit: 240000 },
    );
  });

  it('random strings, bytes and XML-ish trees always get an AppRec', async () => {
    const tree: fc.Arbitrary<string> = fc.letrec<{ node: string }>((tie) => ({
      node: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        fc.string({ maxLength: 20 }),
        fc.tuple(fc.constantFrom('MsgHead', 'Message', 'AppRec', 'Pasient', 'x:a', 'Document'), fc.array(tie('node'), { maxLength: 4 })).map(([name, kids]) => `<${name}>${kids.join('')}</${name}>`),
      ),
    })).node;
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ maxLength: 400 }).map((s) => Buffer.from(s, 'utf8')),
          fc.uint8Array({ maxLength: 400 }).map((a) => Buffer.from(a)),
          tree.map((t) => Buffer.from(`<?xml version="1.0"?>${t}`, 'utf8')),
        ),
        async (body) => assertAnswer(body),
      ),
      { numRuns: RUNS_RANDOM, interruptAfterTimeLimit: 120000 },
    );
  });

  it('the hub is still healthy and accepts a valid message after the fuzzing', async () => {
    const r = await postMessage(hub, gateway, buildMessage({ kind: 'ORIENTERING_TJENESTETILBUD', version: '1.6', patient }));
    expect(r.status).toBe(202);
    expect(readAppRec(r.body).status).toBe('1');
    expect((await fetch(`${hub.baseUrl}/health/live`)).status).toBe(200);
  });
});
