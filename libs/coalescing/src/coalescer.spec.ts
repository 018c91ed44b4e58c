import { Coalescer } from './coalescer';

describe('Coalescer', () => {
  const tick = () => new Promise((r) => setImmediate(r));

  it('runs a lone call at once and the calls made meanwhile together, at most maxBatch per run, answering each in order', async () => {
    const runs: number[][] = [];
    const coalescer = new Coalescer<number, string>(async (inputs) => {
      runs.push(inputs);
      await tick();
      return inputs.map((i) => `#${i}`);
    }, 3);
    const answers = await Promise.all([1, 2, 3, 4, 5, 6].map((i) => coalescer.call(i)));
    expect(runs).toEqual([[1], [2, 3, 4], [5, 6]]);
    expect(answers).toEqual(['#1', '#2', '#3', '#4', '#5', '#6']);
  });

  it('rejects exactly the calls of a failed run and goes on with the next', async () => {
    let fail = true;
    const coalescer = new Coalescer<number, number>(async (inputs) => {
      await tick();
      if (fail) {
        fail = false;
        throw new Error('connection lost');
      }
      return inputs;
    });
    const first = coalescer.call(1);
    const second = coalescer.call(2);
    await expect(first).rejects.toThrow('connection lost');
    await expect(second).resolves.toBe(2);
  });

  it('bounds a batch by weight too, and runs a call heavier than the bound alone', async () => {
    const runs: number[][] = [];
    const coalescer = new Coalescer<number, number>(
      async (inputs) => {
        runs.push(inputs);
        await tick();
        return inputs;
      },
      100,
      { of: (i) => i, max: 10 },
    );
    await Promise.all([1, 4, 5, 2, 12, 3].map((i) => coalescer.call(i)));
    expect(runs).toEqual([[1], [4, 5], [2], [12], [3]]);
    // A batch may weigh exactly the bound (the producer's request size is a maximum, not a limit to stay under).
    runs.length = 0;
    await Promise.all([1, 6, 4, 5, 5].map((i) => coalescer.call(i)));
    expect(runs).toEqual([[1], [6, 4], [5, 5]]);
  });

  it('runs a call made by a caller the last batch woke, and idle() waits for it', async () => {
    const runs: number[][] = [];
    const coalescer = new Coalescer<number, number>(async (inputs) => {
      runs.push(inputs);
      await tick();
      return inputs;
    });
    let again: Promise<number> | undefined;
    await coalescer.call(1).then(() => (again = coalescer.call(2)));
    await coalescer.idle();
    expect(runs).toEqual([[1], [2]]);
    await expect(again).resolves.toBe(2);
  });
});

