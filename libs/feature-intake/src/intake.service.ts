import { Inject, Injectable } from '@nestjs/common';
import type { HubConfig } from '@hub/config';
import { AvroCodec, messageKey, messageRecordKey, MsgIdConflictRecord, RawMessageRecord, RegistryUnavailableException, sha256Hex, TopicNames, uuidV5 } from '@hub/contracts';
import { KommuneDirectory } from '@hub/directory';
import { KafkaUnavailableException } from '@hub/kafka';
import {
  appRecErrorCode,
  appRecVersionFor,
  assertPatientIdentified,
  buildAppRec,
  knownMsgType,
  MessageException,
  MessageExceptionCode,
  normalizeHerId,
  ParsedMessage,
  parseMessage,
  partyHerIds,
  norwegianLocalDateTime,
  topHerId,
} from '@hub/messages';
import { allPartyHerIds, messageKeyOf, resolvePatientPseudonyms, senderTopHerId } from '@hub/normalization';
import { HubLogger, HubMetrics } from '@hub/observability';
import { IntakeReceipt, IntakeReceiptRepository } from '@hub/persistence';
import { AccessRefusalAudit, HUB_CONFIG, mayAccessKommune, SharedProducer, TopicProvisioner } from '@hub/platform';
import type { Principal } from '@hub/auth';
import { IntakeForbiddenException, IntakeUnavailableException } from './intake.exception';
import { IntakeXsdValidator } from './intake-xsd.validator';

export interface TransportHeaders {
  transport?: string;
  transportMessageId?: string;
  fromHerId?: string;
  toHerId?: string;
}

export type IntakeOutcome = 'ACCEPTED' | 'DUPLICATE' | 'REJECTED';

export interface IntakeResult {
  outcome: IntakeOutcome;
  /** 202 accepted, 200 duplicate (same AppRec again), 422 rejected, 413 too large. */
  httpStatus: number;
  appRecXml: string;
  msgId?: string;
  kommuner: string[];
}

const SOFTWARE = { name: 'Hendelseslager', version: '0.1.0' };
/** The intake route as refusals name it (method and route template, like the guard's). */
const INTAKE_ROUTE = 'POST /v1/messages';

/**
 * Receives one e-melding: parse, decide which kommuner it belongs to, write it to each
 * kommune's raw topic (acks=all, idempotent producer) and only then answer with AppRec OK.
 * Resends of an accepted MsgId get the same AppRec again; bad input gets a rejecting AppRec.
 */
@Injectable()
export class IntakeService {
  private readonly log = new HubLogger(IntakeService.name);
  constructor(
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    private readonly directory: KommuneDirectory,
    private readonly codec: AvroCodec,
    private readonly producer: SharedProducer,
    private readonly provisioner: TopicProvisioner,
    private readonly metrics: HubMetrics,
    private readonly receipts: IntakeReceiptRepository,
    private readonly xsd: IntakeXsdValidator,
    private readonly refusals: AccessRefusalAudit,
    private readonly topics: TopicNames,
  ) {}

