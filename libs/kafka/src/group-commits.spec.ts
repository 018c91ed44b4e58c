import { GroupCommits } from './group-commits';

describe('GroupCommits', () => {
  const tick = () => new Promise((r) => setImmediate(r));

  it('sends a lone commit at once, and commits asked for meanwhile together in the next request', async () => {
    const requests: Array<Array<{ topic: string; partition: number; offset: string }>> = [];
    const commits = new GroupCommits(async (offsets) => {
      requests.push(offsets);
      await tick();
    });
    const first = commits.commit({ topic: 't', partition: 0, offset: '5' });
    const rest = [1, 2, 3].map((p) => commits.commit({ topic: 't', partition: p, offset: String(10 + p) }));
    await Promise.all([first, ...rest]);
    expect(requests).toEqual([
      [{ topic: 't', partition: 0, offset: '5' }],
      [
        { topic: 't', partition: 1, offset: '11' },
        { topic: 't', partition: 2, offset: '12' },
        { topic: 't', partition: 3, offset: '13' },
      ],
    ]);
  });

  it('keeps the later offset of a partition asked for twice in one request', async () => {
    const requests: Array<Array<{ topic: string; partition: number; offset: string }>> = [];
    const commits = new GroupCommits(async (offsets) => {
      requests.push(offsets);
      await tick();
    });
    const blocker = commits.commit({ topic: 'a', partition: 0, offset: '1' });
    const older = commits.commit({ topic: 'b', partition: 0, offset: '7' });
    const newer = commits.commit({ topic: 'b', partition: 0, offset: '9' });
    await Promise.all([blocker, older, newer]);
    expect(requests[1]).toEqual([{ topic: 'b', partition: 0, offset: '9' }]);
  });

  it('rejects exactly the callers of a failed request; the next request is sent', async () => {
    let fail = true;
    const commits = new GroupCommits(async () => {
      await tick();
      if (fail) {
        fail = false;
        throw new Error('rebalance in progress');
      }
    });
    const first = commits.commit({ topic: 't', partition: 0, offset: '1' });
    const second = commits.commit({ topic: 't', partition: 1, offset: '2' });
    await expect(first).rejects.toThrow('rebalance in progress');
    await expect(second).resolves.toBeUndefined();
  });
});
