import type { TopicSpec } from './kafka.port';
import { batchTopicGroups, createTopicRecords } from './topic-batches';

const topic = (name: string, partitions: number, configs = 0): TopicSpec => ({
  topic: name,
  partitions,
  replicationFactor: 1,
  config: Object.fromEntries(Array.from({ length: configs }, (_, i) => [`c${i}`, '1'])),
});

describe('batchTopicGroups', () => {
  it('counts a topic record, one per partition and one per config entry', () => {
    expect(createTopicRecords(topic('a', 3, 4))).toBe(8);
    expect(createTopicRecords({ topic: 'b', partitions: 1, replicationFactor: 1 })).toBe(2);
  });

  it('fills each request up to the limit without splitting a group, in order', () => {
    const groups = ['g1', 'g2', 'g3', 'g4', 'g5'].map((g) => ({ g, specs: [topic(`${g}.a`, 3, 1), topic(`${g}.b`, 3, 1)] })); // 10 records each
    const batches = batchTopicGroups(groups, 25);
    expect(batches.map((b) => b.map((x) => x.g))).toEqual([['g1', 'g2'], ['g3', 'g4'], ['g5']]);
    expect(batchTopicGroups(groups, 30).map((b) => b.length)).toEqual([3, 2]);
  });

  it('puts a group larger than the limit alone in its own request, and refuses a limit below 1', () => {
    const big = { g: 'big', specs: [topic('big', 50)] };
    const small = { g: 'small', specs: [topic('small', 1)] };
    expect(batchTopicGroups([small, big, small], 10).map((b) => b.map((x) => x.g))).toEqual([['small'], ['big'], ['small']]);
    expect(() => batchTopicGroups([small], 0)).toThrow(RangeError);
    expect(batchTopicGroups([], 10)).toEqual([]);
  });
});