  async receive(body: Buffer, principal: Principal, contentType: string, transport: TransportHeaders): Promise<IntakeResult> {
    const started = process.hrtime.bigint();
    let parsed: ParsedMessage;
    let kommuner: string[];
    try {
      parsed = parseMessage(body);
    } catch (error) {
      if (error instanceof MessageException) return this.reject(error, undefined);
      throw error;
    }
    try {
      // Strict where the standard is strict: the official XSD, before anything is looked up or written.
      await this.xsd.assertValid(body, parsed);
      if (parsed.standard !== 'APPREC' && parsed.standard !== 'OTHER') assertPatientIdentified(parsed);
      kommuner = await this.kommunerFor(parsed, principal);
    } catch (error) {
      // The message was readable: the rejection mirrors its parties and uses the AppRec version its standard expects.
      if (error instanceof MessageException) return this.reject(error, undefined, parsed);
      throw error;
    }

    // A message is identified by its message key (the MsgId, scoped by the sender when not a UUID).
    const key = messageKeyOf(parsed);
    const sha256 = sha256Hex(body);
    const existing = await this.db(() => this.receipts.find(key));
    if (existing) return this.known(existing, { parsed, key, sha256, body, principal, contentType, kommuner });

    await this.infra(() => this.provisioner.ensure(kommuner));
    const receivedAt = Date.now();
    const pseudonyms = new Map(kommuner.map((knr) => [knr, resolvePatientPseudonyms(this.config.pseudonymKey, knr, parsed.patient, senderTopHerId(parsed))]));
    const batches = await Promise.all(
      kommuner.map(async (knr) => {
        const record: RawMessageRecord = {
          hubMessageId: uuidV5(`${knr}|${key}|${sha256}`),
          kommunenummer: knr,
          receivedAt,
          gatewayClient: principal.clientId,
          msgId: parsed.msgId,
          msgType: parsed.msgType,
          standard: parsed.standard,
          standardVersion: parsed.standardVersion,
          senderHerIds: partyHerIds(parsed.sender),
          receiverHerIds: partyHerIds(parsed.receiver),
          patientPseudonym: pseudonyms.get(knr)?.primary ?? null,
          contentType,
          declaredEncoding: declaredEncoding(body),
          sha256,
          sizeBytes: body.length,
          payload: body,
          transport: hasTransport(transport)
            ? {
                transport: transport.transport ?? null,
                transportMessageId: transport.transportMessageId ?? null,
                // Transport HER-ids are compared like every other HER-id: canonical.
                fromHerId: transport.fromHerId ? normalizeHerId(transport.fromHerId) : null,
                toHerId: transport.toHerId ? normalizeHerId(transport.toHerId) : null,
              }
            : null,
        };
        const topic = this.topics.raw(knr);
        const value = await this.infra(() => this.codec.encode(topic, record));
        return {
          topic,
          // Without a patient the key is derived from the message key: never a free-text MsgId.
          records: [{ key: record.patientPseudonym ?? messageRecordKey(key), value, headers: { 'hub-correlation-id': parsed.msgId, 'hub-msg-type': parsed.msgType } }],
        };
      }),
    );
    // The AppRec OK below is only given once every kommune's raw record is acknowledged by all in-sync replicas.
    await this.infra(() => this.producer.sendMany(batches));

    // An AppRec is never answered with another AppRec (HITS 1168): it is stored and acknowledged only.
    const appRecXml = parsed.standard === 'APPREC' ? '' : this.appRec(parsed, 'OK', []);
    const stored = await this.db(() =>
      this.receipts.insertOrGet({ messageKey: key, msgId: parsed.msgId, sha256, kommuner, appRecXml, gatewayClient: principal.clientId }),
    );
    // Another request stored this message key first (a race): known limitation, see the README.
    if (!stored.inserted) return this.known(stored.receipt, { parsed, key, sha256, body, principal, contentType, kommuner });

    this.metrics.messagesReceived.inc({ msg_type: knownMsgType(parsed.msgType), outcome: 'accepted' });
    this.metrics.appRecs.inc({ status: '1', error_code: '' });
    this.metrics.intakeDuration.observe(Number(process.hrtime.bigint() - started) / 1e9);
    this.log.info('Message accepted', { correlationId: parsed.msgId, msgType: parsed.msgType, kommuner, sizeBytes: body.length });
    return { outcome: 'ACCEPTED', httpStatus: 202, appRecXml, msgId: parsed.msgId, kommuner };
  }

  /** A rejection for a body that was refused before parsing (too large). */
  rejectUnparsed(code: MessageExceptionCode, reason: string): IntakeResult {
    return this.reject(new MessageException(code, reason), code === MessageExceptionCode.TOO_LARGE ? 413 : 422);
  }

  private async kommunerFor(parsed: ParsedMessage, principal: Principal): Promise<string[]> {
    let all = this.directory.kommunerFor(allPartyHerIds(parsed));
    // The original an AppRec answers was sent by the AppRec's receiver: that scopes a non-UUID MsgId.
    if (all.length === 0 && parsed.appRec) all = await this.appRecKommuner(messageKey(parsed.appRec.originalMsgId, topHerId(parsed.receiver)), principal);
    if (all.length === 0) {
      throw new MessageException(
        MessageExceptionCode.UNKNOWN_RECEIVER,
        'No party of the message (sender, receiver or copy receiver, at any organisation level) belongs to a kommune served by this hub',
        { msgId: parsed.msgId, msgType: parsed.msgType, genDate: parsed.genDate },
      );
    }
    const allowed = all.filter((knr) => mayAccessKommune(principal, knr));
    if (allowed.length === 0) {
      // Audited like every refused access: on the audit topic of each kommune the message belongs to, without its content or patient.
      this.refusals.recordDenial({ route: INTAKE_ROUTE, status: 403, reason: 'forbidden_kommune', principal, kommuner: all });
      throw new IntakeForbiddenException(`Token of client ${principal.clientId} may not deliver messages for kommune ${all.join(', ')}`);
    }
    return allowed;
  }

