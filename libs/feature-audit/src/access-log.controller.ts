import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, UseFilters } from '@nestjs/common';
import type { Principal } from '@hub/auth';
import {
  Answer,
  AuthGuard,
  Consumes,
  CurrentPrincipal,
  EdgeGuards,
  PatientIdentifier,
  PatientIdentifierPipe,
  ProblemJsonFilter,
  PurposeOfUse,
  RequireScopes,
} from '@hub/platform';
import { auditMapper } from './audit-http.util';
import { AccessLog, BlockingState, PatientAccessService } from './patient-access.service';

type AccessLogAnswer = Answer<Omit<AccessLog, 'auditId'>>;

/** The log as answered: the audit id of this very read goes in a header, not the body. */
function accessLogAnswer(log: AccessLog): AccessLogAnswer {
  return new Answer({ kommunenummer: log.kommunenummer, entries: log.entries }, { 'X-Audit-Id': log.auditId });
}

/**
 * The patient's own view (scope patient:self): who looked at my data in this kommune, and my
 * blocking (sperring). The patient is the one in the token's `pid` claim; no identifier is
 * ever taken from the URL or the body here.
 */
@Controller('api/v1/kommuner/:kommunenummer/me')
@EdgeGuards(AuthGuard)
@UseFilters(new ProblemJsonFilter(auditMapper))
export class PatientSelfController {
  constructor(private readonly access: PatientAccessService) {}

  @Get('access-log')
  @RequireScopes('patient:self')
  async accessLog(@Param('kommunenummer') knr: string, @CurrentPrincipal() principal: Principal): Promise<AccessLogAnswer> {
    return accessLogAnswer(await this.access.accessLog(knr, this.access.selfIdentity(principal), principal));
  }

  @Get('blocking')
  @RequireScopes('patient:self')
  blocking(@Param('kommunenummer') knr: string, @CurrentPrincipal() principal: Principal): Promise<BlockingState> {
    return this.access.blockingState(knr, this.access.selfIdentity(principal));
  }

  @Put('blocking')
  @RequireScopes('patient:self')
  block(@Param('kommunenummer') knr: string, @CurrentPrincipal() principal: Principal): Promise<BlockingState & { auditId: string }> {
    return this.access.setBlocked(knr, this.access.selfIdentity(principal), principal, true);
  }

  @Delete('blocking')
  @RequireScopes('patient:self')
  unblock(@Param('kommunenummer') knr: string, @CurrentPrincipal() principal: Principal): Promise<BlockingState & { auditId: string }> {
    return this.access.setBlocked(knr, this.access.selfIdentity(principal), principal, false);
  }
}

/**
 * The kommune's privacy officer (scope audit:read): the access log of one patient, whose
 * identifier travels in the POST body so it never appears in a URL or an access log.
 */
@Controller('api/v1/kommuner/:kommunenummer')
@EdgeGuards(AuthGuard)
@UseFilters(new ProblemJsonFilter(auditMapper))
export class AccessLogController {
  constructor(private readonly access: PatientAccessService) {}

  @Post('access-log')
  @HttpCode(200)
  @RequireScopes('audit:read')
  @Consumes('application/json')
  async accessLog(
    @Param('kommunenummer') knr: string,
    @Body(PatientIdentifierPipe) identifier: PatientIdentifier,
    @PurposeOfUse() purpose: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<AccessLogAnswer> {
    return accessLogAnswer(await this.access.accessLog(knr, { type: identifier.type, value: identifier.value }, principal, purpose));
  }
}
