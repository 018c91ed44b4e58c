import { Body, Controller, HttpCode, Param, Post, UseFilters } from '@nestjs/common';
import type { Principal } from '@hub/auth';
import {
  Answer,
  AuthGuard,
  Consumes,
  CurrentPrincipal,
  PatientIdentifier,
  PatientIdentifierPipe,
  ProblemJsonFilter,
  PurposeOfUse,
  RequireScopes,
  Timed,
  EdgeGuards,
} from '@hub/platform';
import { BLOCKED_DETAIL } from './blocked-record';
import { PatientReadService } from './patient-read.service';
import { readApiMapper } from './read-api-http.util';

/**
 * Plain JSON patient overview (services, diagnoses, timeline, received messages), used by the
 * web page and by systems that do not speak FHIR. The identifier travels in the body only.
 * Refusals are problem JSON (ProblemJsonFilter).
 */
@Controller('api/v1/kommuner/:kommunenummer')
@EdgeGuards(AuthGuard)
@UseFilters(new ProblemJsonFilter(readApiMapper))
export class PatientOverviewController {
  constructor(private readonly reads: PatientReadService) {}

  @Post('patient-overview')
  @HttpCode(200)
  @RequireScopes('patients:read')
  @Consumes('application/json', 'application/fhir+json')
  @Timed('json.patient-overview')
  async overview(
    @Param('kommunenummer') knr: string,
    @Body(PatientIdentifierPipe) identifier: PatientIdentifier,
    @PurposeOfUse() purpose: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<Answer<object>> {
    const result = await this.reads.read({
      kommunenummer: knr,
      identifier: { type: identifier.type, value: identifier.value },
      principal,
      purposeOfUse: purpose,
      action: 'READ',
      resource: 'patient-overview',
    });
    const headers = { 'X-Audit-Id': result.auditId };
    if (result.blocked) return new Answer({ kommunenummer: knr, blocked: true, detail: BLOCKED_DETAIL }, headers);
    // Every source names its original message; this is where its bytes are read (audited too).
    return new Answer({ kommunenummer: knr, found: result.found, ...result.overview, links: { originalMessage: `/fhir/${knr}/Binary/{originalId}` } }, headers);
  }
}
