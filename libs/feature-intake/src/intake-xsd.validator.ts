import { Inject, Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type { HubConfig } from '@hub/config';
import { MessageException, MessageExceptionCode, type ParsedMessage } from '@hub/messages';
import { HubLogger } from '@hub/observability';
import { HUB_CONFIG } from '@hub/platform';
import { formatXsdIssue, XsdValidationPool, XsdValidatorUnavailableException, type XsdVerdict } from '@hub/xsd-validation';
import { IntakeUnavailableException } from './intake.exception';

/** How many findings an AppRec text names (the verdict keeps more; the count says how many there were). */
const ISSUES_IN_TEXT = 3;

/**
 * Intake's XSD check (issue #12 item 4): every business document is validated against its standard's
 * official XSD in libs/xsd-validation's worker pool, started (schema set compiled) with the module.
 * `INTAKE_XSD_VALIDATION=false` switches it off; `INTAKE_XSD_WORKERS` sets the worker count.
 */
@Injectable()
export class IntakeXsdValidator implements OnModuleInit, OnApplicationShutdown {
  private readonly log = new HubLogger(IntakeXsdValidator.name);
  private readonly pool?: XsdValidationPool;

  constructor(@Inject(HUB_CONFIG) config: HubConfig) {
    if (config.intake.xsd.enabled) this.pool = new XsdValidationPool({ workers: config.intake.xsd.workers });
  }

  async onModuleInit(): Promise<void> {
    if (!this.pool) return this.log.warn('XSD validation of received messages is switched off (INTAKE_XSD_VALIDATION=false)');
    await this.pool.start();
    this.log.info('XSD schema set compiled', { compileMs: Math.round(this.pool.compileMs ?? 0) });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.pool?.close();
  }

  /**
   * Throws `MessageException` (T02 schema violation, T01 not well-formed) naming element and line of the
   * first findings, never content; `IntakeUnavailableException` when the validator itself failed.
   */
  async assertValid(body: Buffer, parsed: ParsedMessage): Promise<void> {
    if (!this.pool) return;
    let verdict: XsdVerdict;
    try {
      verdict = await this.pool.validate(body);
    } catch (error) {
      if (error instanceof XsdValidatorUnavailableException) throw new IntakeUnavailableException('xsd-validator', error.message);
      throw error;
    }
    const partial = { msgId: parsed.msgId, msgType: parsed.msgType, genDate: parsed.genDate };
    if (verdict.outcome === 'valid') {
      if (verdict.unknownPayloadNamespaces.length > 0) {
        this.log.warn('Payload without an official XSD: MsgHead validated, the payload accepted unvalidated', {
          correlationId: parsed.msgId,
          msgType: parsed.msgType,
          namespaces: verdict.unknownPayloadNamespaces,
        });
      }
      return;
    }
    const named = verdict.issues.slice(0, ISSUES_IN_TEXT).map(formatXsdIssue).join('; ');
    const more = verdict.issueCount > ISSUES_IN_TEXT ? ` (and ${verdict.issueCount - ISSUES_IN_TEXT} more)` : '';
    if (verdict.outcome === 'notWellFormed') {
      throw new MessageException(MessageExceptionCode.NOT_WELL_FORMED, `Not well-formed XML (libxml2): ${named}${more}`, partial);
    }
    throw new MessageException(MessageExceptionCode.SCHEMA_VIOLATION, `Does not validate against the standard's XSD: ${named}${more}`, partial);
  }
}
