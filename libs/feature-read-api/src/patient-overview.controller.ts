import { Body, Controller, Headers, HttpCode, Param, Post, Req, Res, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import { HubMetrics } from '@hub/observability';
import { AuthenticatedRequest, AuthGuard, problem, RequireScopes } from '@hub/platform';
import { BLOCKED_DETAIL } from './blocked-record';
import { PatientIdentifierType, PatientReadService, PURPOSES_OF_USE } from './patient-read.service';
import { readApiAnswer } from './read-api-http.util';
import { ReadApiException } from './read-api.exception';

interface OverviewRequest {
  identifierType?: string;
  identifier?: string;
}

/**
 * Plain JSON patient overview (services, diagnoses, timeline, received messages), used by the
 * web page and by systems that do not speak FHIR. The identifier travels in the body only.
 */
@Controller('api/v1/kommuner/:kommunenummer')
@UseGuards(AuthGuard)
export class PatientOverviewController {
  constructor(private readonly reads: PatientReadService, private readonly metrics: HubMetrics) {}

  @Post('patient-overview')
  @HttpCode(200)
  @RequireScopes('patients:read')
  async overview(
    @Param('kommunenummer') knr: string,
    @Body() body: OverviewRequest,
    @Headers('x-purpose-of-use') purpose: string | undefined,
    @Req() req: AuthenticatedRequest,
    @Res() res: Response,
  ): Promise<void> {
    const started = process.hrtime.bigint();
    if (!purpose || !PURPOSES_OF_USE.has(purpose)) throw problem(403, 'purpose_of_use_required', `Header X-Purpose-Of-Use with one of ${[...PURPOSES_OF_USE].join(', ')} is required`);
    const type = (body?.identifierType ?? 'FNR').toUpperCase();
    if (!['FNR', 'DNR', 'FHN'].includes(type) || typeof body?.identifier !== 'string' || !/^\d{11}$/.test(body.identifier)) {
      throw problem(400, 'invalid_identifier', 'Body must be {"identifierType": "FNR"|"DNR"|"FHN", "identifier": "<11 digits>"}');
    }
    try {
      const result = await this.reads.read({
        kommunenummer: knr,
        identifier: { type: type as PatientIdentifierType, value: body.identifier },
        principal: req.principal,
        purposeOfUse: purpose,
        action: 'READ',
        resource: 'patient-overview',
      });
      if (result.blocked) {
        res.setHeader('X-Audit-Id', result.auditId);
        res.status(200).json({ kommunenummer: knr, blocked: true, detail: BLOCKED_DETAIL });
        return;
      }
      res.setHeader('X-Audit-Id', result.auditId);
      // Every source names its original message; this is where its bytes are read (audited too).
      res.status(200).json({ kommunenummer: knr, found: result.found, ...result.overview, links: { originalMessage: `/fhir/${knr}/Binary/{originalId}` } });
    } catch (error) {
      if (error instanceof ReadApiException) {
        const answer = readApiAnswer(error);
        throw problem(answer.status, answer.code, answer.detail, answer.headers);
      }
      throw error;
    } finally {
      this.metrics.readDuration.observe({ route: 'json.patient-overview' }, Number(process.hrtime.bigint() - started) / 1e9);
    }
  }
}
