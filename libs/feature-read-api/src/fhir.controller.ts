import { Body, Controller, Get, Header, Headers, HttpCode, Param, Post, Query, Req, StreamableFile, UseFilters } from '@nestjs/common';
import type { Request } from 'express';
import type { Principal } from '@hub/auth';
import { CONFORMANCE_TYPES, ConformanceType, FhirResource } from '@hub/fhir';
import {
  Answer,
  AuthGuard,
  Consumes,
  CurrentPrincipal,
  EdgeException,
  EdgeExceptionCode,
  FHIR_JSON,
  FhirOutcomeFilter,
  ProducesFhirJson,
  PurposeOfUse,
  RequestSchema,
  RequestSchemaPipe,
  RequireScopes,
  Timed,
  EdgeGuards,
  Validated,
} from '@hub/platform';
import { SEARCH_PARAMETER_NAMES, SEARCHABLE_RESOURCES, SearchableResource } from './fhir-search';
import { FhirSearchService } from './fhir-search.service';
import { readApiMapper } from './read-api-http.util';

const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;

/** Every search parameter is a string or a list of strings; anything else is a 400, not a 500. */
const SEARCH_SCHEMA: RequestSchema = Object.fromEntries(SEARCH_PARAMETER_NAMES.map((name) => [name, { type: name === '_page' ? 'string' : 'strings', maxLength: 4096 }]));
const searchParameters = (where: 'body' | 'query') => new RequestSchemaPipe(SEARCH_SCHEMA, where, 'refuse');

/** A search of the conformance resources: by id, canonical URL, or (StructureDefinition) the type it defines or constrains. */
const CONFORMANCE_SEARCH_SCHEMA: RequestSchema = { _id: { type: 'strings', maxLength: 256 }, url: { type: 'strings', maxLength: 256 }, type: { type: 'strings', maxLength: 64 }, _format: { type: 'string', maxLength: 64 } };
const conformanceParameters = (where: 'body' | 'query') => new RequestSchemaPipe(CONFORMANCE_SEARCH_SCHEMA, where, 'refuse');
const CONFORMANCE_SEARCH_PATHS = CONFORMANCE_TYPES.map(String);

/** The conformance type a search path names (the route lists only those). */
const conformanceTypeOf = (request: Request): ConformanceType => request.path.split('/').filter(Boolean).find((segment) => CONFORMANCE_TYPES.includes(segment as ConformanceType)) as ConformanceType;
const list = (value: string | string[] | undefined): string[] | undefined => (value === undefined ? undefined : (Array.isArray(value) ? value : [value]).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean));

/** The metric label of a search: the resource type when it is one we serve (a closed set). */
const searchRoute = (request: Request): string => {
  const type = request.params.resourceType;
  return `fhir.${SEARCHABLE_RESOURCES.includes(type as SearchableResource) ? type : 'unsupported'}`;
};

/**
 * FHIR R4 for one kommune: search EpisodeOfCare (services), Condition (diagnoses) and
 * Encounter (stays) by patient identifier; read Binary (the original message). Search by POST
 * `_search` keeps the patient identifier out of URLs; GET is supported for FHIR clients that
 * need it. Paging links carry an encrypted page token, bound to the client, so they can be
 * followed with GET without putting the identifier in a URL. Provenance comes with
 * `_revinclude=Provenance:target`. Refusals are OperationOutcomes (FhirOutcomeFilter). JSON only:
 * `_format` or `Accept` asking for XML gets 406 (Binary keeps its two representations).
 */
@Controller('fhir/:kommunenummer')
@EdgeGuards(AuthGuard)
@UseFilters(new FhirOutcomeFilter(readApiMapper))
export class FhirController {
  constructor(private readonly fhir: FhirSearchService) {}

  @Get('metadata')
  @ProducesFhirJson()
  @Header('Content-Type', FHIR_JSON)
  metadata(@Param('kommunenummer') knr: string): Record<string, unknown> {
    return this.fhir.capabilities(knr);
  }

