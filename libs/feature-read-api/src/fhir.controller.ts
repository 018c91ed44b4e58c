import { Body, Controller, Get, Headers, HttpCode, Inject, Param, Post, Query, Req, Res, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import type { HubConfig } from '@hub/config';
import { binaryResource, capabilityStatement, operationOutcome, parseIdentifierToken, provenances, searchsetBundle } from '@hub/fhir';
import { HubMetrics } from '@hub/observability';
import { AuthenticatedRequest, AuthGuard, fhirIssueOf, HttpAnswer, HUB_CONFIG, RequireScopes } from '@hub/platform';
import { filterResources, readSearchParameters, resourcesFor, SEARCHABLE_RESOURCES, SearchableResource, SearchParameterException, SearchParameters } from './fhir-search';
import { OriginalMessageService } from './original-message.service';
import { BLOCKED_DETAIL, blockedSearchBundle } from './blocked-record';
import { PageTokenCodec } from './page-token';
import { PatientReadService, PURPOSES_OF_USE } from './patient-read.service';
import { readApiAnswer } from './read-api-http.util';
import { ReadApiException } from './read-api.exception';

const FHIR_JSON = 'application/fhir+json; charset=utf-8';
const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;

/** What a page token seals: the search plus where it may be continued. */
interface SealedSearch extends SearchParameters {
  knr: string;
  type: string;
}

/**
 * FHIR R4 for one kommune: search EpisodeOfCare (services), Condition (diagnoses) and
 * Encounter (stays) by patient identifier; read Binary (the original message). Search by POST
 * `_search` keeps the patient identifier out of URLs; GET is supported for FHIR clients that
 * need it. Paging links carry an encrypted page token, so they can be followed with GET
 * without putting the identifier in a URL. Provenance comes with `_revinclude=Provenance:target`.
 */
@Controller('fhir/:kommunenummer')
@UseGuards(AuthGuard)
export class FhirController {
  private readonly pages: PageTokenCodec;

  constructor(
    @Inject(HUB_CONFIG) config: HubConfig,
    private readonly reads: PatientReadService,
    private readonly originals: OriginalMessageService,
    private readonly metrics: HubMetrics,
  ) {
    this.pages = new PageTokenCodec(config.pseudonymKey);
  }

  @Get('metadata')
  metadata(@Param('kommunenummer') knr: string, @Req() req: AuthenticatedRequest, @Res() res: Response): void {
    res.type(FHIR_JSON).json(capabilityStatement(baseUrl(req, knr), { name: 'Hendelseslager', version: '0.1.0' }));
  }

  @Get('Binary/:id')
  @RequireScopes('patients:read')
  async binary(
    @Param('kommunenummer') knr: string,
    @Param('id') id: string,
    @Headers('x-purpose-of-use') purpose: string | undefined,
    @Headers('accept') accept: string | undefined,
    @Req() req: AuthenticatedRequest,
    @Res() res: Response,
  ): Promise<void> {
    const started = process.hrtime.bigint();
    if (!purpose || !PURPOSES_OF_USE.has(purpose)) {
      res.status(403).type(FHIR_JSON).json(operationOutcome('error', 'forbidden', `Header X-Purpose-Of-Use with one of ${[...PURPOSES_OF_USE].join(', ')} is required`));
      return;
    }
    if (!FHIR_ID.test(id)) {
      res.status(400).type(FHIR_JSON).json(operationOutcome('error', 'invalid', 'Not a FHIR id'));
      return;
    }
    try {
      const { message, auditId, blocked } = await this.originals.read({ kommunenummer: knr, originalId: id, principal: req.principal, purposeOfUse: purpose });
      res.setHeader('X-Audit-Id', auditId);
      if (blocked) {
        res.status(403).type(FHIR_JSON).json(operationOutcome('error', 'suppressed', BLOCKED_DETAIL));
        return;
      }
      if (!message) {
        res.status(404).type(FHIR_JSON).json(operationOutcome('error', 'not-found', `No original message Binary/${id} in kommune ${knr}`));
        return;
      }
      res.setHeader('ETag', `"${message.sha256}"`);
      res.setHeader('X-Content-SHA256', message.sha256);
      if (wantsFhirJson(accept)) {
        res.status(200).type(FHIR_JSON).json(binaryResource(message.binaryId, message.contentType, message.payload, message.msgId));
        return;
      }
      // The bytes exactly as received, with the content type the gateway declared; never rendered by a browser.
      res.setHeader('Content-Disposition', `attachment; filename="${message.binaryId}.xml"`);
      res.status(200).type(message.contentType).end(message.payload);
    } catch (error) {
      if (error instanceof ReadApiException) return writeOutcome(res, readApiAnswer(error));
      throw error;
    } finally {
      this.metrics.readDuration.observe({ route: 'fhir.Binary' }, Number(process.hrtime.bigint() - started) / 1e9);
    }
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
      if (error instanceof ReadApiException) return writeOutcome(res, readApiAnswer(error));
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
      if (result.blocked) {
        res.setHeader('X-Audit-Id', result.auditId);
        res.status(200).type(FHIR_JSON).json(blockedSearchBundle(`${baseUrl(req, knr)}/${type}`));
        return;
      }
      const patient = { identifier: { system: identifier.system, value: identifier.value } };
      const all = filterResources(resourcesFor(type as SearchableResource, result.overview, patient), params);
      const page = all.slice(params.offset, params.offset + params.count);
      const base = baseUrl(req, knr);
      const link = (offset: number) => `${base}/${type}?_page=${this.pages.seal({ ...params, offset, knr, type } satisfies SealedSearch)}`;
      const links = [{ relation: 'self', url: link(params.offset) }];
      if (params.count > 0 && params.offset > 0) links.push({ relation: 'previous', url: link(Math.max(0, params.offset - params.count)) });
      if (params.count > 0 && params.offset + params.count < all.length) links.push({ relation: 'next', url: link(params.offset + params.count) });
      const included = params.revincludeProvenance ? provenances(page) : [];
      res.setHeader('X-Audit-Id', result.auditId);
      res.status(200).type(FHIR_JSON).json(searchsetBundle(page.map((m) => m.resource), all.length, base, links, included));
    } catch (error) {
      if (error instanceof ReadApiException) return writeOutcome(res, readApiAnswer(error));
      throw error;
    } finally {
      this.metrics.readDuration.observe({ route: `fhir.${type}` }, Number(process.hrtime.bigint() - started) / 1e9);
    }
  }

  /** A `_page` token continues a search exactly as it was asked (same kommune and type only). */
  private resolveParameters(raw: Record<string, unknown>, knr: string, type: string): SearchParameters {
    if (raw._page !== undefined) {
      const sealed = typeof raw._page === 'string' ? this.pages.open<SealedSearch>(raw._page) : undefined;
      if (!sealed || sealed.knr !== knr || sealed.type !== type) throw new SearchParameterException('Invalid or expired _page token; repeat the search');
      return sealed;
    }
    return readSearchParameters(raw);
  }
}

function baseUrl(req: AuthenticatedRequest, knr: string): string {
  return `${req.protocol}://${req.get('host')}/fhir/${knr}`;
}

function writeOutcome(res: Response, answer: HttpAnswer): void {
  for (const [name, value] of Object.entries(answer.headers ?? {})) res.setHeader(name, value);
  res.status(answer.status).type(FHIR_JSON).json(operationOutcome('error', fhirIssueOf(answer), answer.detail));
}

function wantsFhirJson(accept: string | undefined): boolean {
  return /application\/(fhir\+)?json/i.test(accept ?? '');
}
