/** The CapabilityStatement served at /fhir/{kommunenummer}/metadata. */
export function capabilityStatement(baseUrl: string, software: { name: string; version: string }): Record<string, unknown> {
  const patientSearch = [
    { name: 'patient.identifier', type: 'token', documentation: 'Required. system|value with FNR (urn:oid:2.16.578.1.12.4.1.4.1) or D-number (urn:oid:2.16.578.1.12.4.1.4.2). Prefer POST _search so the identifier stays out of URLs.' },
    { name: 'status', type: 'token' },
    { name: 'date', type: 'date' },
    { name: '_count', type: 'number' },
  ];
  const resource = (type: string) => ({
    type,
    interaction: [{ code: 'search-type' }],
    searchParam: patientSearch,
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
          description: 'Bearer access token (HelseID-style JWT) with scope patients:read for this kommune, and header X-Purpose-Of-Use (HL7 PurposeOfUse, e.g. TREAT, ETREAT). Every read is audited.',
        },
        resource: [resource('EpisodeOfCare'), resource('Condition'), resource('Encounter')],
      },
    ],
  };
}
