import { createRequire } from 'node:module';
import { kafkajsRequestQueuePatched, PATCHED_KAFKAJS_VERSION } from './kafkajs-request-queue.patch';

/**
 * kafkajs' RequestQueue as the hub runs it (with the mend applied when libs/kafka is loaded):
 * no timer while nothing waits, and a request held back by a throttle or by the in-flight limit
 * is still sent. After a kafkajs upgrade the first case fails (the mend is left out for another
 * version); the behaviour cases, which do not look at the version, then say whether the new
 * version needs a mend of its own.
 */
describe('kafkajs RequestQueue (as mended by kafkajs-request-queue.patch)', () => {
  const load = createRequire(__filename);
  const RequestQueue = load('kafkajs/src/network/requestQueue');
  const logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
  const queue = (maxInFlightRequests: number | null = null) =>
    new RequestQueue({ maxInFlightRequests, requestTimeout: 30000, enforceRequestTimeout: false, clientId: 'spec', broker: 'spec:9092', logger });
  let correlationId = 0;
  const request = () => {
    const sent = jest.fn();
    return { sent, pushed: { entry: { correlationId: ++correlationId, apiKey: 1, apiName: 'Fetch', apiVersion: 11, resolve: jest.fn(), reject: jest.fn() }, expectResponse: true, sendRequest: sent } };
  };

  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('is the version the mend was written for', () => {
    expect(load('kafkajs/package.json').version).toBe(PATCHED_KAFKAJS_VERSION);
    expect(kafkajsRequestQueuePatched).toBe(true);
  });

  it('sets no timer after a response when nothing waits (upstream re-armed a 1 ms timer forever)', () => {
    const q = queue();
    const { sent, pushed } = request();
    q.push(pushed);
    expect(sent).toHaveBeenCalledTimes(1);
    q.fulfillRequest({ correlationId: pushed.entry.correlationId, payload: Buffer.alloc(0), size: 0 });
    expect(q.throttleCheckTimeoutId).toBeNull();
    expect(jest.getTimerCount()).toBe(0);
  });

  it('sends a request held back by a client-side throttle when the throttle ends, then stops checking', () => {
    const q = queue();
    q.maybeThrottle(50);
    const { sent, pushed } = request();
    q.push(pushed);
    expect(sent).not.toHaveBeenCalled();
    jest.advanceTimersByTime(49);
    expect(sent).not.toHaveBeenCalled();
    jest.advanceTimersByTime(2);
    expect(sent).toHaveBeenCalledTimes(1);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('sends a request waiting for an in-flight slot once a response frees one', () => {
    const q = queue(1);
    const first = request();
    const second = request();
    q.push(first.pushed);
    q.push(second.pushed);
    expect(second.sent).not.toHaveBeenCalled();
    q.fulfillRequest({ correlationId: first.pushed.entry.correlationId, payload: Buffer.alloc(0), size: 0 });
    expect(second.sent).toHaveBeenCalledTimes(1);
    q.fulfillRequest({ correlationId: second.pushed.entry.correlationId, payload: Buffer.alloc(0), size: 0 });
    // The check scheduled while the second waited runs once, finds nothing, and sets no other.
    jest.advanceTimersByTime(10);
    expect(jest.getTimerCount()).toBe(0);
  });
});
