// The work each app must do per message, alone in one process, without HTTP, Kafka or PostgreSQL:
// the floor under `cpu-per-message.mjs` and the intake → queryable CPU per message (#16). Each step
// is the libraries' own function on the benchmark's message mix, timed by process CPU over three
// passes after two warm-up passes:
//   intake:     parseMessage, sha256, the patient pseudonyms, the raw record's Avro encoding, the AppRec
//   normalizer: the raw record's Avro decoding, parseMessage, toDocumentEvent, the event's Avro encoding
//   projector:  the raw and the event records' Avro decoding (the rules and their SQL are not included)
// The XSD check is measured by `parse-rate.mjs --xsd`; it runs on intake's worker threads.
//
//   npm run build && node bench/work-per-message.mjs [--messages 3000]
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { dist, messageMix, ROOT, writeJson } from './lib/common.mjs';

const require = createRequire(import.meta.url);
const avro = require('avsc');
const messages = dist('messages');
const contracts = dist('contracts');
const normalization = dist('normalization');

const countArg = process.argv.indexOf('--messages');
const mix = messageMix(countArg === -1 ? 3000 : Number(process.argv[countArg + 1]));
const schema = (file) => avro.Type.forSchema(JSON.parse(readFileSync(join(ROOT, 'schemas', file), 'utf8')));
const rawType = schema('raw-message.avsc');
const eventType = schema('document-event.avsc');
const KEY = 'bench-pseudonym-key-0123456789';

/** Microseconds of process CPU per message for `fn` over the mix. */
function cpuUs(fn, inputs) {
  for (let pass = 0; pass < 2; pass++) for (const input of inputs) fn(input);
  const before = process.cpuUsage();
  for (let pass = 0; pass < 3; pass++) for (const input of inputs) fn(input);
  const used = process.cpuUsage(before);
  return (used.user + used.system) / (3 * inputs.length);
}

const parsed = mix.map((bytes) => ({ bytes, message: messages.parseMessage(bytes) }));
const raws = parsed.map(({ bytes, message }) => ({
  hubMessageId: contracts.uuidV5(`0301|${message.msgId}`),
  kommunenummer: '0301',
  receivedAt: Date.now(),
  gatewayClient: 'bench-gateway',
  msgId: message.msgId,
  msgType: message.msgType,
  standard: message.standard,
  standardVersion: message.standardVersion,
  senderHerIds: messages.partyHerIds(message.sender),
  receiverHerIds: messages.partyHerIds(message.receiver),
  patientPseudonym: normalization.resolvePatientPseudonyms(KEY, '0301', message.patient, normalization.senderTopHerId(message))?.primary ?? null,
  contentType: 'application/xml',
  declaredEncoding: null,
  sha256: contracts.sha256Hex(bytes),
  sizeBytes: bytes.length,
  payload: bytes,
  transport: null,
}));
const rawBytes = raws.map((r) => rawType.toBuffer(r));
const events = raws.map((raw, i) => normalization.toDocumentEvent(parsed[i].message, raw, KEY));
const eventBytes = events.map((e) => eventType.toBuffer(e));
const indexes = mix.map((_, i) => i);

const steps = {
  intake: {
    parseMessage: cpuUs((i) => messages.parseMessage(mix[i]), indexes),
    sha256: cpuUs((i) => contracts.sha256Hex(mix[i]), indexes),
    pseudonyms: cpuUs((i) => normalization.resolvePatientPseudonyms(KEY, '0301', parsed[i].message.patient, normalization.senderTopHerId(parsed[i].message)), indexes),
    'raw Avro encoding': cpuUs((i) => rawType.toBuffer(raws[i]), indexes),
    AppRec: cpuUs((i) => {
      const m = parsed[i].message;
      messages.buildAppRec({
        version: messages.appRecVersionFor(m.standard, m.standardVersion),
        status: 'OK',
        errors: [],
        original: { msgId: m.msgId, msgType: m.msgType, genDate: m.genDate, sender: m.sender, receiver: m.receiver },
        receipt: { id: contracts.uuidV5(`apprec|${m.msgId}`), genDate: '2026-12-06T10:00:00' },
        software: { name: 'Hendelseslager', version: 'bench' },
      });
    }, indexes),
  },
  normalizer: {
    'raw Avro decoding': cpuUs((i) => rawType.fromBuffer(rawBytes[i]), indexes),
    parseMessage: cpuUs((i) => messages.parseMessage(raws[i].payload), indexes),
    toDocumentEvent: cpuUs((i) => normalization.toDocumentEvent(parsed[i].message, raws[i], KEY), indexes),
    'event Avro encoding': cpuUs((i) => eventType.toBuffer(events[i]), indexes),
  },
  projector: {
    'raw Avro decoding': cpuUs((i) => rawType.fromBuffer(rawBytes[i]), indexes),
    'event Avro decoding': cpuUs((i) => eventType.fromBuffer(eventBytes[i]), indexes),
  },
};

const totals = Object.fromEntries(Object.entries(steps).map(([app, s]) => [app, Object.values(s).reduce((a, b) => a + b, 0)]));
console.log(`${mix.length} messages, average ${Math.round(mix.reduce((a, m) => a + m.length, 0) / mix.length)} bytes; event records average ${Math.round(eventBytes.reduce((a, b) => a + b.length, 0) / eventBytes.length)} bytes\n`);
console.log('| App | Step | µs of CPU per message |');
console.log('| --- | --- | ---: |');
for (const [app, s] of Object.entries(steps)) {
  for (const [step, us] of Object.entries(s)) console.log(`| ${app} | ${step} | ${us.toFixed(1)} |`);
  console.log(`| ${app} | **total** | **${totals[app].toFixed(1)}** |`);
}
console.log(`\nAll three apps: ${(Object.values(totals).reduce((a, b) => a + b, 0) / 1000).toFixed(3)} ms per message`);
writeJson('work-per-message.json', { date: new Date().toISOString(), messages: mix.length, steps, totals });
