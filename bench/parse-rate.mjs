// Raw single-core parse rate of the hub's XML parser (parseMessage) on the benchmark mix:
// the physical limit the intake-to-queryable throughput is compared with. Beside it, measured
// side by side in the same run, the CPU cost per message of the XSD validation intake adds
// (issue #12 item 4): libxml2-wasm parse + validate against the national schema set, in this
// thread, and through the worker pool intake uses (the worker's CPU plus the copy and messages).
//
//   npm run build && node bench/parse-rate.mjs [seconds] [--xsd]
import { readFileSync } from 'node:fs';
import { dist, median, messageMix } from './lib/common.mjs';

export function measureParseRate(messages, seconds) {
  const { parseMessage } = dist('messages');
  for (let i = 0; i < Math.min(200, messages.length); i++) parseMessage(messages[i]); // warm-up (JIT)
  const started = process.hrtime.bigint();
  const limit = BigInt(Math.round(seconds * 1e9));
  let n = 0;
  let bytes = 0;
  while (process.hrtime.bigint() - started < limit) {
    const m = messages[n % messages.length];
    parseMessage(m);
    bytes += m.length;
    n++;
  }
  const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  return { messagesPerSecond: n / elapsed, megabytesPerSecond: bytes / elapsed / 1048576, messages: n };
}

/** CPU microseconds per message (user + system of the whole process, all threads) of `fn` over the mix. */
async function cpuPerMessage(messages, fn, rounds) {
  const before = process.cpuUsage();
  const started = performance.now();
  for (let r = 0; r < rounds; r++) await fn(messages);
  const cpu = process.cpuUsage(before);
  const n = messages.length * rounds;
  return { cpuMicrosPerMessage: (cpu.user + cpu.system) / n, wallMicrosPerMessage: ((performance.now() - started) * 1000) / n };
}

/**
 * Parse and XSD validation side by side: the rounds alternate (parse, validate in-thread, validate
 * through the pool) so a machine that slows down or speeds up during the run affects all three.
 * Every document of the mix must validate (the builder's messages are XSD-valid): a check that the
 * figures are of real validations.
 */
export async function measureParseAndXsd(messages, { rounds = 5, poolWorkers = 1 } = {}) {
  const { parseMessage } = dist('messages');
  const xsd = dist('xsd-validation');
  const { XmlDocument, XsdValidator, ParseOption } = await import('libxml2-wasm');
  const { xmlRegisterFsInputProviders } = await import('libxml2-wasm/lib/nodejs.mjs');
  xmlRegisterFsInputProviders();
  const schemaPath = xsd.nationalSchemaPath();
  const compileStarted = performance.now();
  const schemaDoc = XmlDocument.fromBuffer(readFileSync(schemaPath), { url: schemaPath });
  const validator = XsdValidator.fromDoc(schemaDoc);
  schemaDoc.dispose();
  const compileMs = performance.now() - compileStarted;
  const options = ParseOption.XML_PARSE_NONET | ParseOption.XML_PARSE_NO_XXE | ParseOption.XML_PARSE_HUGE | ParseOption.XML_PARSE_BIG_LINES;
  const validateInThread = (list) => {
    for (const m of list) {
      const doc = XmlDocument.fromBuffer(m, { option: options });
      try {
        validator.validate(doc);
      } finally {
        doc.dispose();
      }
    }
  };
  const pool = new xsd.XsdValidationPool({ workers: poolWorkers });
  await pool.start();
  const validateInPool = async (list) => {
    // As intake does: one request per message, many in flight (16 gateways).
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < list.length) {
          const verdict = await pool.validate(list[next++]);
          if (verdict.outcome !== 'valid') throw new Error(`benchmark message not XSD-valid: ${JSON.stringify(verdict)}`);
        }
      }),
    );
  };
  const parseAll = (list) => {
    for (const m of list) parseMessage(m);
  };
  // Warm-up (JIT, wasm tiers) and the validity check of the whole mix.
  parseAll(messages.slice(0, 200));
  validateInThread(messages.slice(0, 200));
  await validateInPool(messages);

  const sums = { parse: [], xsdInThread: [], xsdPool: [] };
  for (let r = 0; r < rounds; r++) {
    sums.parse.push(await cpuPerMessage(messages, parseAll, 1));
    sums.xsdInThread.push(await cpuPerMessage(messages, validateInThread, 1));
    sums.xsdPool.push(await cpuPerMessage(messages, validateInPool, 1));
  }
  await pool.close();
  validator.dispose();
  const summary = (list) => ({ cpuMicrosPerMessage: median(list.map((x) => x.cpuMicrosPerMessage)), wallMicrosPerMessage: median(list.map((x) => x.wallMicrosPerMessage)) });
  const parse = summary(sums.parse);
  const xsdInThread = summary(sums.xsdInThread);
  const xsdPool = summary(sums.xsdPool);
  return {
    messages: messages.length,
    rounds,
    averageBytes: Math.round(messages.reduce((a, m) => a + m.length, 0) / messages.length),
    schemaCompileMs: compileMs,
    parse,
    xsdInThread,
    xsdPool,
    xsdPoolToParse: xsdPool.cpuMicrosPerMessage / parse.cpuMicrosPerMessage,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  if (process.argv.includes('--xsd')) {
    const count = Number(process.argv[process.argv.indexOf('--xsd') + 1]) || 2000;
    const result = await measureParseAndXsd(messageMix(count), { rounds: 5 });
    console.log(JSON.stringify(result, null, 2));
  } else {
    const result = measureParseRate(messageMix(2000), Number(process.argv[2] ?? 5));
    console.log(JSON.stringify(result));
  }
}
