import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { loadHubConfig } from '@hub/config';
import { OpsContext } from '@hub/ops';
import { buildMessage, fnr } from '@hub/testing';
import type { HubHarness, TestKommune } from '../support/hub-harness';
import { TEST_DATABASE_URL } from '../support/test-env';

/**
 * Helpers of the operations end-to-end tests (issue #6): an OpsContext on the test stack, posting
 * an Orientering om tjenestetilbud for a kommune, reading the JSON patient overview, and SQL
 * against the test database (to count rows per generation, which the API cannot show).
 */

/** The ops services on the same configuration as the hub the harness started (its env is set). */
export function openOps(): Promise<OpsContext> {
  return OpsContext.open(loadHubConfig(process.env));
}

export function kommune(kommunenummer: string, navn: string, herBase: number): TestKommune & { sender: { organisation: Array<{ name: string; herId: string }> }; receiver: { organisation: Array<{ name: string; herId: string }> } } {
  return {
    kommunenummer,
    navn,
    herIds: [String(herBase)],
    sender: { organisation: [{ name: `${navn} kommune`, herId: String(herBase) }] },
    receiver: { organisation: [{ name: `${navn} legekontor`, herId: String(herBase + 100) }] },
  };
}

export interface TestPatient {
  fnr: string;
  birthDate: string;
}

/** A distinct valid test patient per number (born 1940-1989). */
export function testPatient(i: number): TestPatient {
  const birthDate = `19${40 + (i % 50)}-0${1 + (i % 9)}-1${i % 10}`;
  return { fnr: fnr(birthDate, 100 + (i % 300)), birthDate };
}

export function orientering(k: ReturnType<typeof kommune>, patient: TestPatient, services: Array<{ iplosCode: string; description: string; startDate: string }>, msgId = randomUUID()): { msgId: string; body: Buffer } {
  const body = buildMessage({
    kind: 'ORIENTERING_TJENESTETILBUD',
    version: '1.6',
    status: 'N',
    msgId,
    sender: k.sender,
    receiver: k.receiver,
    patient: { familyName: 'Testesen', givenName: 'Test', birthDate: patient.birthDate, sex: '1', fnr: patient.fnr },
    services,
  });
  return { msgId, body };
}

export async function post(hub: HubHarness, token: string, body: Buffer): Promise<number> {
  const response = await fetch(`${hub.baseUrl}/v1/messages`, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/xml' }, body });
  await response.arrayBuffer();
  return response.status;
}

export interface OverviewAnswer {
  status: number;
  found?: boolean;
  services?: Array<{ iplosCode: string | null; description: string | null }>;
}

export async function overview(baseUrl: string, token: string, knr: string, identifier: string): Promise<OverviewAnswer> {
  const response = await fetch(`${baseUrl}/api/v1/kommuner/${knr}/patient-overview`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', 'X-Purpose-Of-Use': 'TREAT' },
    body: JSON.stringify({ identifierType: 'FNR', identifier }),
  });
  if (response.status !== 200) {
    await response.arrayBuffer();
    return { status: response.status };
  }
  const json = (await response.json()) as { found: boolean; services: OverviewAnswer['services'] };
  return { status: 200, found: json.found, services: json.services };
}

/** One query on the test database. */
export async function sql<T = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    return (await client.query(text, params)).rows as T[];
  } finally {
    await client.end();
  }
}

export async function activeSchema(): Promise<string> {
  return (await sql<{ active_schema: string }>(`SELECT active_schema FROM projection_generations WHERE projection = 'readmodel'`))[0].active_schema;
}

export async function countIn(schema: string, table: string, knr: string): Promise<number> {
  return Number((await sql<{ n: string }>(`SELECT count(*)::text AS n FROM "${schema}".${table} WHERE kommunenummer = $1`, [knr]))[0].n);
}

/**
 * A kommune's load for the recovery tests: posts Orienteringer for new patients (from
 * `firstPatient` on) through `hub` with the gateway's token, keeps the MsgIds answered 202, and
 * reads what the live read model and the raw archive hold of the kommune. `hub` and `gateway`
 * are read at each call, so a test may set them in its beforeAll.
 */
export function kommuneLoad(k: ReturnType<typeof kommune>, firstPatient: number, hub: () => HubHarness, gateway: () => string) {
  const accepted: string[] = [];
  let next = firstPatient;
  return {
    accepted,
    postMessages: async (n: number): Promise<void> => {
      for (let i = 0; i < n; i++) {
        const m = orientering(k, testPatient(next++), [{ iplosCode: '15', description: 'Dusj', startDate: '2024-01-03' }]);
        const status = await post(hub(), gateway(), m.body);
        if (status !== 202) throw new Error(`${k.kommunenummer}: message ${m.msgId} answered ${status}, not 202`);
        accepted.push(m.msgId);
      }
    },
    liveMsgIds: async (): Promise<string[]> =>
      (await sql<{ msg_id: string }>(`SELECT msg_id FROM "${await activeSchema()}".message_versions WHERE kommunenummer = $1`, [k.kommunenummer]))
        .map((r) => r.msg_id)
        .sort(),
    archived: (): Promise<number> => countIn('public', 'raw_message_archive', k.kommunenummer),
  };
}
