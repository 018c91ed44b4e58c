import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { HubConfig } from '@hub/config';
import type { FhirResource } from '@hub/fhir';
import { HubLogger, HubMetrics } from '@hub/observability';
import { DueSubscription, FhirSubscriptionRepository } from '@hub/persistence';
import { HUB_CONFIG, PeriodicJob } from '@hub/platform';
import { DeliverableSubscription, SubscriptionNotificationService } from '@hub/feature-read-api';
import { postNotification, PostOutcome } from './rest-hook.client';

/** Subscriptions one instance works at once, and how long it holds each (lease). */
const CLAIM = 16;
const LEASE_MS = 120_000;
/** Events in one notification at most. */
const EVENTS_PER_NOTIFICATION = 20;
const DEFAULT_TIMEOUT_SECONDS = 10;
const MAX_BACKOFF_MS = 300_000;
/**
 * How soon to look again when the read model does not hold an event's message yet, after `tries`
 * such answers in a row for the same events: 10 ms, doubling, at most 2 s. The projector usually
 * stores an event within milliseconds of the notifier, so the first look again comes at once;
 * while the projector is behind or down, the lookups thin out. Each costs a few statements and
 * no audited read (SubscriptionNotificationService asks the read model first). Counted per
 * instance, not stored: an event's GenDate says nothing about when it reached the hub.
 */
export function notReadyRetryMs(tries: number): number {
  return doublingDelayMs(10, tries, 2000);
}

/** `baseMs` for the first attempt, doubling with each one after it, at most `maxMs`. */
function doublingDelayMs(baseMs: number, attempt: number, maxMs: number): number {
  return Math.min(baseMs * 2 ** Math.max(0, attempt - 1), maxMs);
}

/** Not-ready answers in a row a process remembers at most (a bound, far above what one instance works). */
const NOT_READY_REMEMBERED = 10_000;

/**
 * Rest-hook delivery of Subscription notifications (R4 Backport IG), from the events the
 * notifier consumer stored: a handshake for a `requested` Subscription (`active` once the
 * endpoint accepts it), then its events in order, several per notification, and a heartbeat
 * when nothing was sent for `heartbeatPeriod`. A failed attempt is retried with exponential
 * backoff; after NOTIFIER_MAX_ATTEMPTS the Subscription goes to `error` and its events stay for
 * `$events`. Each notification with events is an audited read (SubscriptionNotificationService),
 * withheld for a patient who has blocked sharing. Instances share the work by leases.
 */
