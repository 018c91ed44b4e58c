import { PeriodicJob } from './periodic-job';

describe('PeriodicJob', () => {
  it('runs at most once at a time: a call while a run is in flight joins it', async () => {
    let runs = 0;
    let finish!: () => void;
    const job = new PeriodicJob(() => {
      runs++;
      return new Promise<void>((r) => (finish = r));
    });
    const a = job.run();
    const b = job.run();
    expect(runs).toBe(1);
    finish();
    await Promise.all([a, b]);
    const c = job.run();
    expect(runs).toBe(2);
    finish();
    await c;
  });

  it('runs on its timer, and stop() waits for the run in flight and then runs nothing more', async () => {
    jest.useFakeTimers();
    try {
      let runs = 0;
      let finish: (() => void) | undefined;
      const job = new PeriodicJob(() => {
        runs++;
        return new Promise<void>((r) => (finish = r));
      });
      job.start(1000, 100);
      await jest.advanceTimersByTimeAsync(100);
      expect(runs).toBe(1);
      let stopped = false;
      const stopping = job.stop().then(() => (stopped = true));
      await jest.advanceTimersByTimeAsync(10);
      expect(stopped).toBe(false);
      finish!();
      await stopping;
      await jest.advanceTimersByTimeAsync(5000);
      expect(runs).toBe(1);
    } finally {
      jest.useRealTimers();
    }
  });
});
