import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { HubConfig } from '@hub/config';
import { AvroCodec, RawMessageRecord, RegistryUnavailableException, sha256Hex, TOPICS, uuidV5 } from '@hub/contracts';
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
  ParsedMessage,
  parseMessage,
  norwegianLocalDateTime,
} from '@hub/messages';
import { allPartyHerIds, resolvePatientPseudonyms } from '@hub/normalization';
import { HubLogger, HubMetrics } from '@hub/observability';
import { IntakeReceiptRepository } from '@hub/persistence';
import { dataSourceReady, HUB_CONFIG, mayAccessKommune, SharedProducer, TopicProvisioner } from '@hub/platform';
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

/**
 * Receives one e-melding: parse, decide which kommuner it belongs to, write it to each
 * kommune's raw topic (acks=all, idempotent producer) and only then answer with AppRec OK.
 * Resends of an accepted MsgId get the same AppRec again; bad input gets a rejecting AppRec.
 */
@Injectable()
export class IntakeService {
  private readonly log = new HubLogger(IntakeService.name);
  private readonly receipts: IntakeReceiptRepository;

  constructor(
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    private readonly directory: KommuneDirectory,
    private readonly codec: AvroCodec,
    private readonly producer: SharedProducer,
    private readonly provisioner: TopicProvisioner,
    private readonly metrics: HubMetrics,
    private readonly dataSource: DataSource,
    private readonly xsd: IntakeXsdValidator,
  ) {
    this.receipts = new IntakeReceiptRepository(dataSource);
  }

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

    const existing = await this.db(() => this.receipts.find(parsed.msgId));
    if (existing) return this.duplicate(existing.appRecXml, parsed, existing.kommuner);

    await this.infra(() => this.provisioner.ensure(kommuner));
    const receivedAt = Date.now();
    const sha256 = sha256Hex(body);
    const pseudonyms = new Map(kommuner.map((knr) => [knr, resolvePatientPseudonyms(this.config.pseudonymKey, knr, parsed.patient, senderTopHer(parsed))]));
    const batches = await Promise.all(
      kommuner.map(async (knr) => {
        const record: RawMessageRecord = {
          hubMessageId: uuidV5(`${knr}|${parsed.msgId}|${sha256}`),
          kommunenummer: knr,
          receivedAt,
          gatewayClient: principal.clientId,
          msgId: parsed.msgId,
          msgType: parsed.msgType,
          standard: parsed.standard,
          standardVersion: parsed.standardVersion,
          senderHerIds: parsed.sender.organisation.map((o) => o.herId).filter((h): h is string => Boolean(h)),
          receiverHerIds: parsed.receiver.organisation.map((o) => o.herId).filter((h): h is string => Boolean(h)),
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
                fromHerId: transport.fromHerId ?? null,
                toHerId: transport.toHerId ?? null,
              }
            : null,
        };
        const topic = TOPICS.raw(knr);
        const value = await this.infra(() => this.codec.encode(topic, record));
        return {
          topic,
          records: [{ key: record.patientPseudonym ?? `msg:${parsed.msgId}`, value, headers: { 'hub-correlation-id': parsed.msgId, 'hub-msg-type': parsed.msgType } }],
        };
      }),
    );
    // The AppRec OK below is only given once every kommune's raw record is acknowledged by all in-sync replicas.
    await this.infra(() => this.producer.sendMany(batches));

    // An AppRec is never answered with another AppRec (HITS 1168): it is stored and acknowledged only.
    const appRecXml = parsed.standard === 'APPREC' ? '' : this.appRec(parsed, 'OK', []);
    const stored = await this.db(() =>
      this.receipts.insertOrGet({ msgId: parsed.msgId, sha256, kommuner, appRecXml, gatewayClient: principal.clientId }),
    );
    if (!stored.inserted) return this.duplicate(stored.receipt.appRecXml, parsed, stored.receipt.kommuner);

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
    if (all.length === 0 && parsed.appRec) all = await this.appRecKommuner(parsed.appRec.originalMsgId, principal);
    if (all.length === 0) {
      throw new MessageException(
        MessageExceptionCode.UNKNOWN_RECEIVER,
        'No party of the message (sender, receiver or copy receiver, at any organisation level) belongs to a kommune served by this hub',
        { msgId: parsed.msgId, msgType: parsed.msgType, genDate: parsed.genDate },
      );
    }
    const allowed = all.filter((knr) => mayAccessKommune(principal, knr));
    if (allowed.length === 0) {
      throw new IntakeForbiddenException(`Token of client ${principal.clientId} may not deliver messages for kommune ${all.join(', ')}`);
    }
    return allowed;
  }

  /**
   * An AppRec often names no party the directory knows (NAV, Helfo): it belongs where the
   * message it answers went, or else to the kommuner the delivering gateway is limited to.
   */
  private async appRecKommuner(originalMsgId: string, principal: Principal): Promise<string[]> {
    const original = await this.db(() => this.receipts.find(originalMsgId));
    if (original) return original.kommuner;
    return [...principal.kommuner].filter((k) => k !== '*' && this.directory.has(k)).sort();
  }

  private duplicate(appRecXml: string, parsed: ParsedMessage, kommuner: string[]): IntakeResult {
    void this.receipts.countDuplicate(parsed.msgId).catch(() => undefined);
    this.metrics.messagesReceived.inc({ msg_type: knownMsgType(parsed.msgType), outcome: 'duplicate' });
    this.log.info('Duplicate MsgId answered with the original AppRec', { correlationId: parsed.msgId, msgType: parsed.msgType });
    return { outcome: 'DUPLICATE', httpStatus: 200, appRecXml, msgId: parsed.msgId, kommuner };
  }

  private reject(error: MessageException, httpStatus: number | undefined, parsed?: ParsedMessage): IntakeResult {
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
    this.metrics.messagesReceived.inc({ msg_type: knownMsgType(parsed?.msgType ?? error.partial?.msgType), outcome: 'rejected' });
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
      // The DataSource may have failed to connect at boot while PostgreSQL was down.
      await dataSourceReady(this.dataSource);
      return await fn();
    } catch (error) {
      throw new IntakeUnavailableException('postgres', `PostgreSQL unavailable: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

function senderTopHer(parsed: ParsedMessage): string | undefined {
  return parsed.sender.organisation.find((o) => o.herId)?.herId;
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

