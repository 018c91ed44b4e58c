/** Norwegian person identifier systems (HIS 1001 OIDs), as FHIR identifier.system URIs. */
export const IDENTIFIER_SYSTEMS = {
  FNR: 'urn:oid:2.16.578.1.12.4.1.4.1',
  DNR: 'urn:oid:2.16.578.1.12.4.1.4.2',
  FHN: 'urn:oid:2.16.578.1.12.4.1.4.3',
} as const;

export const IPLOS_SYSTEM = 'urn:oid:2.16.578.1.12.4.1.1.9151';
/**
 * The canonical base of the project's own conformance resources (extensions, profiles, code
 * systems, value sets; JSON in libs/fhir/structure-definitions). The project owns no domain, so
 * it uses one under `.example`, which RFC 2606 reserves and nobody can ever register: the URLs
 * can never collide with or be taken over by someone else's definitions. Canonical URLs are
 * identifiers, not addresses; see libs/fhir/README.md ("Canonical URLs") before changing it.
 */
export const FHIR_CANONICAL_BASE = 'http://hendelseslager.example/fhir';
export const HUB_EXTENSION_BASE = `${FHIR_CANONICAL_BASE}/StructureDefinition`;

/** The profiles every served resource of that type claims in meta.profile (and the CapabilityStatement names). */
export const HUB_PROFILES = {
  EpisodeOfCare: `${FHIR_CANONICAL_BASE}/StructureDefinition/hendelseslager-episodeofcare`,
  Condition: `${FHIR_CANONICAL_BASE}/StructureDefinition/hendelseslager-condition`,
  Encounter: `${FHIR_CANONICAL_BASE}/StructureDefinition/hendelseslager-encounter`,
  Provenance: `${FHIR_CANONICAL_BASE}/StructureDefinition/hendelseslager-provenance`,
  Patient: `${FHIR_CANONICAL_BASE}/StructureDefinition/hendelseslager-patient`,
} as const;

export type SearchableIdentifierType = keyof typeof IDENTIFIER_SYSTEMS;

/** Parses a FHIR token `system|value` for a patient identifier; undefined when not one we serve. */
export function parseIdentifierToken(token: string): { type: SearchableIdentifierType; system: string; value: string } | undefined {
  const bar = token.indexOf('|');
  if (bar < 0) return undefined;
  const system = token.slice(0, bar).trim();
  const value = token.slice(bar + 1).trim();
  const type = (Object.keys(IDENTIFIER_SYSTEMS) as SearchableIdentifierType[]).find((t) => IDENTIFIER_SYSTEMS[t] === system);
  if (!type || !/^\d{11}$/.test(value)) return undefined;
  return { type, system, value };
}

/** Code-list OID (as sent in @S) to a FHIR system URI. */
export function codeSystemUri(oid: string | null): string | undefined {
  if (!oid) return undefined;
  return /^[0-2](\.\d+)+$/.test(oid) ? `urn:oid:${oid}` : undefined;
}
