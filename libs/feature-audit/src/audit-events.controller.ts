import { Controller, Get, Param, Query, UseFilters } from '@nestjs/common';
import { AuthGuard, EdgeGuards, ProblemJsonFilter, RequestSchemaPipe, RequireScopes, Validated } from '@hub/platform';
import { auditMapper } from './audit-http.util';
import { AUDIT_EVENTS_QUERY, AuditEvents, AuditEventsService, readAuditEventsQuery } from './audit-events.service';

/**
 * The kommune's privacy officer (scope audit:read): the kommune's audit events, newest first,
 * `?outcome=DENIED` for every refused access; `limit` (1-1000, 100) and `after` (the `next` of
 * the previous answer) page. No patient is named in the query or the answer.
 */
@Controller('api/v1/kommuner/:kommunenummer')
@EdgeGuards(AuthGuard)
@UseFilters(new ProblemJsonFilter(auditMapper))
export class AuditEventsController {
  constructor(private readonly trail: AuditEventsService) {}

  @Get('audit-events')
  @RequireScopes('audit:read')
  events(@Param('kommunenummer') knr: string, @Query(new RequestSchemaPipe(AUDIT_EVENTS_QUERY, 'query', 'refuse')) query: Validated): Promise<AuditEvents> {
    return this.trail.events(knr, readAuditEventsQuery(query));
  }
}