  /**
   * An AppRec often names no party the directory knows (NAV, Helfo): it belongs where the
   * message it answers went, or else to the kommuner the delivering gateway is limited to.
   */
  private async appRecKommuner(originalKey: string, principal: Principal): Promise<string[]> {
    const original = await this.db(() => this.receipts.find(originalKey));
    if (original) return original.kommuner;
    return [...principal.kommuner].filter((k) => k !== '*' && this.directory.has(k)).sort();
  }

  /**
   * A message whose key is already stored: the same bytes again are a resend, answered with the
   * first AppRec; other bytes are a conflict (issue #12): refused with E10, kept on the kommune's
   * conflicts topic (acks=all, with both hashes) for inspection, never processed.
   */
  private async known(receipt: IntakeReceipt, m: KnownMessage): Promise<IntakeResult> {
    if (receipt.sha256 === m.sha256) return this.duplicate(receipt.appRecXml, m.parsed, receipt.kommuner, m.key);
    await this.infra(() => this.provisioner.ensure(m.kommuner));
    const receivedAt = Date.now();
    const batches = await Promise.all(
      m.kommuner.map(async (knr) => {
        const record: MsgIdConflictRecord = {
          conflictId: uuidV5(`${knr}|${m.key}|${m.sha256}|msgid-conflict`),
          kommunenummer: knr,
          msgId: m.parsed.msgId,
          messageKey: m.key,
          msgType: m.parsed.msgType,
          standard: m.parsed.standard,
          standardVersion: m.parsed.standardVersion,
          firstSha256: receipt.sha256,
          firstReceivedAt: receipt.receivedAt ? receipt.receivedAt.getTime() : null,
          conflictingSha256: m.sha256,
          receivedAt,
          gatewayClient: m.principal.clientId,
          contentType: m.contentType,
          sizeBytes: m.body.length,
          payload: m.body,
        };
        const topic = this.topics.conflicts(knr);
        const value = await this.infra(() => this.codec.encode(topic, record));
        return { topic, records: [{ key: messageRecordKey(m.key), value, headers: { 'hub-correlation-id': m.parsed.msgId, 'hub-conflict-id': record.conflictId } }] };
      }),
    );
    await this.infra(() => this.producer.sendMany(batches));
    this.metrics.msgIdConflicts.inc({ msg_id_form: m.key === m.parsed.msgId ? 'uuid' : 'sender-scoped' });
    const error = new MessageException(
      MessageExceptionCode.MSG_ID_REUSED,
      'MsgId was already used for another message with other content; send this message with a new MsgId',
    );
    // An AppRec is never answered with another AppRec: it is refused without a body.
    if (m.parsed.standard === 'APPREC') {
      this.metrics.messagesReceived.inc({ msg_type: knownMsgType(m.parsed.msgType), outcome: 'conflict' });
      this.log.warn('AppRec refused: its Id was already used for other content', { correlationId: m.parsed.msgId });
      return { outcome: 'REJECTED', httpStatus: 422, appRecXml: '', msgId: m.parsed.msgId, kommuner: [] };
    }
    return this.reject(error, 422, m.parsed, 'conflict');
  }

  private duplicate(appRecXml: string, parsed: ParsedMessage, kommuner: string[], key: string): IntakeResult {
    void this.receipts.countDuplicate(key).catch(() => undefined);
    this.metrics.messagesReceived.inc({ msg_type: knownMsgType(parsed.msgType), outcome: 'duplicate' });
    this.log.info('Duplicate MsgId answered with the original AppRec', { correlationId: parsed.msgId, msgType: parsed.msgType });
    return { outcome: 'DUPLICATE', httpStatus: 200, appRecXml, msgId: parsed.msgId, kommuner };
  }

