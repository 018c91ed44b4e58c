import { randomUUID } from 'node:crypto';
import { buildMessage, type BuildMessageOptions, fnr } from '@hub/testing';
import { HubHarness, startHub } from '../support/hub-harness';
import { ALL_DEMO_KOMMUNER, demoKommuner, postMessage, readAppRec } from './intake-support';

/**
 * Issue #12 item 4, "Strict where the standard is strict", through the running hub: mandatory
 * content present but empty or of the wrong type, or missing, is refused with AppRec status 2 and
 * code T02 (8221 "XML validerer ikke"), the text naming element and line and never the value.
 * The same variants are accepted (202) by the hub with the XSD check switched off, which is what
 * intake answered before the check existed.
 */
const patient = (birthDate: string, individ: number): NonNullable<BuildMessageOptions['patient']> => ({
  familyName: 'Prøve',
  givenName: 'Streng',
  birthDate,
  fnr: fnr(birthDate, individ),
});

interface Variant {
  label: string;
  options: Omit<BuildMessageOptions, 'msgId'>;
  mutate: (xml: string) => string;
  /** What the AppRec text must name. */
  names: RegExp;
  /** Content that must not appear in the AppRec text. */
  secret?: string;
}

const VARIANTS: Variant[] = [
  {
    label: 'PLO 1.6 Orientering with an empty xs:boolean (PrivatTjeneste)',
    options: {
      kind: 'ORIENTERING_TJENESTETILBUD',
      version: '1.6',
      patient: patient('1941-03-05', 31),
      services: [{ iplosCode: '15', startDate: '2024-01-01' }],
    },
    mutate: (xml) => xml.replace(/<((?:\w+:)?PrivatTjeneste)>false<\/\1>/, '<$1></$1>'),
    names: /line \d+, element PrivatTjeneste: not a valid xs:boolean/,
  },
  {
    label: 'PLO 1.5 Pasientlogistikk without the mandatory MIGversion',
    options: { kind: 'LOG_INNLAGT', version: '1.5', patient: patient('1942-04-06', 32) },
    mutate: (xml) => xml.replace(/<((?:\w+:)?MIGversion)>[^<]*<\/\1>/, ''),
    names: /line \d+, element GenDate: element not expected here \(expected MIGversion\)/,
  },
  {
    label: 'Dialogmelding 1.1 with a GenDate that is not a date-time',
    options: { kind: 'DIALOG_HELSEFAGLIG', version: '1.1', patient: patient('1943-05-07', 33) },
    mutate: (xml) => xml.replace(/(<(?:\w+:)?GenDate>)[^<]*(<\/(?:\w+:)?GenDate>)/, '$131.01.2018 11:35$2'),
    names: /line \d+, element GenDate: not a valid xs:dateTime/,
    secret: '31.01.2018',
  },
  {
    label: 'bare Epikrise 1.2 with a GenDate/@V that is not a date',
    options: { kind: 'EPIKRISE', version: '1.2', patient: patient('1944-06-08', 34) },
    mutate: (xml) => xml.replace(/(<(?:\w+:)?GenDate V=")[^"]*(")/, '$1i går$2'),
    names: /line \d+, element GenDate, attribute V: not a valid/,
    secret: 'i går',
  },
];

function otText(appRecXml: string): string {
  return /<(?:\w+:)?Error\b[^>]*\bOT="([^"]*)"/.exec(appRecXml)?.[1] ?? '';
}

function variantBody(v: Variant, msgId: string): string {
  const xml = buildMessage({ ...v.options, msgId }).toString('utf8');
  const mutated = v.mutate(xml);
  expect(mutated).not.toBe(xml); // the mutation applied
  return mutated;
}

describe('intake: XSD validation of business documents (issue #12 item 4)', () => {
  let hub: HubHarness;
  let gateway: string;

  beforeAll(async () => {
    hub = await startHub(demoKommuner());
    gateway = await hub.token({ client: 'gateway-xsd', scopes: ['messages:write'], kommuner: ALL_DEMO_KOMMUNER() });
  });
  afterAll(() => hub?.close());

  it.each(VARIANTS)('$label → 422, AppRec Avvist T02 naming the element, nothing stored', async (v) => {
    const msgId = randomUUID();
    const r = await postMessage(hub, gateway, variantBody(v, msgId));
    expect(r.status).toBe(422);
    expect(readAppRec(r.body)).toMatchObject({ status: '2', errors: ['T02'], originalMsgId: msgId });
    const text = otText(r.body);
    expect(text).toMatch(/^Does not validate against the standard&apos;s XSD: |^Does not validate against the standard's XSD: /);
    expect(text).toMatch(v.names);
    if (v.secret) expect(r.body).not.toContain(v.secret);
    // Nothing was stored under the MsgId: the corrected message is accepted as new, not as a duplicate.
    const fixed = await postMessage(hub, gateway, buildMessage({ ...v.options, msgId }));
    expect([fixed.status, fixed.headers.get('x-intake-outcome')]).toEqual([202, 'ACCEPTED']);
  });

  it('a MsgHead payload the hub has no official XSD for is accepted with a warning; its MsgHead is still validated', async () => {
    const options = { kind: 'DIALOG_HELSEFAGLIG', version: '1.1', patient: patient('1945-07-09', 35) } as const;
    const other = (msgId: string) =>
      buildMessage({ ...options, msgId })
        .toString('utf8')
        .split('http://www.kith.no/xmlstds/dialog/2013-01-23')
        .join('urn:example:e-resept');
    const accepted = await postMessage(hub, gateway, other(randomUUID()));
    expect(accepted.status).toBe(202);
    expect(hub.logs.some((l) => l.includes('Payload without an official XSD') && l.includes('urn:example:e-resept'))).toBe(true);
    const badHead = await postMessage(hub, gateway, other(randomUUID()).replace(/(<(?:\w+:)?GenDate>)[^<]*(<\/(?:\w+:)?GenDate>)/, '$1i går$2'));
    expect(badHead.status).toBe(422);
    expect(readAppRec(badHead.body).errors).toEqual(['T02']);
    expect(otText(badHead.body)).toMatch(/element GenDate: not a valid xs:dateTime/);
  });
});

describe('intake with the XSD check switched off (the behaviour before issue #12 item 4)', () => {
  let hub: HubHarness;
  let gateway: string;

  beforeAll(async () => {
    hub = await startHub(demoKommuner(), { INTAKE_XSD_VALIDATION: 'false' });
    gateway = await hub.token({ client: 'gateway-xsd-off', scopes: ['messages:write'], kommuner: ALL_DEMO_KOMMUNER() });
  });
  afterAll(async () => {
    await hub?.close();
    delete process.env.INTAKE_XSD_VALIDATION; // startHub writes its settings into process.env
  });

  it.each(VARIANTS)('$label → accepted 202 (the parser alone does not see it)', async (v) => {
    const r = await postMessage(hub, gateway, variantBody(v, randomUUID()));
    expect(r.status).toBe(202);
    expect(readAppRec(r.body)).toMatchObject({ status: '1', errors: [] });
  });
});
