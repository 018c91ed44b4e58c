import type { DataSource } from 'typeorm';
import { dataSourceReady } from './database-lifecycle.service';

/** A DataSource double whose initialize() can be held open and made to fail. */
function fakeDataSource(outcomes: Array<'ok' | 'fail'>) {
  const calls: Array<() => void> = [];
  const ds = {
    isInitialized: false,
    initialize: jest.fn(
      () =>
        new Promise<void>((resolve, reject) => {
          const outcome = outcomes.shift() ?? 'ok';
          calls.push(() => {
            if (outcome === 'fail') return reject(new Error('connect ECONNREFUSED'));
            ds.isInitialized = true;
            resolve();
          });
        }),
    ),
  };
  return { ds, dataSource: ds as unknown as DataSource, settle: () => calls.splice(0).forEach((c) => c()) };
}

describe('dataSourceReady', () => {
  it('opens the pool once for concurrent first callers (two initialize() calls would open two pools)', async () => {
    const { ds, dataSource, settle } = fakeDataSource(['ok']);
    const waiting = [dataSourceReady(dataSource), dataSourceReady(dataSource), dataSourceReady(dataSource)];
    settle();
    await Promise.all(waiting);
    expect(ds.initialize).toHaveBeenCalledTimes(1);
    await dataSourceReady(dataSource);
    expect(ds.initialize).toHaveBeenCalledTimes(1);
  });

  it('fails every waiting caller when connecting fails, and the next call tries again', async () => {
    const { ds, dataSource, settle } = fakeDataSource(['fail', 'ok']);
    const waiting = [dataSourceReady(dataSource), dataSourceReady(dataSource)];
    settle();
    for (const w of await Promise.allSettled(waiting)) expect(w.status).toBe('rejected');
    const retry = dataSourceReady(dataSource);
    settle();
    await retry;
    expect(ds.initialize).toHaveBeenCalledTimes(2);
    expect(ds.isInitialized).toBe(true);
  });
});
