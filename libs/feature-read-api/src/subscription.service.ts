import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { HubConfig } from '@hub/config';
import { FhirResource, readSubscriptionRequest, searchsetBundle, subscriptionResource } from '@hub/fhir';
import { FhirSubscriptionRepository } from '@hub/persistence';
import { EdgeException, EdgeExceptionCode, HUB_CONFIG } from '@hub/platform';
import { ReadApiException, ReadApiExceptionCode } from './read-api.exception';

/**
 * FHIR Subscriptions (topic-based, R5 Backport IG for R4), per kommune and owning client:
 * create, read, search and delete, persisted in PostgreSQL. The first slice of issue #14 part
 * 2: no notification is delivered yet (no rest-hook, handshake, heartbeat, $status or $events),
 * so every Subscription stays `requested`.
 */
@Injectable()
export class SubscriptionService {
  constructor(
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    private readonly subscriptions: FhirSubscriptionRepository,
  ) {}

  private base(kommunenummer: string): string {
    return `${this.config.publicBaseUrl}/fhir/${kommunenummer}`;
  }

  async create(kommunenummer: string, clientId: string, body: unknown): Promise<{ resource: FhirResource; location: string }> {
    const { request, error } = readSubscriptionRequest(body);
    if (!request) throw new EdgeException(EdgeExceptionCode.INVALID_REQUEST, error ?? 'Not a Subscription');
    const id = randomUUID();
    const resource = subscriptionResource(id, request, new Date());
    await this.subscriptions.create({ id, kommunenummer, clientId, topic: request.topic, resource });
    return { resource, location: `${this.base(kommunenummer)}/Subscription/${id}` };
  }

  async read(kommunenummer: string, clientId: string, id: string): Promise<FhirResource> {
    const found = await this.subscriptions.find(kommunenummer, clientId, id);
    if (!found) throw new ReadApiException(ReadApiExceptionCode.NOT_FOUND, 'No Subscription with this id for this client in this kommune');
    return found.resource as FhirResource;
  }

  async search(kommunenummer: string, clientId: string): Promise<FhirResource> {
    const base = this.base(kommunenummer);
    const found = (await this.subscriptions.list(kommunenummer, clientId)).map((s) => s.resource as FhirResource);
    return searchsetBundle(found, found.length, base, [{ relation: 'self', url: `${base}/Subscription` }]);
  }

  async delete(kommunenummer: string, clientId: string, id: string): Promise<void> {
    if (!(await this.subscriptions.delete(kommunenummer, clientId, id))) throw new ReadApiException(ReadApiExceptionCode.NOT_FOUND, 'No Subscription with this id for this client in this kommune');
  }
}
