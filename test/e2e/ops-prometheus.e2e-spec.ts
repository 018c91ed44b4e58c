import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '../support/app-process';
import { eventually, HubHarness, startHub } from '../support/hub-harness';

/**
 * A real Prometheus (Debian's `prometheus` package) scrapes a running hub with the project's
 * alert rules loaded (ops/prometheus): the hub's /metrics parses, the target is up, the gauges the
 * rules use arrive with the values the hub has, and every rule evaluates without error.
 */
const rules = resolve(__dirname, '../../ops/prometheus/alerts.rules.yml');

async function query(base: string, promql: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>> {
  const body = (await (await fetch(`${base}/api/v1/query?query=${encodeURIComponent(promql)}`)).json()) as { status: string; data: { result: [] } };
  if (body.status !== 'success') throw new Error(`query ${promql}: ${JSON.stringify(body)}`);
  return body.data.result;
}

describe('ops: Prometheus scrapes the hub with the alert rules', () => {
  let hub: HubHarness;
  let prometheus: ChildProcess;
  let base: string;
  let output = '';

  beforeAll(async () => {
    // Prometheus scrapes the hub's own metrics listener (METRICS_PORT, no token), as ops/prometheus/prometheus.yml says.
    const metricsPort = await freePort();
    hub = await startHub([{ kommunenummer: '9951', navn: 'Promvik', herIds: ['8851001'] }], { METRICS_PORT: String(metricsPort) });
    const dir = mkdtempSync(join(tmpdir(), 'prometheus-'));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    writeFileSync(
      join(dir, 'prometheus.yml'),
      [
        'global: { scrape_interval: 1s, evaluation_interval: 1s }',
        `rule_files: ['${rules}']`,
        'scrape_configs:',
        '  - job_name: hendelseslager',
        `    static_configs: [{ targets: ['127.0.0.1:${metricsPort}'] }]`,
      ].join('\n'),
    );
    prometheus = spawn('prometheus', [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    prometheus.on('error', (error) => (output += `could not start prometheus (tools/ensure-system-packages.sh installs it): ${error.message}`));
    prometheus.stderr!.on('data', (d) => (output = (output + d.toString()).slice(-4000)));
  });

  afterAll(async () => {
    if (prometheus && prometheus.exitCode === null) {
      const exited = new Promise((r) => prometheus.once('exit', r));
      prometheus.kill('SIGTERM');
      await exited;
    }
    await hub?.close();
  });

  it('scrapes /metrics (target up), reads the gauges the rules use, and evaluates every rule without error', async () => {
    await eventually(async () => ((await fetch(`${base}/-/ready`)).ok ? true : undefined), 60000, 250).catch((error) => {
      throw new Error(`${error}; prometheus said: ${output}`);
    });
    // The hub is ready once the kommune's topics exist; then the gauge is 0.
    await eventually(async () => ((await fetch(`${hub.baseUrl}/health/ready`)).status === 200 ? true : undefined), 60000);
    const up = await eventually(async () => {
      const result = await query(base, 'up{job="hendelseslager"}');
      return result[0]?.value[1] === '1' ? result : undefined;
    }, 60000);
    expect(up).toHaveLength(1);
    const unprovisioned = await eventually(async () => {
      const result = await query(base, 'hendelseslager_kommuner_unprovisioned');
      return result[0]?.value[1] === '0' ? result : undefined;
    }, 60000);
    expect(unprovisioned[0].metric.job).toBe('hendelseslager');

    const groups = await eventually(async () => {
      const body = (await (await fetch(`${base}/api/v1/rules`)).json()) as { data: { groups: Array<{ rules: Array<{ name: string; health: string; lastError?: string }> }> } };
      const all = body.data.groups.flatMap((g) => g.rules);
      return all.length > 0 && all.every((r) => r.health !== 'unknown') ? all : undefined;
    }, 60000);
    expect(groups.map((r) => r.name).sort()).toEqual([
      'HendelseslagerAuditWriteFailures',
      'HendelseslagerConsumerLag',
      'HendelseslagerDeadLetters',
      'HendelseslagerDown',
      'HendelseslagerIntakeRejections',
      'HendelseslagerKommunerUnprovisioned',
      'HendelseslagerProjectionHalted',
      'HendelseslagerReadModelStale',
    ]);
    expect(groups.filter((r) => r.health !== 'ok')).toEqual([]);
    // Nothing is wrong with this hub, so nothing fires.
    const alerts = (await (await fetch(`${base}/api/v1/alerts`)).json()) as { data: { alerts: Array<{ labels: { alertname: string }; state: string }> } };
    expect(alerts.data.alerts.filter((a) => a.state === 'firing')).toEqual([]);
  });
});
