import { Body, Controller, Get, Headers, HttpCode, HttpException, Param, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { mayReadPatients, Principal, WebSession, webPrincipal } from '@hub/auth';
import { HubMetrics } from '@hub/observability';
import { AuditUnavailableException, ClientRateLimiter, problem, PURPOSES_OF_USE, RefusalReason } from '@hub/platform';
import { BLOCKED_DETAIL } from './blocked-record';
import { OriginalMessageService } from './original-message.service';
import { InvalidPatientIdentifierException, PatientIdentifierType, PatientReadService } from './patient-read.service';
import { WebSignInService } from './web-sign-in.service';

const ORIGINAL_ID = /^[A-Za-z0-9\-.]{1,64}$/;

/**
 * The web page's reads, authenticated by its session cookie instead of a token: the same
 * patient overview and original-message reads as the JSON and FHIR routes, as the signed-in
 * person (HPR number, name, organisation in the audit event), for their kommune only, and only
 * at HelseID security level 4. Requests must come from the hub's own page (Origin and fetch
 * metadata), and each person has the same rate limit as a token client.
 */
@Controller('session')
export class WebSessionReadsController {
  constructor(
    private readonly signIn: WebSignInService,
    private readonly reads: PatientReadService,
    private readonly originals: OriginalMessageService,
    private readonly metrics: HubMetrics,
    private readonly limiter: ClientRateLimiter,
  ) {}

  @Post('patient-overview')
  @HttpCode(200)
  async overview(@Body() body: { identifierType?: unknown; identifier?: unknown } | undefined, @Headers('x-purpose-of-use') purpose: string | undefined, @Req() req: Request, @Res() res: Response): Promise<void> {
    const started = process.hrtime.bigint();
    const { session, principal } = await this.authorize(req);
    if (!purpose || !PURPOSES_OF_USE.has(purpose)) throw this.refused(req, session, 'purpose_of_use_required', problem(403, 'purpose_of_use_required', `Header X-Purpose-Of-Use with one of ${[...PURPOSES_OF_USE].join(', ')} is required`));
    const type = typeof body?.identifierType === 'string' ? body.identifierType.toUpperCase() : 'FNR';
    if (!['FNR', 'DNR', 'FHN'].includes(type) || typeof body?.identifier !== 'string' || !/^\d{11}$/.test(body.identifier)) {
      throw problem(400, 'invalid_identifier', 'Body must be {"identifierType": "FNR"|"DNR"|"FHN", "identifier": "<11 digits>"}');
    }
    const knr = session.identity.kommunenummer;
    try {
      const result = await this.reads.read({ kommunenummer: knr, identifier: { type: type as PatientIdentifierType, value: body.identifier }, principal, purposeOfUse: purpose, action: 'READ', resource: 'patient-overview' });
      res.setHeader('X-Audit-Id', result.auditId);
      res.setHeader('Cache-Control', 'no-store');
      if (result.blocked) {
        res.status(200).json({ kommunenummer: knr, blocked: true, detail: BLOCKED_DETAIL });
        return;
      }
      res.status(200).json({ kommunenummer: knr, found: result.found, ...result.overview });
    } catch (error) {
      if (error instanceof InvalidPatientIdentifierException) throw problem(400, 'invalid_identifier', error.message);
      if (error instanceof AuditUnavailableException) throw problem(503, 'audit_unavailable', 'The audit log is unavailable, so no patient data can be read right now', { 'Retry-After': '5' });
      throw error;
    } finally {
      this.metrics.readDuration.observe({ route: 'web.patient-overview' }, Number(process.hrtime.bigint() - started) / 1e9);
    }
  }

  @Get('original/:originalId')
  async original(@Param('originalId') originalId: string, @Headers('x-purpose-of-use') purpose: string | undefined, @Req() req: Request, @Res() res: Response): Promise<void> {
    const { session, principal } = await this.authorize(req);
    if (!purpose || !PURPOSES_OF_USE.has(purpose)) throw this.refused(req, session, 'purpose_of_use_required', problem(403, 'purpose_of_use_required', `Header X-Purpose-Of-Use with one of ${[...PURPOSES_OF_USE].join(', ')} is required`));
    if (!ORIGINAL_ID.test(originalId)) throw problem(400, 'invalid_id', 'Not an original message id');
    try {
      const { message, auditId, blocked } = await this.originals.read({ kommunenummer: session.identity.kommunenummer, originalId, principal, purposeOfUse: purpose });
      res.setHeader('X-Audit-Id', auditId);
      if (blocked) throw problem(403, 'suppressed', BLOCKED_DETAIL);
      if (!message) throw problem(404, 'not_found', 'No such original message in your kommune');
      res.setHeader('Content-Disposition', `attachment; filename="${message.binaryId}.xml"`);
      res.setHeader('Cache-Control', 'no-store');
      res.status(200).type(message.contentType).end(message.payload);
    } catch (error) {
      if (error instanceof AuditUnavailableException) throw problem(503, 'audit_unavailable', 'The audit log is unavailable, so no patient data can be read right now', { 'Retry-After': '5' });
      throw error;
    }
  }

  /** A signed-in person's refusal is audited (WebSignInService.recordRefusal) before it is answered. */
  private refused(req: Request, session: WebSession, reason: RefusalReason, error: HttpException): HttpException {
    this.signIn.recordRefusal(req, session, reason);
    return error;
  }

  private async authorize(req: Request): Promise<{ session: WebSession; principal: Principal }> {
    if (!this.signIn.sameOrigin(req)) throw problem(403, 'cross_origin', 'Only the hub\'s own page may use the session');
    const session = await this.signIn.session(req);
    if (!session) throw problem(401, 'not_signed_in', 'Sign in first');
    const retryAfter = await this.limiter.take(`web:${session.identity.subject}`);
    if (retryAfter > 0) throw problem(429, 'rate_limited', 'Too many requests', { 'Retry-After': String(retryAfter) });
    const access = mayReadPatients(session.identity);
    if (!access.allowed) throw this.refused(req, session, access.reason, problem(403, access.reason, access.detail));
    return { session, principal: webPrincipal(session.identity, this.signIn.clientIdOf(session)) };
  }
}
