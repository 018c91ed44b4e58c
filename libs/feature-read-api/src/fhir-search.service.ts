import { Inject, Injectable } from '@nestjs/common';
import type { Principal } from '@hub/auth';
import type { HubConfig } from '@hub/config';
import { binaryResource, capabilityStatement, ConformanceResources, ConformanceType, FhirResource, provenances, searchsetBundle } from '@hub/fhir';
import { HUB_CONFIG, parsePatientIdentifierToken } from '@hub/platform';
import { blockedSearchBundle } from './blocked-record';
import { factSectionsFor, filterResources, patientOf, readSearchParameters, resourcesFor, SearchableResource, SearchParameterException, SearchParameters } from './fhir-search';
import { OriginalMessageService } from './original-message.service';
import { PageTokenCodec } from './page-token';
import { PatientReadService } from './patient-read.service';
import { ReadApiException, ReadApiExceptionCode } from './read-api.exception';

/** What a page token seals: the search, where it may be continued, and by whom. */
interface SealedSearch extends SearchParameters {
  knr: string;
  type: string;
  /** The client that got the token; no other client may continue the search with it. */
  clientId: string;
}

export interface FhirSearchRequest {
  kommunenummer: string;
  type: SearchableResource;
  /** The search parameters as sent (query, or query and form body of a POST `_search`). */
  parameters: Record<string, unknown>;
  principal: Principal;
  purposeOfUse: string;
}

export interface FhirAnswer {
  resource: object;
  auditId: string;
}

/**
 * The FHIR API's reads: searches answered as searchset Bundles with paging links, the original
 * message as Binary, and the CapabilityStatement. Links are built from the configured public
 * base URL, never from the request's Host header.
 */
@Injectable()
export class FhirSearchService {
  private readonly pages: PageTokenCodec;
  /** The project's StructureDefinitions, CodeSystems and ValueSets (libs/fhir/structure-definitions), loaded once. */
  private readonly conformanceResources = new ConformanceResources();

  constructor(
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    private readonly reads: PatientReadService,
    private readonly originals: OriginalMessageService,
  ) {
    this.pages = new PageTokenCodec(config.pseudonymKey);
  }

  /** The FHIR base of one kommune, as clients reach it. */
  base(kommunenummer: string): string {
    return `${this.config.publicBaseUrl}/fhir/${kommunenummer}`;
  }

  capabilities(kommunenummer: string): Record<string, unknown> {
    return capabilityStatement(this.base(kommunenummer), { name: 'Hendelseslager', version: '0.1.0' });
  }

  /** One of the project's conformance resources; no patient data, so not audited. */
  conformance(type: ConformanceType, id: string): FhirResource {
    const resource = this.conformanceResources.read(type, id);
    if (!resource) throw new ReadApiException(ReadApiExceptionCode.NOT_FOUND, `No ${type} with this id`);
    return resource;
  }

  /** A search of the project's conformance resources, as one searchset Bundle (there are a dozen; no paging). */
  conformanceSearch(kommunenummer: string, type: ConformanceType, criteria: { _id?: string[]; url?: string[]; type?: string[] }): FhirResource {
    const base = this.base(kommunenummer);
    const found = this.conformanceResources.search(type, criteria);
    return searchsetBundle(found, found.length, base, [{ relation: 'self', url: `${base}/${type}` }]);
  }

  async search(request: FhirSearchRequest): Promise<FhirAnswer> {
    const { kommunenummer: knr, type, principal } = request;
    const params = this.resolveParameters(request.parameters, knr, type, principal.clientId);
    const identifier = parsePatientIdentifierToken(params.identifierToken);
    const result = await this.reads.read({
      kommunenummer: knr,
      identifier: { type: identifier.type, value: identifier.value },
      principal,
      purposeOfUse: request.purposeOfUse,
      action: 'SEARCH',
      // What the answer may disclose: the searched type, and the Patient when it is included.
      resource: params.includePatient ? `${type},Patient` : type,
      sections: factSectionsFor(type, Boolean(params.includePatient)),
    });
    const base = this.base(knr);
    if (result.blocked) return { resource: blockedSearchBundle(`${base}/${type}`), auditId: result.auditId };
    const patient = { identifier: { system: identifier.system, value: identifier.value } };
    const all = filterResources(resourcesFor(type, result.overview, patient), params);
    const page = all.slice(params.offset, params.offset + params.count);
    const link = (offset: number) => `${base}/${type}?_page=${this.pages.seal({ ...params, offset, knr, type, clientId: principal.clientId } satisfies SealedSearch)}`;
    const links = [{ relation: 'self', url: link(params.offset) }];
    if (params.count > 0 && params.offset > 0) links.push({ relation: 'previous', url: link(Math.max(0, params.offset - params.count)) });
    if (params.count > 0 && params.offset + params.count < all.length) links.push({ relation: 'next', url: link(params.offset + params.count) });
    const included = params.revincludeProvenance ? provenances(page) : [];
    // The Patient the matches reference, once, when there are matches to reference it.
    const subject = params.includePatient && page.length ? patientOf(result.overview, patient) : undefined;
    if (subject) included.unshift(subject);
    return { resource: searchsetBundle(page.map((m) => m.resource), all.length, base, links, included), auditId: result.auditId };
  }

  /**
   * The original message of `id`; blocked and not-found are refusals that carry the audit id
   * (the attempt was audited). `asFhir`: as a FHIR Binary rather than the bytes.
   */
  async original(kommunenummer: string, id: string, principal: Principal, purposeOfUse: string) {
    const { message, auditId, blocked } = await this.originals.read({ kommunenummer, originalId: id, principal, purposeOfUse });
    if (blocked) throw new ReadApiException(ReadApiExceptionCode.RECORD_BLOCKED, 'Record blocked', { metadata: { auditId } });
    if (!message) throw new ReadApiException(ReadApiExceptionCode.NOT_FOUND, 'No original message with this id in this kommune', { metadata: { auditId } });
    return { message, auditId, asFhir: () => binaryResource(message.binaryId, message.contentType, message.payload, message.msgId) };
  }

  /**
   * A `_page` token continues a search exactly as it was asked: same kommune, type and client.
   * Parameters sent beside it would be silently replaced, so they are refused, except a
   * `patient.identifier` naming the same patient.
   */
  private resolveParameters(raw: Record<string, unknown>, knr: string, type: string, clientId: string): SearchParameters {
    if (raw._page === undefined) return readSearchParameters(raw, type as SearchableResource);
    const sealed = typeof raw._page === 'string' ? this.pages.open<SealedSearch>(raw._page) : undefined;
    if (!sealed || sealed.knr !== knr || sealed.type !== type || sealed.clientId !== clientId) {
      throw new SearchParameterException('Invalid or expired _page token; repeat the search');
    }
    for (const name of Object.keys(raw)) {
      if (name === '_page' || name === '_format') continue;
      if ((name === 'patient.identifier' || name === 'identifier') && sameIdentifier(raw[name], sealed.identifierToken)) continue;
      throw new SearchParameterException('_page continues a search as it was asked; send it without other search parameters (patient.identifier only when it names the same patient)');
    }
    return sealed;
  }
}

function sameIdentifier(given: unknown, sealedToken: string): boolean {
  const values = Array.isArray(given) ? given : [given];
  if (values.length !== 1 || typeof values[0] !== 'string') return false;
  try {
    const a = parsePatientIdentifierToken(values[0]);
    const b = parsePatientIdentifierToken(sealedToken);
    return a.type === b.type && a.value === b.value;
  } catch {
    return false;
  }
}
