// One broker against three (#15 item 2): the same intake → queryable run (intake, normalizer and
// projector as processes, bench/intake-to-queryable.mjs) against the default single broker at
// replication factor 1 and against a three-broker KRaft cluster at replication factor 3 with
// min.insync.replicas 2, alternating in rounds so both see the same machine (bench/lib/side-by-side.mjs).
//
// usage: STACK_DIR=.stack-3b KAFKA_PORT=29092 STACK_SKIP_IDP=1 npm run stack -- up --brokers 3
//        npm run build && HLTEST_SUFFIX=me node bench/brokers.mjs --three 127.0.0.1:29092,127.0.0.1:29093,127.0.0.1:29094 \
//          [--one 127.0.0.1:9092] [--rounds 3] [--messages 3000] [--concurrency 16] [--paced-seconds 20]
// Prints one line per run and the medians; writes bench/out/brokers.json.
import { sideBySide } from './lib/side-by-side.mjs';
import { writeJson } from './lib/common.mjs';

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};

const clusters = { one: opt('one', '127.0.0.1:9092'), three: opt('three') };
if (!clusters.three) {
  console.error('--three <broker,broker,broker> is required (a three-broker stack of your own, see bench/README.md)');
  process.exit(2);
}
const rounds = Number(opt('rounds', '3'));
const result = await sideBySide(
  {
    one: { label: '1 broker, RF 1', env: { KAFKA_BROKERS: clusters.one, KAFKA_REPLICATION_FACTOR: '1' } },
    three: { label: '3 brokers, RF 3, min ISR 2', env: { KAFKA_BROKERS: clusters.three, KAFKA_REPLICATION_FACTOR: '3', KAFKA_MIN_INSYNC_REPLICAS: '2' } },
  },
  { rounds, messages: Number(opt('messages', '3000')), warmup: Number(opt('warmup', '3000')), concurrency: Number(opt('concurrency', '16')), pacedSeconds: Number(opt('paced-seconds', '20')), tag: 'brokers' },
);
writeJson('brokers.json', { date: new Date().toISOString(), clusters, rounds, ...result });
