import { HubConfig, loadHubConfig } from '@hub/config';
import { setTopicNamespace } from '@hub/contracts';
import { configureLogging } from '@hub/observability';

/**
 * The CLI's configuration, with the topic namespace applied like the apps do at boot. Logs go to
 * stderr, so stdout carries only the command's answer (parseable with --json).
 */
export function cliConfig(): HubConfig {
  const config = loadHubConfig();
  configureLogging({ level: config.log.level, json: config.log.json, sink: (line) => process.stderr.write(`${line}\n`) });
  setTopicNamespace(config.kafka.namespace);
  return config;
}