@Injectable()
export class NotificationDeliveryService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new HubLogger(NotificationDeliveryService.name);
  private readonly job = new PeriodicJob(() => this.tick());
  private lastExpiry = 0;
  /** Set when new events were recorded during a round: the round runs again at once. */
  private again = false;
  /** `<subscription>:<first event>` → not-ready answers in a row (notReadyRetryMs). */
  private readonly notReady = new Map<string, number>();

  constructor(
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    private readonly subscriptions: FhirSubscriptionRepository,
    private readonly notifications: SubscriptionNotificationService,
    private readonly metrics: HubMetrics,
  ) {}

  onApplicationBootstrap(): void {
    this.job.start(this.config.notifier.pollMs, 0);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.job.stop();
  }

  /**
   * New events were recorded (by this process's consumer): deliver now rather than at the next
   * poll. Another instance's events are found by the poll.
   */
  wake(): void {
    this.again = true;
    void this.job.run();
  }

  /** Rounds until no wake-up came in during the last one. */
  private async tick(): Promise<void> {
    do {
      this.again = false;
      await this.round();
    } while (this.again);
  }

  /** One round: end expired subscriptions (every 10 s), then work every due subscription once. */
  async round(): Promise<void> {
    try {
      if (Date.now() - this.lastExpiry > 10_000) {
        this.lastExpiry = Date.now();
        await this.subscriptions.endExpired();
      }
      const due = await this.subscriptions.claimDue(CLAIM, LEASE_MS);
      await Promise.all(due.map((s) => this.work(s)));
    } catch (error) {
      this.log.warn('Notification round failed; retried next round', { error: error instanceof Error ? error.message : String(error) });
    }
  }

  /** One step for one claimed subscription; every path releases its lease. */
  async work(s: DueSubscription): Promise<void> {
    const subscription = s as DeliverableSubscription & DueSubscription;
    try {
      if (subscription.status === 'requested') {
        const outcome = await this.post(subscription, this.notifications.signal(subscription, 'handshake', 'requested'), 'handshake');
        if (outcome.ok) await this.subscriptions.delivered(subscription.id, { status: 'active' });
        else await this.failed(subscription, outcome.error);
        return;
      }
      if (BigInt(subscription.deliveredThrough) < BigInt(subscription.eventsSinceStart)) {
        await this.deliverEvents(subscription);
        return;
      }
      const outcome = await this.post(subscription, this.notifications.signal(subscription, 'heartbeat'), 'heartbeat');
      if (outcome.ok) await this.subscriptions.delivered(subscription.id, {});
      else await this.failed(subscription, outcome.error);
    } catch (error) {
      // Database, audit or registry trouble: not the endpoint's fault; try again soon.
      this.log.warn('Notification not prepared; retried', { subscriptionId: subscription.id, kommune: subscription.kommunenummer, error: error instanceof Error ? error.message : String(error) });
      await this.subscriptions.postpone(subscription.id, new Date(Date.now() + this.config.notifier.retryBaseMs)).catch(() => undefined);
    }
  }

  private async deliverEvents(subscription: DeliverableSubscription & DueSubscription): Promise<void> {
    const from = (BigInt(subscription.deliveredThrough) + 1n).toString();
    const events = await this.subscriptions.events(subscription.id, from, undefined, EVENTS_PER_NOTIFICATION);
    if (events.length === 0) return this.subscriptions.postpone(subscription.id, new Date());
    const through = events.at(-1)!.eventNumber;
    const content = await this.notifications.events(subscription, events, 'event-notification');
    const key = `${subscription.id}:${from}`;
    if (!content.notReady) this.notReady.delete(key);
    if (content.blocked) {
      // Sperring: nothing about these events leaves the hub; the attempt is audited as BLOCKED.
      this.metrics.notifications.inc({ kommune: subscription.kommunenummer, type: 'event-notification', outcome: 'withheld' });
      this.log.info('Notification withheld: record blocked', { subscriptionId: subscription.id, kommune: subscription.kommunenummer, fromEvent: from, throughEvent: through, auditId: content.auditId });
      await this.subscriptions.delivered(subscription.id, { deliveredThrough: through });
      return;
    }
    if (content.notReady || !content.bundle) {
      const tries = (this.notReady.get(key) ?? 0) + 1;
      if (this.notReady.size >= NOT_READY_REMEMBERED) this.notReady.clear();
      this.notReady.set(key, tries);
      const retryMs = notReadyRetryMs(tries);
      await this.subscriptions.postpone(subscription.id, new Date(Date.now() + retryMs));
      // Look again then, not at the next poll (a few ms late, so the subscription is due by then).
      setTimeout(() => this.wake(), retryMs + 5).unref();
      return;
    }
    const outcome = await this.post(subscription, content.bundle, 'event-notification', { fromEvent: from, throughEvent: through, auditId: content.auditId });
    if (outcome.ok) await this.subscriptions.delivered(subscription.id, { deliveredThrough: through });
    else await this.failed(subscription, outcome.error);
  }

  private async post(subscription: DeliverableSubscription, bundle: FhirResource, type: string, details: Record<string, unknown> = {}): Promise<PostOutcome> {
    const started = Date.now();
    const timeoutMs = (subscription.delivery.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS) * 1000;
    // The audit id of the read a notification is travels with it, so the receiver can name it.
    const headers = typeof details.auditId === 'string' ? { 'X-Audit-Id': details.auditId } : undefined;
    const outcome = await postNotification(subscription.delivery.endpoint, JSON.stringify(bundle), this.config.notifier, timeoutMs, headers);
    const fields = { subscriptionId: subscription.id, kommune: subscription.kommunenummer, notificationType: type, durationMs: Date.now() - started, ...details };
    this.metrics.notifications.inc({ kommune: subscription.kommunenummer, type, outcome: outcome.ok ? 'delivered' : 'failed' });
    if (outcome.ok) this.log.info('Notification delivered', { ...fields, httpStatus: outcome.status });
    else this.log.warn('Notification not delivered', { ...fields, error: outcome.error });
    return outcome;
  }

  private async failed(subscription: DueSubscription, error: string): Promise<void> {
    const attempts = subscription.attempts + 1;
    const giveUp = attempts >= this.config.notifier.maxAttempts;
    const delay = doublingDelayMs(this.config.notifier.retryBaseMs, attempts, MAX_BACKOFF_MS);
    await this.subscriptions.failed(subscription.id, error, new Date(Date.now() + delay), giveUp);
    if (giveUp) this.metrics.notifications.inc({ kommune: subscription.kommunenummer, type: 'any', outcome: 'gave_up' });
    if (giveUp) this.log.warn('Subscription set to error: retries exhausted', { subscriptionId: subscription.id, kommune: subscription.kommunenummer, attempts });
  }
}