  private reject(error: MessageException, httpStatus: number | undefined, parsed?: ParsedMessage, outcome: 'rejected' | 'conflict' = 'rejected'): IntakeResult {
    const code = appRecErrorCode(error.code);
    const msgId = parsed?.msgId ?? error.partial?.msgId;
    const appRecXml = buildAppRec({
      // HITS 1168: PLO 1.5, Epikrise 1.0/1.1, Henvisning 1.0 and Dialogmelding 1.0 get AppRec 1.0, also when rejected.
      version: parsed ? appRecVersionFor(parsed.standard, parsed.standardVersion) : '1.1',
      status: 'REJECTED',
      errors: [{ code, detail: error.message }],
      original: parsed
        ? { msgId: parsed.msgId, msgType: parsed.msgType, genDate: parsed.genDate, sender: parsed.sender, receiver: parsed.receiver }
        : { msgId: error.partial?.msgId, msgType: error.partial?.msgType, genDate: error.partial?.genDate },
      receipt: { id: uuidV5(`apprec|${msgId ?? sha256Hex(Buffer.from(error.message))}|${code}`), genDate: nowLocal() },
      software: SOFTWARE,
      hubIdentity: this.hubIdentity(),
    });
    this.metrics.messagesReceived.inc({ msg_type: knownMsgType(parsed?.msgType ?? error.partial?.msgType), outcome });
    this.metrics.appRecs.inc({ status: '2', error_code: code });
    this.log.warn('Message rejected', { correlationId: msgId, errorCode: code, reasonCode: error.code, reason: error.message });
    return { outcome: 'REJECTED', httpStatus: httpStatus ?? 422, appRecXml, msgId, kommuner: [] };
  }

  private appRec(parsed: ParsedMessage, status: 'OK' | 'REJECTED', errors: Array<{ code: string; detail?: string }>): string {
    return buildAppRec({
      version: appRecVersionFor(parsed.standard, parsed.standardVersion),
      status,
      errors,
      original: { msgId: parsed.msgId, msgType: parsed.msgType, genDate: parsed.genDate, sender: parsed.sender, receiver: parsed.receiver },
      receipt: { id: uuidV5(`apprec|${parsed.msgId}`), genDate: nowLocal() },
      software: SOFTWARE,
      hubIdentity: this.hubIdentity(),
    });
  }

  private hubIdentity(): { name: string; herId: string } | undefined {
    const { hubName, hubHerId } = this.config.intake;
    return hubHerId ? { name: hubName, herId: hubHerId } : undefined;
  }

  private async infra<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      if (error instanceof KafkaUnavailableException) throw new IntakeUnavailableException('kafka', error.message);
      if (error instanceof RegistryUnavailableException) throw new IntakeUnavailableException('schema-registry', error.message);
      throw error;
    }
  }

  private async db<T>(fn: () => Promise<T>): Promise<T> {
    try {
      // The repository connects on first use (PostgreSQL may have been down at boot).
      return await fn();
    } catch (error) {
      throw new IntakeUnavailableException('postgres', `PostgreSQL unavailable: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

interface KnownMessage {
  parsed: ParsedMessage;
  key: string;
  sha256: string;
  body: Buffer;
  principal: Principal;
  contentType: string;
  kommuner: string[];
}

function hasTransport(t: TransportHeaders): boolean {
  return Boolean(t.transport || t.transportMessageId || t.fromHerId || t.toHerId);
}

/** The encoding named in the XML declaration, if any (kept as metadata; the bytes are never re-encoded). */
export function declaredEncoding(body: Buffer): string | null {
  const head = body.subarray(0, 200).toString('latin1');
  return /^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._-]+)["']/.exec(head)?.[1] ?? null;
}

/** AppRec GenDate: local (Europe/Oslo) time without zone, as the national examples send it. */
function nowLocal(): string {
  // Formatting is costly (Intl); the text changes once a second, so it is formatted once a second.
  const second = Math.floor(Date.now() / 1000);
  if (second !== lastSecond) {
    lastSecond = second;
    lastLocal = norwegianLocalDateTime(new Date(second * 1000));
  }
  return lastLocal;
}
let lastSecond = -1;
let lastLocal = '';

