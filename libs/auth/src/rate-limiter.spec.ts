import { RateLimiter } from './rate-limiter';
import { constantTimeEqual } from './constant-time.util';

describe('RateLimiter', () => {
  it('allows a burst, then the refill rate, per client', () => {
    let now = 0;
    const limiter = new RateLimiter(2, 3, () => now);
    expect([1, 2, 3].map(() => limiter.take('a'))).toEqual([0, 0, 0]);
    expect(limiter.take('a')).toBeGreaterThan(0);
    expect(limiter.take('b')).toBe(0);
    now += 500;
    expect(limiter.take('a')).toBe(0);
    expect(limiter.take('a')).toBeGreaterThan(0);
  });

  it('is off when the rate is 0', () => {
    const limiter = new RateLimiter(0, 0);
    for (let i = 0; i < 100; i += 1) expect(limiter.take('a')).toBe(0);
  });
});

describe('constantTimeEqual', () => {
  it('compares values of any length', () => {
    expect(constantTimeEqual('secret', 'secret')).toBe(true);
    expect(constantTimeEqual('secret', 'secreT')).toBe(false);
    expect(constantTimeEqual('secret', 'secret-longer')).toBe(false);
  });
});
