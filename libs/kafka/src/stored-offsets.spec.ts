import { checkStoredOffsets, offsetsByTopic, resumeFromStored } from './stored-offsets';

describe('resumeFromStored', () => {
  it('resumes each assigned partition at its stored offset and starts the others at 0, loading each topic once', async () => {
    const asked: string[][] = [];
    const offsets = await resumeFromStored(
      [{ topic: 'a', partition: 0 }, { topic: 'a', partition: 1 }, { topic: 'b', partition: 0 }],
      async (topics) => {
        asked.push(topics);
        return [{ topic: 'a', partition: 1, offset: '42' }, { topic: 'c', partition: 0, offset: '7' }];
      },
    );
    expect(asked).toEqual([['a', 'b']]);
    expect(offsets).toEqual([
      { topic: 'a', partition: 0, offset: '0' },
      { topic: 'a', partition: 1, offset: '42' },
      { topic: 'b', partition: 0, offset: '0' },
    ]);
  });
});

describe('checkStoredOffsets', () => {
  const ID = '11111111-1111-4111-8111-111111111111';
  const NEW_ID = '22222222-2222-4222-8222-222222222222';
  const current = (topicId: string, ends: number[]) =>
    new Map([['t', { topicId, ends: ends.map((offset, partition) => ({ topic: 't', partition, offset: String(offset) })) }]]);
  const assigned = [{ topic: 't', partition: 0 }, { topic: 't', partition: 1 }];

  it('resumes at the stored offsets of the same topic, and at 0 where none is stored', () => {
    const checks = checkStoredOffsets(assigned, [{ topic: 't', partition: 0, offset: '5', topicId: ID }], current(ID, [9, 3]));
    expect(checks).toEqual([
      { topic: 't', partition: 0, offset: '5', topicId: ID },
      { topic: 't', partition: 1, offset: '0', topicId: ID },
    ]);
  });

  it('finds a topic replaced under the same name, even where its new log reaches the stored offset', () => {
    const checks = checkStoredOffsets(assigned, [{ topic: 't', partition: 0, offset: '5', topicId: ID }, { topic: 't', partition: 1, offset: '2', topicId: ID }], current(NEW_ID, [9, 3]));
    expect(checks.map((c) => c.problem)).toEqual(['topic-replaced', 'topic-replaced']);
    expect(checks[0].stored).toEqual({ offset: '5', topicId: ID });
    expect(checks[0].topicId).toBe(NEW_ID);
  });

  it('finds a stored offset past the log end, with or without a stored id, and adopts an id-less offset that fits', () => {
    const checks = checkStoredOffsets(assigned, [{ topic: 't', partition: 0, offset: '10', topicId: ID }, { topic: 't', partition: 1, offset: '3', topicId: null }], current(ID, [9, 3]));
    expect(checks[0]).toMatchObject({ problem: 'beyond-log-end', stored: { offset: '10', topicId: ID } });
    expect(checks[1]).toEqual({ topic: 't', partition: 1, offset: '3', topicId: ID });
    const legacy = checkStoredOffsets([{ topic: 't', partition: 0 }], [{ topic: 't', partition: 0, offset: '4', topicId: null }], current(NEW_ID, [0, 0]));
    expect(legacy[0]).toMatchObject({ problem: 'beyond-log-end', stored: { offset: '4', topicId: null } });
  });

  it('refuses to guess for a topic the cluster does not show', () => {
    expect(() => checkStoredOffsets([{ topic: 'gone', partition: 0 }], [], current(ID, [1]))).toThrow(/not in the cluster/);
  });
});

describe('offsetsByTopic', () => {
  it('groups offsets by topic, keeping each topic\'s partitions in the order given', () => {
    const grouped = offsetsByTopic([
      { topic: 'a', partition: 0, offset: '5' },
      { topic: 'b', partition: 1, offset: '2' },
      { topic: 'a', partition: 1, offset: '7' },
      { topic: 'b', partition: 0, offset: '1' },
    ]);
    expect([...grouped]).toEqual([
      ['a', [{ topic: 'a', partition: 0, offset: '5' }, { topic: 'a', partition: 1, offset: '7' }]],
      ['b', [{ topic: 'b', partition: 1, offset: '2' }, { topic: 'b', partition: 0, offset: '1' }]],
    ]);
    expect(offsetsByTopic([]).size).toBe(0);
  });
});
