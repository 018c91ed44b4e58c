import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HubMetrics } from './metrics';

/**
 * The Prometheus files in ops/prometheus, checked by Prometheus' own tool (`promtool`, Debian's
 * `prometheus` package; tools/ensure-system-packages.sh installs it): the rules and the scrape
 * configuration are valid, each alert fires on the series that should raise it and not on the
 * others (alerts.test.yml), and every metric the rules name is one the hub exports.
 */
const dir = join(__dirname, '../../../ops/prometheus');

function promtool(args: string[], input?: string): { status: number | null; out: string } {
  const result = spawnSync('promtool', args, { cwd: dir, input, encoding: 'utf8', timeout: 60000 });
  if (result.error) throw new Error(`promtool could not run (${result.error.message}); install Debian's prometheus package (tools/ensure-system-packages.sh)`);
  return { status: result.status, out: `${result.stdout}${result.stderr}` };
}

describe('Prometheus alert rules (ops/prometheus)', () => {
  it('are valid rules and a valid scrape configuration for promtool', () => {
    const rules = promtool(['check', 'rules', 'alerts.rules.yml']);
    expect(rules.out).toContain('SUCCESS: 8 rules found');
    expect(rules.status).toBe(0);
    const config = promtool(['check', 'config', 'prometheus.yml']);
    expect(config.status).toBe(0);
  });

  it('fire when they should and stay silent when they should not (promtool test rules)', () => {
    const result = promtool(['test', 'rules', 'alerts.test.yml']);
    expect(result.out).toContain('SUCCESS');
    expect(result.status).toBe(0);
  });

  it('name only metrics the hub exports', async () => {
    const metrics = new HubMetrics();
    const exported = new Set((await metrics.registry.getMetricsAsJSON()).map((m) => m.name));
    const named = new Set(readFileSync(join(dir, 'alerts.rules.yml'), 'utf8').match(/\bhendelseslager_[a-z_]+/g) ?? []);
    expect(named.size).toBeGreaterThanOrEqual(5);
    // A histogram is exported under its name and queried by its series: _bucket, _sum, _count.
    expect([...named].filter((name) => !exported.has(name) && !exported.has(name.replace(/_(bucket|sum|count)$/, '')))).toEqual([]);
  });

  it("the hub's /metrics text passes promtool check metrics, apart from prom-client's own Node.js gauges named *_total", async () => {
    const metrics = new HubMetrics();
    metrics.unprovisionedKommuner.set(2);
    metrics.consumerLag.set({ group: 'hendelseslager.normalizer', topic: 'hendelseslager.kommune.0301.raw.v1' }, 3);
    metrics.messagesReceived.inc({ msg_type: 'PLO', outcome: 'accepted' });
    metrics.deadLetters.inc({ kommune: '0301', stage: 'normalizer', error_code: 'E1' });
    metrics.intakeDuration.observe(0.02);
    const result = promtool(['check', 'metrics'], await metrics.registry.metrics());
    const problems = result.out.split('\n').filter((line) => line.trim() !== '');
    expect(problems.filter((line) => !/^hendelseslager_process_nodejs_active_\w+_total non-counter metrics should not have "_total" suffix$/.test(line))).toEqual([]);
  });
});
