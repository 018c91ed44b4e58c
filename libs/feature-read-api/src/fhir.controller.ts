import { Body, Controller, Get, Headers, HttpCode, Inject, Param, Post, Query, Req, Res, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import type { HubConfig } from '@hub/config';
import { capabilityStatement, operationOutcome, parseIdentifierToken, searchsetBundle } from '@hub/fhir';
import { HubMetrics } from '@hub/observability';
import { AuthenticatedRequest, AuthGuard, HUB_CONFIG, RequireScopes } from '@hub/platform';
import { AuditUnavailableException } from './audit.service';
import { filterResources, readSearchParameters, resourcesFor, SEARCHABLE_RESOURCES, SearchableResource, SearchParameterException, SearchParameters } from './fhir-search';
import { PageTokenCodec } from './page-token';
import { InvalidPatientIdentifierException, PatientReadService, PURPOSES_OF_USE } from './patient-read.service';

const FHIR_JSON = 'application/fhir+json; charset=utf-8';

/**
 * FHIR R4 search for one kommune: EpisodeOfCare (services), Condition (diagnoses) and
 * Encounter (stays). Search by POST `_search` keeps the patient identifier out of URLs; GET is
 * supported for FHIR clients that need it. Paging links carry an encrypted page token.
 */
@Controller('fhir/:kommunenummer')
@UseGuards(AuthGuard)
export class FhirController {
  private readonly pages: PageTokenCodec;

  constructor(@Inject(HUB_CONFIG) config: HubConfig, private readonly reads: PatientReadService, private readonly metrics: HubMetrics) {
    this.pages = new PageTokenCodec(config.pseudonymKey);
  }

  @Get('metadata')
  metadata(@Param('kommunenummer') knr: string, @Req() req: AuthenticatedRequest, @Res() res: Response): void {
    res.type(FHIR_JSON).json(capabilityStatement(baseUrl(req, knr), { name: 'Hendelseslager', version: '0.1.0' }));
  }

  @Get(':resourceType')
  @RequireScopes('patients:read')
  async searchGet(
    @Param('kommunenummer') knr: string,
    @Param('resourceType') type: string,
    @Query() query: Record<string, unknown>,
    @Headers('x-purpose-of-use') purpose: string | undefined,
    @Req() req: AuthenticatedRequest,
    @Res() res: Response,
  ): Promise<void> {
    await this.search(knr, type, query, purpose, req, res);
  }

  @Post(':resourceType/_search')
  @HttpCode(200)
  @RequireScopes('patients:read')
  async searchPost(
    @Param('kommunenummer') knr: string,
    @Param('resourceType') type: string,
    @Body() body: Record<string, unknown>,
    @Query() query: Record<string, unknown>,
    @Headers('x-purpose-of-use') purpose: string | undefined,
    @Req() req: AuthenticatedRequest,
    @Res() res: Response,
  ): Promise<void> {
    await this.search(knr, type, { ...query, ...(body ?? {}) }, purpose, req, res);
  }

  private async search(knr: string, type: string, raw: Record<string, unknown>, purpose: string | undefined, req: AuthenticatedRequest, res: Response): Promise<void> {
    const started = process.hrtime.bigint();
    if (!SEARCHABLE_RESOURCES.includes(type as SearchableResource)) {
      res.status(404).type(FHIR_JSON).json(operationOutcome('error', 'not-supported', `Resource type ${type} is not served`));
      return;
    }
    if (!purpose || !PURPOSES_OF_USE.has(purpose)) {
      res.status(403).type(FHIR_JSON).json(operationOutcome('error', 'forbidden', `Header X-Purpose-Of-Use with one of ${[...PURPOSES_OF_USE].join(', ')} is required`));
      return;
    }
    let params: SearchParameters;
    try {
      params = this.resolveParameters(raw, knr, type);
    } catch (error) {
      if (error instanceof SearchParameterException) {
        res.status(400).type(FHIR_JSON).json(operationOutcome('error', 'invalid', error.message));
        return;
      }
      throw error;
    }
    const identifier = parseIdentifierToken(params.identifierToken);
    if (!identifier) {
      res.status(400).type(FHIR_JSON).json(operationOutcome('error', 'invalid', 'patient.identifier must be system|value with an FNR, D-number or FH-number system and an 11-digit value'));
      return;
    }
    try {
      const result = await this.reads.read({
        kommunenummer: knr,
        identifier: { type: identifier.type, value: identifier.value },
        principal: req.principal,
        purposeOfUse: purpose,
        action: 'SEARCH',
        resource: type,
      });
      const patient = { identifier: { system: identifier.system, value: identifier.value } };
      const all = filterResources(resourcesFor(type as SearchableResource, result.overview, patient), params);
      const page = all.slice(params.offset, params.offset + params.count);
      const base = baseUrl(req, knr);
      const links = [{ relation: 'self', url: `${base}/${type}/_search?_page=${this.pages.seal({ ...params, knr, type })}` }];
      if (params.offset + params.count < all.length) {
        links.push({ relation: 'next', url: `${base}/${type}/_search?_page=${this.pages.seal({ ...params, offset: params.offset + params.count, knr, type })}` });
      }
      res.setHeader('X-Audit-Id', result.auditId);
      res.status(200).type(FHIR_JSON).json(searchsetBundle(page, all.length, base, links));
    } catch (error) {
      if (error instanceof InvalidPatientIdentifierException) {
        res.status(400).type(FHIR_JSON).json(operationOutcome('error', 'invalid', error.message));
        return;
      }
      if (error instanceof AuditUnavailableException) {
        res.status(503).setHeader('Retry-After', '5');
        res.type(FHIR_JSON).json(operationOutcome('error', 'transient', 'The audit log is unavailable, so no patient data can be read right now'));
        return;
      }
      throw error;
    } finally {
      this.metrics.readDuration.observe({ route: `fhir.${type}` }, Number(process.hrtime.bigint() - started) / 1e9);
    }
  }

  private resolveParameters(raw: Record<string, unknown>, knr: string, type: string): SearchParameters {
    if (typeof raw._page === 'string') {
      const sealed = this.pages.open<SearchParameters & { knr: string; type: string }>(raw._page);
      if (!sealed || sealed.knr !== knr || sealed.type !== type) throw new SearchParameterException('Invalid or expired _page token; repeat the search');
      return sealed;
    }
    return readSearchParameters(raw);
  }
}

function baseUrl(req: AuthenticatedRequest, knr: string): string {
  return `${req.protocol}://${req.get('host')}/fhir/${knr}`;
}
