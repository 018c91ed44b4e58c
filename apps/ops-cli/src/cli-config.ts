import { HubConfig, loadHubConfig } from '@hub/config';
import { setTopicNamespace } from '@hub/contracts';

/** The CLI's configuration, with the topic namespace applied like the apps do at boot. */
export function cliConfig(): HubConfig {
  const config = loadHubConfig();
  setTopicNamespace(config.kafka.namespace);
  return config;
}
