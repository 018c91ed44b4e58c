// Raw single-core parse rate of the hub's XML parser (parseMessage) on the benchmark mix:
// the physical limit the intake-to-queryable throughput is compared with.
import { dist, messageMix } from './lib/common.mjs';

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

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = measureParseRate(messageMix(2000), Number(process.argv[2] ?? 5));
  console.log(JSON.stringify(result));
}
