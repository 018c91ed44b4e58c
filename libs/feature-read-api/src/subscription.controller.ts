import { Body, Controller, Delete, Get, Header, HttpCode, Param, Post, Put, Query, UseFilters } from '@nestjs/common';
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
  EdgeGuards,
  ProducesFhirJsonGuard,
  PurposeOfUse,
  Validated,
} from '@hub/platform';
import { readApiMapper } from './read-api-http.util';
import { SubscriptionService } from './subscription.service';

const SUBSCRIPTION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** A search of one's own Subscriptions takes no parameters yet (besides `_format`). */
const SEARCH_SCHEMA = new RequestSchemaPipe({ _format: { type: 'string', maxLength: 64 } }, 'query', 'refuse');

/** `$events` parameters (Backport IG): event numbers as decimal strings, and the content wanted. */
const EVENTS_SCHEMA = new RequestSchemaPipe(
  { eventsSinceNumber: { type: 'string', maxLength: 19 }, eventsUntilNumber: { type: 'string', maxLength: 19 }, content: { type: 'string', maxLength: 20 }, _format: { type: 'string', maxLength: 64 } },
  'query',
  'refuse',
);
const EVENT_NUMBER = /^[1-9]\d{0,18}$/;

function eventsQuery(query: Validated): { since?: string; until?: string; content?: string } {
  const since = query.eventsSinceNumber as string | undefined;
  const until = query.eventsUntilNumber as string | undefined;
  const content = query.content as string | undefined;
  if (since !== undefined && !EVENT_NUMBER.test(since)) throw new EdgeException(EdgeExceptionCode.INVALID_REQUEST, 'eventsSinceNumber must be a positive integer');
  if (until !== undefined && !EVENT_NUMBER.test(until)) throw new EdgeException(EdgeExceptionCode.INVALID_REQUEST, 'eventsUntilNumber must be a positive integer');
  if (content !== undefined && !['empty', 'id-only', 'full-resource'].includes(content)) throw new EdgeException(EdgeExceptionCode.INVALID_REQUEST, 'content must be empty, id-only or full-resource');
  return { ...(since ? { since } : {}), ...(until ? { until } : {}), ...(content ? { content } : {}) };
}

function checkedId(id: string): string {
  if (!SUBSCRIPTION_ID.test(id)) throw new EdgeException(EdgeExceptionCode.INVALID_REQUEST, 'Not a Subscription id');
  return id;
}

/**
 * FHIR Subscription for one kommune, scope `subscriptions:write`: a client creates, reads,
 * searches and deletes its own Subscriptions (another client's are not found). Declared before
 * FhirController in the module, whose generic `:type/:id` and `:resourceType` routes would
 * otherwise answer these paths. A Subscription names one patient (its filter): creating one
 * states the purpose of use (`X-Purpose-Of-Use`) that every notification's read is audited
 * with; `$events` is such a read (audited, refused for a blocked record); `$status` carries no
 * health data.
 */
@Controller('fhir/:kommunenummer/Subscription')
// 406 for a format other than JSON, once the client is known.
@EdgeGuards(AuthGuard, ProducesFhirJsonGuard)
@RequireScopes('subscriptions:write')
@UseFilters(new FhirOutcomeFilter(readApiMapper))
export class SubscriptionController {
  constructor(private readonly subscriptions: SubscriptionService) {}

  @Post()
  @HttpCode(201)
  @Consumes('application/json', 'application/fhir+json')
  @Header('Content-Type', FHIR_JSON)
  async create(@Param('kommunenummer') knr: string, @Body() body: unknown, @CurrentPrincipal() principal: Principal, @PurposeOfUse() purpose: string): Promise<Answer<FhirResource>> {
    const { resource, location } = await this.subscriptions.create(knr, principal, purpose, body);
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

  /** Update: only the status, to `requested` (start again after an error) or `off`. */
  @Put(':id')
  @Consumes('application/json', 'application/fhir+json')
  @Header('Content-Type', FHIR_JSON)
  update(@Param('kommunenummer') knr: string, @Param('id') id: string, @Body() body: unknown, @CurrentPrincipal() principal: Principal): Promise<FhirResource> {
    return this.subscriptions.update(knr, principal.clientId, checkedId(id), body);
  }

  /** The Backport IG's operations on one Subscription: `$status` and `$events` (`:operation`, as Express paths cannot hold `$`). */
  @Get(':id/:operation')
  @Header('Content-Type', FHIR_JSON)
  async operation(
    @Param('kommunenummer') knr: string,
    @Param('id') id: string,
    @Param('operation') operation: string,
    @Query(EVENTS_SCHEMA) query: Validated,
    @CurrentPrincipal() principal: Principal,
  ): Promise<Answer<FhirResource> | FhirResource> {
    if (operation === '$status') {
      if (Object.keys(query).some((k) => k !== '_format' && query[k] !== undefined)) throw new EdgeException(EdgeExceptionCode.INVALID_REQUEST, '$status takes no parameters');
      return this.subscriptions.status(knr, principal.clientId, checkedId(id));
    }
    if (operation === '$events') {
      const { resource, auditId } = await this.subscriptions.events(knr, principal, checkedId(id), eventsQuery(query));
      return new Answer(resource, auditId ? { 'X-Audit-Id': auditId } : {});
    }
    throw new EdgeException(EdgeExceptionCode.INVALID_REQUEST, 'Unknown operation on Subscription (the hub offers $status and $events)');
  }

  @Delete(':id')
  @HttpCode(204)
  async delete(@Param('kommunenummer') knr: string, @Param('id') id: string, @CurrentPrincipal() principal: Principal): Promise<void> {
    await this.subscriptions.delete(knr, principal.clientId, checkedId(id));
  }
}
