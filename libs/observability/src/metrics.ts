import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The hub's Prometheus metrics. Labels carry only kommunenummer, message types, outcomes and
 * codes: never identifiers, names or diagnoses.
 */
export class HubMetrics {
  readonly registry = new Registry();

  readonly messagesReceived = new Counter({
    name: 'hendelseslager_intake_messages_total',
    help: 'Messages received by intake, by message type and outcome',
    labelNames: ['msg_type', 'outcome'],
    registers: [this.registry],
  });
  readonly appRecs = new Counter({
    name: 'hendelseslager_intake_apprec_total',
    help: 'AppRecs answered, by status (1 OK, 2 Avvist) and error code',
    labelNames: ['status', 'error_code'],
    registers: [this.registry],
  });
  /**
   * Messages refused because their MsgId was already used for other bytes (issue #12), by the
   * form of the MsgId: `uuid`, or `sender-scoped` (not a UUID, identified with the sender's HER-id).
   */
  readonly msgIdConflicts = new Counter({
    name: 'hendelseslager_intake_msgid_conflicts_total',
    help: 'Messages refused because their MsgId was already used for a message with other bytes, by MsgId form (uuid | sender-scoped)',
    labelNames: ['msg_id_form'],
    registers: [this.registry],
  });
  readonly intakeDuration = new Histogram({
    name: 'hendelseslager_intake_duration_seconds',
    help: 'Time from request to AppRec',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly normalized = new Counter({
    name: 'hendelseslager_normalizer_records_total',
    help: 'Raw records normalized, by kommune and outcome',
    labelNames: ['kommune', 'outcome'],
    registers: [this.registry],
  });
  readonly notProjected = new Counter({
    name: 'hendelseslager_normalizer_not_projected_total',
    help: 'Accepted messages kept on the raw topic with nothing to project, by message type',
    labelNames: ['msg_type'],
    registers: [this.registry],
  });
  readonly notifications = new Counter({
    name: 'hendelseslager_notifications_total',
    help: 'Subscription notifications, by kommune, type (handshake, heartbeat, event-notification) and outcome (delivered, failed, withheld for a blocked record, gave_up: the Subscription went to error)',
    labelNames: ['kommune', 'type', 'outcome'],
    registers: [this.registry],
  });
  readonly deadLetters = new Counter({
    name: 'hendelseslager_dead_letters_total',
    help: 'Records sent to a dead-letter topic, by kommune, stage and error code',
    labelNames: ['kommune', 'stage', 'error_code'],
    registers: [this.registry],
  });
  readonly projected = new Counter({
    name: 'hendelseslager_projector_events_total',
    help: 'Events applied to read models, by projection and kommune',
    labelNames: ['projection', 'kommune'],
    registers: [this.registry],
  });
  readonly consumerLag = new Gauge({
    name: 'hendelseslager_consumer_lag_records',
    help: 'Records behind the end of the topic, by consumer group and topic',
    labelNames: ['group', 'topic'],
    registers: [this.registry],
  });
  readonly deadLetterTopicRecords = new Gauge({
    name: 'hendelseslager_dead_letter_topic_records',
    help: "Records in a kommune's dead-letter topic (its end offsets; dead letters are kept)",
    labelNames: ['kommune'],
    registers: [this.registry],
  });
  /**
   * The projections' halted kommune topics (libs/platform ProjectionHalts), read at each scrape:
   * 1 per projection, kommune and reason while halted, nothing otherwise.
   */
  haltedProjections: () => Array<{ projection: string; kommunenummer: string; problem: string }> = () => [];
  readonly projectionHalted: Gauge = new Gauge({
    name: 'hendelseslager_projection_halted',
    help: "1 while a projection has stopped consuming a kommune's topic because its stored offsets do not fit it (topic replaced, or offset past the log end); `hendelseslager rebuild` or `restore` clears it",
    labelNames: ['projection', 'kommune', 'reason'],
    registers: [this.registry],
    collect: () => {
      this.projectionHalted.reset();
      for (const h of this.haltedProjections()) this.projectionHalted.set({ projection: h.projection, kommune: h.kommunenummer, reason: h.problem }, 1);
    },
  });
  readonly unprovisionedKommuner = new Gauge({
    name: 'hendelseslager_kommuner_unprovisioned',
    help: 'Kommuner in the directory whose Kafka topics this process has not provisioned (readiness lists them)',
    registers: [this.registry],
  });
  readonly batchDuration = new Histogram({
    name: 'hendelseslager_consumer_batch_duration_seconds',
    help: 'Time to handle one consumed batch, by consumer group',
    labelNames: ['group'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  /**
   * How long after its receipt a message is durable at a stage: `normalized` once its event is
   * acknowledged by Kafka, `projected` once the read model has committed it. From the message's
   * receivedAt (intake's clock: clamped at 0 against another host's skew), so it is the read
   * model's freshness as a reader sees it and grows with any backlog; a replay shows as old
   * deliveries.
   */
  readonly pipelineDelay = new Histogram({
    name: 'hendelseslager_pipeline_delay_seconds',
    help: 'Time from a message\'s receipt at intake until a stage has it durable: normalized (its event acknowledged by Kafka) or projected (committed to the read model)',
    labelNames: ['stage'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [this.registry],
  });
  readonly readDuration = new Histogram({
    name: 'hendelseslager_read_duration_seconds',
    help: 'Read API latency by route: from the request\'s arrival (headers read) until its answer is written, guards and body parsing included',
    labelNames: ['route'],
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [this.registry],
  });
  readonly accessRefused = new Counter({
    name: 'hendelseslager_access_refused_total',
    help: 'Requests refused by authentication or authorisation, by HTTP status and reason code',
    labelNames: ['status', 'reason'],
    registers: [this.registry],
  });
  readonly auditWrites = new Counter({
    name: 'hendelseslager_audit_writes_total',
    help: 'Audit events written, by outcome of the write',
    labelNames: ['result'],
    registers: [this.registry],
  });

  /** A pipeline stage has these messages durable now: each one's delay since its receivedAt (ms since the epoch). */
  observePipelineDelay(stage: 'normalized' | 'projected', receivedAtMs: readonly number[], now = Date.now()): void {
    for (const at of receivedAtMs) this.pipelineDelay.observe({ stage }, Math.max(0, now - at) / 1000);
  }

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'hendelseslager_process_' });
  }
}
