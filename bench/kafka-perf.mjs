// Kafka's own producer benchmark (org.apache.kafka.tools.ProducerPerformance, the class behind
// kafka-producer-perf-test.sh) from the same Kafka distribution the stack runs, acks=all.
import { execFileSync } from 'node:child_process';
import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { BENCH, ROOT, javaBin } from './lib/common.mjs';

export function kafkaProducerPerf({ records, recordSize, topic }) {
  const base = join(ROOT, '.stack', 'kafka');
  const version = existsSync(base) ? readdirSync(base).filter((d) => existsSync(join(base, d, 'lib'))).sort().pop() : undefined;
  if (!version) throw new Error('Kafka distribution not found under .stack/kafka: run `npm run stack -- up` first');
  const classpath = join(base, version, 'lib', '*');
  const java = javaBin();
  // The topic is created by the broker's admin through the tools' own TopicCommand.
  execFileSync(java, ['-cp', classpath, 'org.apache.kafka.tools.TopicCommand', '--bootstrap-server', BENCH.brokers, '--create', '--if-not-exists', '--topic', topic, '--partitions', '3', '--replication-factor', '1'], { stdio: 'ignore' });
  const output = execFileSync(
    java,
    ['-Xmx512m', '-cp', classpath, 'org.apache.kafka.tools.ProducerPerformance', '--topic', topic, '--num-records', String(records), '--record-size', String(recordSize), '--throughput', '-1',
      '--producer-props', `bootstrap.servers=${BENCH.brokers}`, 'acks=all', 'enable.idempotence=true', 'max.request.size=26214400'],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 600000 },
  );
  const summary = output.trim().split('\n').pop();
  const m = /([\d.]+) records\/sec \(([\d.]+) MB\/sec\), ([\d.]+) ms avg latency, ([\d.]+) ms max latency(?:, (\d+) ms 50th, (\d+) ms 95th, (\d+) ms 99th)?/.exec(summary);
  if (!m) throw new Error(`Unexpected ProducerPerformance output: ${summary}`);
  return { recordsPerSecond: Number(m[1]), megabytesPerSecond: Number(m[2]), avgLatencyMs: Number(m[3]), p50Ms: Number(m[5]), p99Ms: Number(m[7]), kafkaVersion: version, summary };
}
