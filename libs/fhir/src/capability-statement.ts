import { HUB_PROFILES } from './identifier-systems.constant';
import { SUBSCRIPTION_TOPICS } from './subscription';

/**
 * The CapabilityStatement served at /fhir/{kommunenummer}/metadata. Every resource type names the
 * project's own profile as its `profile` (every served resource conforms to it and claims it in
 * meta.profile) and `supportedProfile`; the profiles name the extensions.
 */
export function capabilityStatement(baseUrl: string, software: { name: string; version: string }): Record<string, unknown> {
  // Search parameters by FHIR R4's own definitions, so a client can rely on their meaning. The
  // patient is searched by chaining the standard `patient` reference on identifier.
  const r4 = (name: string) => `http://hl7.org/fhir/SearchParameter/${name}`;
  const patient = (definition: string) => ({
    name: 'patient',
    definition: r4(definition),
    type: 'reference',
    documentation:
      'Required, and only chained on identifier: patient.identifier=system|value with FNR (urn:oid:2.16.578.1.12.4.1.4.1) or D-number (urn:oid:2.16.578.1.12.4.1.4.2). Prefer POST _search so the identifier stays out of URLs.',
  });
  const date = { name: 'date', definition: r4('clinical-date'), type: 'date', documentation: 'Against period. Prefixes eq, ne, gt, ge, lt, le, sa, eb; yyyy, yyyy-mm or yyyy-mm-dd.' };
  const count = { name: '_count', type: 'number', documentation: 'Page size (default 50, at most 200). The next link carries an encrypted page token, never the identifier.' };
  const searchParams = {
    EpisodeOfCare: [patient('clinical-patient'), { name: 'status', definition: r4('EpisodeOfCare-status'), type: 'token', documentation: 'The status code of the service (R4 episode-of-care-status), active, finished, or entered-in-error for a service whose message was withdrawn.' }, date, count],
    Encounter: [patient('clinical-patient'), { name: 'status', definition: r4('Encounter-status'), type: 'token', documentation: 'The status code of the stay (R4 encounter-status), e.g. in-progress, finished.' }, date, count],
    Condition: [
      patient('clinical-patient'),
      { name: 'clinical-status', definition: r4('Condition-clinical-status'), type: 'token', documentation: 'active or resolved; a retracted diagnosis has none.' },
      { name: 'verification-status', definition: r4('Condition-verification-status'), type: 'token', documentation: 'confirmed, or entered-in-error for a retracted diagnosis.' },
      {
        name: 'date',
        type: 'date',
        documentation: "The hub's own (R4 has no Condition date): against onset to abatement, else recordedDate. Prefixes and precision as for the other types' date.",
      },
      count,
    ],
  };
  const profiled = (type: keyof typeof HUB_PROFILES) => ({ type, profile: HUB_PROFILES[type], supportedProfile: [HUB_PROFILES[type]] });
  const includes = { EpisodeOfCare: 'EpisodeOfCare:patient', Condition: 'Condition:subject', Encounter: 'Encounter:subject' } as const;
  const searchable = (type: 'EpisodeOfCare' | 'Condition' | 'Encounter') => ({
    ...profiled(type),
    interaction: [{ code: 'search-type' }],
    searchInclude: [includes[type]],
    searchRevInclude: ['Provenance:target'],
    searchParam: searchParams[type],
  });
  const conformance = (type: 'StructureDefinition' | 'CodeSystem' | 'ValueSet') => ({
    type,
    interaction: [{ code: 'read' }, { code: 'search-type' }],
    searchParam: [
      { name: '_id', type: 'token' },
      { name: 'url', type: 'uri' },
      ...(type === 'StructureDefinition' ? [{ name: 'type', type: 'token', documentation: 'The type the profile or extension defines or constrains (Extension for extensions).' }] : []),
    ],
    documentation: `The project's own ${type === 'StructureDefinition' ? 'profiles and extensions' : type === 'CodeSystem' ? 'code systems' : 'value sets'} (canonical URLs under http://hendelseslager.example/fhir). No patient data: like metadata, no access token needed, not audited.`,
  });
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: '2026-11-23',
    kind: 'instance',
    software,
    implementation: { description: 'Hendelseslager: the kommune event store', url: baseUrl },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'json'],
    rest: [
      {
        mode: 'server',
        security: {
          cors: false,
          description:
            'Bearer access token (HelseID-style JWT) with scope patients:read for this kommune, and header X-Purpose-Of-Use (HL7 PurposeOfUse, e.g. TREAT, ETREAT). Every read is audited before it is answered.',
        },
        resource: [
          searchable('EpisodeOfCare'),
          searchable('Condition'),
          searchable('Encounter'),
          {
            ...profiled('Provenance'),
            interaction: [{ code: 'search-type' }],
            searchParam: [patient('Provenance-patient'), count],
            documentation:
              'One per source message, entity.what = Binary/{id} of the original message. Searched by patient.identifier (the patient parameter chained; every source message of the patient\'s services, diagnoses and stays), or returned with the other searches by _revinclude=Provenance:target. Audited.',
          },
          {
            ...profiled('Patient'),
            interaction: [{ code: 'search-type' }],
            searchParam: [
              { name: 'identifier', definition: r4('Patient-identifier'), type: 'token', documentation: 'Required. system|value with FNR or D-number, as patient.identifier above. Prefer POST _search.' },
              count,
            ],
            documentation:
              'Demographics from the read model (names, birth date, gender, death), with the identifier searched with. Searched by identifier, or included in the other searches with _include (Condition:subject, Encounter:subject, EpisodeOfCare:patient). A blocked record answers only its OperationOutcome. Audited.',
          },
          {
            type: 'Binary',
            interaction: [{ code: 'read' }],
            documentation: 'The original message exactly as received. Accept application/fhir+json gives a Binary resource; any other Accept the raw bytes with their original content type. Audited.',
          },
          {
            type: 'Subscription',
            interaction: [{ code: 'create' }, { code: 'read' }, { code: 'update' }, { code: 'delete' }, { code: 'search-type' }],
            operation: [
              { name: 'status', definition: 'http://hl7.org/fhir/uv/subscriptions-backport/OperationDefinition/backport-subscription-status' },
              { name: 'events', definition: 'http://hl7.org/fhir/uv/subscriptions-backport/OperationDefinition/backport-subscription-events' },
            ],
            documentation: `Topic-based (R4 Subscriptions Backport IG), scope subscriptions:write for this kommune; a client sees only its own. criteria: ${Object.values(SUBSCRIPTION_TOPICS).join(' or ')}, with a backport-filter-criteria naming the patient (patient.identifier=system|value, on patient-record-changed optionally EpisodeOfCare?, Condition? or Encounter?); X-Purpose-Of-Use on create (every notification is an audited read with it). Channel rest-hook (https; private hosts only when configured), payload application/fhir+json, content empty, id-only or full-resource, heartbeat-period. Handshake on create (requested, then active), notifications as history Bundles numbered per subscription, retries with backoff then error; update only sets status requested (start again: handshake, then what was not delivered) or off; $status and $events (audited) on each Subscription.`,
          },
          conformance('StructureDefinition'),
          conformance('CodeSystem'),
          conformance('ValueSet'),
        ],
      },
    ],
  };
}
