/**
 * Mends a busy loop in kafkajs 2.2.4 (upstream tulios/kafkajs#1556 and #1704, fixes proposed in
 * #1667 and #1703, none merged; kafkajs is no longer actively maintained).
 *
 * Every broker connection has a RequestQueue. After each response it calls
 * `checkPendingRequests`, which calls `scheduleCheckPendingRequests`, which sets a timer even when
 * nothing is pending: its delay is then `throttledUntil - now`, negative, so Node runs it after
 * 1 ms, and the timer calls `checkPendingRequests` again. So each connection woke its process
 * about a thousand times a second for as long as it lived, under load and idle. The four apps,
 * idle, spent 136–143 ms of CPU per second together before this mend and 93–94 after
 * (bench/idle-cpu.mjs; bench/RESULTS.md, 2026-12-07 session 19).
 *
 * Here a check is scheduled only while requests are waiting: at the end of a client-side
 * throttle, or (waiting for an in-flight slot) after the same 10 ms as before, though the response
 * that frees the slot checks the queue anyway. A request pushed later schedules its own check
 * (`push`), so none is left waiting.
 *
 * Applied once, when libs/kafka's kafkajs adapter is loaded, and only to the version it was
 * written against: another version is left as it is. kafkajs-request-queue.patch.spec.ts then
 * fails on the version, and its behaviour cases say whether the new version still needs mending.
 */
import { createRequire } from 'node:module';

/** The version whose RequestQueue this mends. */
export const PATCHED_KAFKAJS_VERSION = '2.2.4';

/** What the mended method touches of kafkajs' RequestQueue (src/network/requestQueue). */
interface RequestQueueInternals {
  pending: unknown[];
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  checkPendingRequests(): void;
  scheduleCheckPendingRequests(): void;
}

/** kafkajs' own interval for re-checking requests that wait for an in-flight slot. */
const CHECK_PENDING_REQUESTS_INTERVAL_MS = 10;

/** Whether the mend is in place (false: another kafkajs version, left as it is). */
export const kafkajsRequestQueuePatched: boolean = (() => {
  const load = createRequire(__filename);
  const { version } = load('kafkajs/package.json') as { version: string };
  if (version !== PATCHED_KAFKAJS_VERSION) return false;
  const RequestQueue = load('kafkajs/src/network/requestQueue') as { prototype: RequestQueueInternals };
  RequestQueue.prototype.scheduleCheckPendingRequests = function (this: RequestQueueInternals): void {
    if (this.throttleCheckTimeoutId || this.pending.length === 0) return;
    const throttled = this.throttledUntil - Date.now();
    this.throttleCheckTimeoutId = setTimeout(
      () => {
        this.throttleCheckTimeoutId = null;
        this.checkPendingRequests();
      },
      throttled > 0 ? throttled : CHECK_PENDING_REQUESTS_INTERVAL_MS,
    );
  };
  return true;
})();
