import { HubConfig, loadHubConfig } from '@hub/config';
import { configureLogging } from '@hub/observability';

/**
 * The CLI's configuration (its topic names are built from it: OpsContext, `kommune add`). Logs go to
 * stderr, so stdout carries only the command's answer (parseable with --json).
 */
export function cliConfig(): HubConfig {
  const config = loadHubConfig();
  configureLogging({ level: config.log.level, json: config.log.json, sink: (line) => process.stderr.write(`${line}\n`) });
  return config;
}
