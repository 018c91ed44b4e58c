import { Body, Controller, Delete, Get, Header, HttpCode, Param, Post, Query, UseFilters, UseGuards, UseInterceptors } from '@nestjs/common';
import type { Principal } from '@hub/auth';
import type { FhirResource } from '@hub/fhir';
import {
  Answer,
  AuthGuard,
  Consumes,
  CurrentPrincipal,
  EdgeException,
  EdgeExceptionCode,
  FHIR_JSON,
  FhirOutcomeFilter,
  RequestSchemaPipe,
  RequireScopes,
  HttpEdgeInterceptor,
  Validated,
} from '@hub/platform';
import { readApiMapper } from './read-api-http.util';
import { SubscriptionService } from './subscription.service';

const SUBSCRIPTION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** A search of one's own Subscriptions takes no parameters yet (besides `_format`). */
const SEARCH_SCHEMA = new RequestSchemaPipe({ _format: { type: 'string', maxLength: 64 } }, 'query', 'refuse');

function checkedId(id: string): string {
  if (!SUBSCRIPTION_ID.test(id)) throw new EdgeException(EdgeExceptionCode.INVALID_REQUEST, 'Not a Subscription id');
  return id;
}

/**
 * FHIR Subscription for one kommune, scope `subscriptions:write`: a client creates, reads,
 * searches and deletes its own Subscriptions (another client's are not found). Declared before
 * FhirController in the module, whose generic `:type/:id` and `:resourceType` routes would
 * otherwise answer these paths. Subscriptions hold no patient data yet (no filters), so these
 * routes need no purpose of use and are not audited.
 */
@Controller('fhir/:kommunenummer/Subscription')
@UseGuards(AuthGuard)
@RequireScopes('subscriptions:write')
@UseFilters(new FhirOutcomeFilter(readApiMapper))
@UseInterceptors(HttpEdgeInterceptor)
export class SubscriptionController {
  constructor(private readonly subscriptions: SubscriptionService) {}

  @Post()
  @HttpCode(201)
  @Consumes('application/json', 'application/fhir+json')
  @Header('Content-Type', FHIR_JSON)
  async create(@Param('kommunenummer') knr: string, @Body() body: unknown, @CurrentPrincipal() principal: Principal): Promise<Answer<FhirResource>> {
    const { resource, location } = await this.subscriptions.create(knr, principal.clientId, body);
    return new Answer(resource, { Location: location });
  }

  @Get()
  @Header('Content-Type', FHIR_JSON)
  search(@Param('kommunenummer') knr: string, @Query(SEARCH_SCHEMA) _query: Validated, @CurrentPrincipal() principal: Principal): Promise<FhirResource> {
    return this.subscriptions.search(knr, principal.clientId);
  }

  @Get(':id')
  @Header('Content-Type', FHIR_JSON)
  read(@Param('kommunenummer') knr: string, @Param('id') id: string, @CurrentPrincipal() principal: Principal): Promise<FhirResource> {
    return this.subscriptions.read(knr, principal.clientId, checkedId(id));
  }

  @Delete(':id')
  @HttpCode(204)
  async delete(@Param('kommunenummer') knr: string, @Param('id') id: string, @CurrentPrincipal() principal: Principal): Promise<void> {
    await this.subscriptions.delete(knr, principal.clientId, checkedId(id));
  }
}
