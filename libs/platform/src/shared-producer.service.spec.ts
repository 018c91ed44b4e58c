import type { KafkaPort, ProducerPort } from '@hub/kafka';
import { SharedProducer } from './shared-producer.service';

function fakeKafka() {
  const requests: Array<Array<{ topic: string; records: unknown[] }>> = [];
  let release: (() => void) | undefined;
  let failNext = false;
  let connects = 0;
  const producer: ProducerPort = {
    send: async () => undefined,
    sendMany: (batches) =>
      new Promise<void>((resolve, reject) => {
        requests.push(batches);
        if (failNext) {
          failNext = false;
          reject(new Error('broker down'));
          return;
        }
        release = resolve;
      }),
    disconnect: async () => undefined,
  };
  const kafka = { producer: async () => (connects++, producer) } as unknown as KafkaPort;
  return {
    kafka,
    requests,
    release: () => release?.(),
    failNext: () => (failNext = true),
    connects: () => connects,
  };
}

const record = (v: string) => ({ key: v, value: Buffer.from(v) });
const tick = () => new Promise((r) => setImmediate(r));

describe('SharedProducer', () => {
  it('sends callers that arrive while a request is in flight together in the next request', async () => {
    const fake = fakeKafka();
    const producer = new SharedProducer(fake.kafka);
    const first = producer.sendMany([{ topic: 'a', records: [record('1')] }]);
    await tick();
    const second = producer.sendMany([{ topic: 'a', records: [record('2')] }]);
    const third = producer.sendMany([{ topic: 'b', records: [record('3')] }]);
    let secondDone = false;
    void second.then(() => (secondDone = true));
    expect(fake.requests).toHaveLength(1);
    fake.release();
    await first;
    await tick();
    expect(secondDone).toBe(false); // not acknowledged before its own request is
    expect(fake.requests).toHaveLength(2);
    expect(fake.requests[1]).toEqual([
      { topic: 'a', records: [record('2')] },
      { topic: 'b', records: [record('3')] },
    ]);
    fake.release();
    await Promise.all([second, third]);
  });

  it('rejects only the callers of a failed request and reconnects for the next', async () => {
    const fake = fakeKafka();
    const producer = new SharedProducer(fake.kafka);
    fake.failNext();
    await expect(producer.sendMany([{ topic: 'a', records: [record('x')] }])).rejects.toThrow('broker down');
    const retry = producer.sendMany([{ topic: 'a', records: [record('x')] }]);
    await tick();
    fake.release();
    await retry;
    expect(fake.connects()).toBe(2);
  });
});
