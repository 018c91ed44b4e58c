import { Body, Controller, Get, Headers, HttpCode, HttpException, Param, Post, Req, StreamableFile, UseFilters } from '@nestjs/common';
import type { Request } from 'express';
import { mayReadPatients, Principal, WebSession, webPrincipal } from '@hub/auth';
import { Answer, ClientRateLimiter, EdgeGuards, parsePatientIdentifierBody, problem, ProblemJsonFilter, RefusalReason, requirePurposeOfUse, Timed } from '@hub/platform';
import { BLOCKED_DETAIL } from './blocked-record';
import { OriginalMessageService } from './original-message.service';
import { PatientReadService } from './patient-read.service';
import { readApiMapper } from './read-api-http.util';
import { WebSignInService } from './web-sign-in.service';

const ORIGINAL_ID = /^[A-Za-z0-9\-.]{1,64}$/;

/**
 * The web page's reads, authenticated by its session cookie instead of a token: the same
 * patient overview and original-message reads as the JSON and FHIR routes, as the signed-in
 * person (HPR number, name, organisation in the audit event), for their kommune only, and only
 * at HelseID security level 4. Requests must come from the hub's own page (Origin and fetch
 * metadata), and each person has the same rate limit as a token client.
 *
 * The session is checked first, then the purpose of use and the identifier, with the HTTP
 * edge's one check of each (libs/platform); refusals are problem JSON (ProblemJsonFilter with
 * the read API's mapper), answers are returned (HttpEdgeAdapter writes their headers;
 * the edge guard times the overview).
 */
@Controller('session')
@EdgeGuards()
@UseFilters(new ProblemJsonFilter(readApiMapper))
export class WebSessionReadsController {
  constructor(
    private readonly signIn: WebSignInService,
    private readonly reads: PatientReadService,
    private readonly originals: OriginalMessageService,
    private readonly limiter: ClientRateLimiter,
  ) {}

  @Post('patient-overview')
  @HttpCode(200)
  @Timed('web.patient-overview')
  async overview(@Body() body: unknown, @Headers('x-purpose-of-use') purpose: string | undefined, @Req() req: Request): Promise<Answer<object>> {
    const { session, principal } = await this.authorize(req);
    const purposeOfUse = this.purposeOfUse(req, session, purpose);
    const identifier = parsePatientIdentifierBody(body);
    const knr = session.identity.kommunenummer;
    const result = await this.reads.read({ kommunenummer: knr, identifier: { type: identifier.type, value: identifier.value }, principal, purposeOfUse, action: 'READ', resource: 'patient-overview' });
    const headers = { 'X-Audit-Id': result.auditId, 'Cache-Control': 'no-store' };
    if (result.blocked) return new Answer({ kommunenummer: knr, blocked: true, detail: BLOCKED_DETAIL }, headers);
    return new Answer({ kommunenummer: knr, found: result.found, ...result.overview }, headers);
  }

  /** The bytes exactly as received, with the content type the gateway declared, as an attachment. */
  @Get('original/:originalId')
  async original(@Param('originalId') originalId: string, @Headers('x-purpose-of-use') purpose: string | undefined, @Req() req: Request): Promise<Answer<StreamableFile>> {
    const { session, principal } = await this.authorize(req);
    const purposeOfUse = this.purposeOfUse(req, session, purpose);
    if (!ORIGINAL_ID.test(originalId)) throw problem(400, 'invalid_id', 'Not an original message id');
    const { message, auditId, blocked } = await this.originals.read({ kommunenummer: session.identity.kommunenummer, originalId, principal, purposeOfUse });
    // A refused read was audited all the same, and names its audit record as an answered one does.
    if (blocked) throw problem(403, 'suppressed', BLOCKED_DETAIL, { 'X-Audit-Id': auditId });
    if (!message) throw problem(404, 'not_found', 'No such original message in your kommune', { 'X-Audit-Id': auditId });
    return new Answer(new StreamableFile(message.payload), {
      'X-Audit-Id': auditId,
      'Content-Type': message.contentType,
      'Content-Disposition': `attachment; filename="${message.binaryId}.xml"`,
      'Cache-Control': 'no-store',
    });
  }

  /** The edge's one check of the purpose of use; a refusal is audited like the others of a signed-in person. */
  private purposeOfUse(req: Request, session: WebSession, purpose: string | undefined): string {
    try {
      return requirePurposeOfUse(purpose);
    } catch (error) {
      this.signIn.recordRefusal(req, session, 'purpose_of_use_required');
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
