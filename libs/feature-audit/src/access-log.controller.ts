import { Body, Controller, Delete, Get, Headers, HttpCode, Param, Post, Put, Req, Res, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import { AuthenticatedRequest, AuthGuard, RequireScopes } from '@hub/platform';
import { AuditException } from './audit.exception';
import { auditHttpError } from './audit-http.util';
import { PatientAccessService } from './patient-access.service';

/**
 * The patient's own view (scope patient:self): who looked at my data in this kommune, and my
 * blocking (sperring). The patient is the one in the token's `pid` claim; no identifier is
 * ever taken from the URL or the body here.
 */
@Controller('api/v1/kommuner/:kommunenummer/me')
@UseGuards(AuthGuard)
export class PatientSelfController {
  constructor(private readonly access: PatientAccessService) {}

  @Get('access-log')
  @RequireScopes('patient:self')
  async accessLog(@Param('kommunenummer') knr: string, @Req() req: AuthenticatedRequest, @Res() res: Response): Promise<void> {
    await answer(res, async () => {
      const log = await this.access.accessLog(knr, this.access.selfIdentity(req.principal), req.principal);
      res.setHeader('X-Audit-Id', log.auditId);
      return { kommunenummer: log.kommunenummer, entries: log.entries };
    });
  }

  @Get('blocking')
  @RequireScopes('patient:self')
  async blocking(@Param('kommunenummer') knr: string, @Req() req: AuthenticatedRequest, @Res() res: Response): Promise<void> {
    await answer(res, () => this.access.blockingState(knr, this.access.selfIdentity(req.principal)));
  }

  @Put('blocking')
  @RequireScopes('patient:self')
  async block(@Param('kommunenummer') knr: string, @Req() req: AuthenticatedRequest, @Res() res: Response): Promise<void> {
    await answer(res, () => this.access.setBlocked(knr, this.access.selfIdentity(req.principal), req.principal, true));
  }

  @Delete('blocking')
  @RequireScopes('patient:self')
  async unblock(@Param('kommunenummer') knr: string, @Req() req: AuthenticatedRequest, @Res() res: Response): Promise<void> {
    await answer(res, () => this.access.setBlocked(knr, this.access.selfIdentity(req.principal), req.principal, false));
  }
}

/**
 * The kommune's privacy officer (scope audit:read): the access log of one patient, whose
 * identifier travels in the POST body so it never appears in a URL or an access log.
 */
@Controller('api/v1/kommuner/:kommunenummer')
@UseGuards(AuthGuard)
export class AccessLogController {
  constructor(private readonly access: PatientAccessService) {}

  @Post('access-log')
  @HttpCode(200)
  @RequireScopes('audit:read')
  async accessLog(
    @Param('kommunenummer') knr: string,
    @Body() body: { identifierType?: string; identifier?: string } | undefined,
    @Headers('x-purpose-of-use') purpose: string | undefined,
    @Req() req: AuthenticatedRequest,
    @Res() res: Response,
  ): Promise<void> {
    await answer(res, async () => {
      const statedPurpose = this.access.officerPurpose(purpose);
      const log = await this.access.accessLog(knr, this.access.officerIdentity(body?.identifierType, body?.identifier), req.principal, statedPurpose);
      res.setHeader('X-Audit-Id', log.auditId);
      return { kommunenummer: log.kommunenummer, entries: log.entries };
    });
  }
}

async function answer(res: Response, work: () => Promise<object>): Promise<void> {
  try {
    res.status(200).json(await work());
  } catch (error) {
    if (error instanceof AuditException) throw auditHttpError(error);
    throw error;
  }
}