  /** The original message as a FHIR Binary (Accept: JSON), or its bytes exactly as received; every refusal is an exception. */
  @Get('Binary/:id')
  @RequireScopes('patients:read')
  @Timed('fhir.Binary')
  async binary(
    @Param('kommunenummer') knr: string,
    @Param('id') id: string,
    @PurposeOfUse() purpose: string,
    @Headers('accept') accept: string | undefined,
    @CurrentPrincipal() principal: Principal,
  ): Promise<Answer<FhirResource | StreamableFile>> {
    if (!FHIR_ID.test(id)) throw new EdgeException(EdgeExceptionCode.INVALID_REQUEST, 'Not a FHIR id');
    const { message, auditId, asFhir } = await this.fhir.original(knr, id, principal, purpose);
    const headers = { 'X-Audit-Id': auditId, ETag: `"${message.sha256}"`, 'X-Content-SHA256': message.sha256 };
    if (/application\/(fhir\+)?json/i.test(accept ?? '')) return new Answer(asFhir(), { ...headers, 'Content-Type': FHIR_JSON });
    // The bytes exactly as received, with the content type the gateway declared; never rendered by a browser.
    return new Answer(new StreamableFile(message.payload), { ...headers, 'Content-Type': message.contentType, 'Content-Disposition': `attachment; filename="${message.binaryId}.xml"` });
  }

  /**
   * The project's own StructureDefinitions (profiles, extensions), CodeSystems and ValueSets:
   * conformance resources, no patient data, so like `metadata` they need no token and are not
   * audited.
   */
  @Get(':conformanceType/:id')
  @ProducesFhirJson()
  @Header('Content-Type', FHIR_JSON)
  conformance(@Param('conformanceType') type: string, @Param('id') id: string): FhirResource {
    if (!CONFORMANCE_TYPES.includes(type as ConformanceType)) throw new EdgeException(EdgeExceptionCode.NOT_SERVED, `Only ${CONFORMANCE_TYPES.join(', ')} and Binary are read by id; other types are searched`);
    if (!FHIR_ID.test(id)) throw new EdgeException(EdgeExceptionCode.INVALID_REQUEST, 'Not a FHIR id');
    return this.fhir.conformance(type as ConformanceType, id);
  }

  @Get(CONFORMANCE_SEARCH_PATHS)
  @ProducesFhirJson()
  @Header('Content-Type', FHIR_JSON)
  conformanceSearchGet(@Param('kommunenummer') knr: string, @Query(conformanceParameters('query')) query: Validated, @Req() request: Request): FhirResource {
    return this.fhir.conformanceSearch(knr, conformanceTypeOf(request), { _id: list(query._id), url: list(query.url), type: list(query.type) });
  }

  @Post(CONFORMANCE_SEARCH_PATHS.map((type) => `${type}/_search`))
  @ProducesFhirJson()
  @HttpCode(200)
  @Consumes('application/x-www-form-urlencoded', 'application/json', 'application/fhir+json')
  @Header('Content-Type', FHIR_JSON)
  conformanceSearchPost(@Param('kommunenummer') knr: string, @Body(conformanceParameters('body')) body: Validated, @Query(conformanceParameters('query')) query: Validated, @Req() request: Request): FhirResource {
    const all = { ...query, ...Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined)) };
    return this.fhir.conformanceSearch(knr, conformanceTypeOf(request), { _id: list(all._id), url: list(all.url), type: list(all.type) });
  }

  @Get(':resourceType')
  @ProducesFhirJson()
  @RequireScopes('patients:read')
  @Header('Content-Type', FHIR_JSON)
  @Timed(searchRoute)
  async searchGet(
    @Param('kommunenummer') knr: string,
    @Param('resourceType') type: string,
    @Query(searchParameters('query')) query: Validated,
    @PurposeOfUse() purpose: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<Answer<object>> {
    return this.search(knr, type, query, purpose, principal);
  }

  @Post(':resourceType/_search')
  @ProducesFhirJson()
  @HttpCode(200)
  @RequireScopes('patients:read')
  @Consumes('application/x-www-form-urlencoded', 'application/json', 'application/fhir+json')
  @Header('Content-Type', FHIR_JSON)
  @Timed(searchRoute)
  async searchPost(
    @Param('kommunenummer') knr: string,
    @Param('resourceType') type: string,
    @Body(searchParameters('body')) body: Validated,
    @Query(searchParameters('query')) query: Validated,
    @PurposeOfUse() purpose: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<Answer<object>> {
    return this.search(knr, type, { ...query, ...body }, purpose, principal);
  }

  private async search(knr: string, type: string, parameters: Validated, purposeOfUse: string, principal: Principal): Promise<Answer<object>> {
    if (!SEARCHABLE_RESOURCES.includes(type as SearchableResource)) {
      throw new EdgeException(EdgeExceptionCode.NOT_SERVED, `This resource type is not served; searchable: ${SEARCHABLE_RESOURCES.join(', ')}`);
    }
    const defined = Object.fromEntries(Object.entries(parameters).filter(([, value]) => value !== undefined));
    const { resource, auditId } = await this.fhir.search({ kommunenummer: knr, type: type as SearchableResource, parameters: defined, principal, purposeOfUse });
    return new Answer(resource, { 'X-Audit-Id': auditId });
  }
}
