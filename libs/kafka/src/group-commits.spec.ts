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

  describe('in the background (a consumer whose position is kept elsewhere)', () => {
    type Offsets = Array<{ topic: string; partition: number; offset: string }>;
    beforeEach(() => jest.useFakeTimers());
    afterEach(() => jest.useRealTimers());

    function background(send: (offsets: Offsets) => Promise<void> = async () => undefined) {
      const requests: Offsets[] = [];
      const failures: unknown[] = [];
      const commits = new GroupCommits(
        async (offsets) => {
          requests.push(offsets);
          await send(offsets);
        },
        { intervalMs: 1000, failed: (error) => failures.push(error) },
      );
      return { commits, requests, failures };
    }

    it('answers the batch at once and sends the latest offset of each partition one interval after the first', async () => {
      const { commits, requests } = background();
      await commits.commit({ topic: 't', partition: 0, offset: '5' });
      await commits.commit({ topic: 't', partition: 1, offset: '3' });
      await commits.commit({ topic: 't', partition: 0, offset: '9' });
      await jest.advanceTimersByTimeAsync(999);
      expect(requests).toEqual([]);
      await jest.advanceTimersByTimeAsync(1);
      expect(requests).toEqual([[{ topic: 't', partition: 0, offset: '9' }, { topic: 't', partition: 1, offset: '3' }]]);
      // Nothing held, nothing sent; the next offset starts the next interval.
      await jest.advanceTimersByTimeAsync(5000);
      expect(requests).toHaveLength(1);
      await commits.commit({ topic: 't', partition: 1, offset: '4' });
      await jest.advanceTimersByTimeAsync(1000);
      expect(requests[1]).toEqual([{ topic: 't', partition: 1, offset: '4' }]);
    });

    it('flush sends what is held now, in one request, and the interval then sends nothing more', async () => {
      const { commits, requests } = background();
      await commits.commit({ topic: 'a', partition: 0, offset: '2' });
      await commits.commit({ topic: 'b', partition: 3, offset: '7' });
      await commits.flush();
      expect(requests).toEqual([[{ topic: 'a', partition: 0, offset: '2' }, { topic: 'b', partition: 3, offset: '7' }]]);
      await jest.advanceTimersByTimeAsync(2000);
      expect(requests).toHaveLength(1);
      await commits.flush();
      expect(requests).toHaveLength(1);
    });

    it('discard drops what is held (a rebalance): nothing of it is sent later', async () => {
      const { commits, requests } = background();
      await commits.commit({ topic: 't', partition: 0, offset: '5' });
      commits.discard();
      await jest.advanceTimersByTimeAsync(2000);
      await commits.flush();
      expect(requests).toEqual([]);
    });

    it('flushWithin (a stop) waits at most its time for a broker that does not answer, never rejects, and says why', async () => {
      const { commits, requests, failures } = background(() => new Promise<void>(() => undefined));
      await commits.commit({ topic: 't', partition: 0, offset: '5' });
      let done = false;
      const stopping = commits.flushWithin(3000).then(() => (done = true));
      await jest.advanceTimersByTimeAsync(2999);
      expect(done).toBe(false);
      await jest.advanceTimersByTimeAsync(1);
      await stopping;
      expect(requests).toEqual([[{ topic: 't', partition: 0, offset: '5' }]]);
      expect(failures).toEqual([new Error('group commit on stop took longer than 3000 ms')]);
    });

    it('flushWithin passes a refused commit to `failed` instead of rejecting', async () => {
      const { commits, failures } = background(async () => {
        throw new Error('broker away');
      });
      await commits.commit({ topic: 't', partition: 0, offset: '5' });
      await expect(commits.flushWithin(3000)).resolves.toBeUndefined();
      expect(failures).toEqual([new Error('broker away')]);
    });

    it('reports a failed background request, and the offsets noted after it go out at the next interval', async () => {
      let fail = true;
      const { commits, requests, failures } = background(async () => {
        if (fail) {
          fail = false;
          throw new Error('rebalance in progress');
        }
      });
      await commits.commit({ topic: 't', partition: 0, offset: '5' });
      await jest.advanceTimersByTimeAsync(1000);
      expect(failures).toEqual([new Error('rebalance in progress')]);
      await commits.commit({ topic: 't', partition: 0, offset: '6' });
      await jest.advanceTimersByTimeAsync(1000);
      expect(requests).toEqual([[{ topic: 't', partition: 0, offset: '5' }], [{ topic: 't', partition: 0, offset: '6' }]]);
      expect(failures).toHaveLength(1);
    });
  });
});
