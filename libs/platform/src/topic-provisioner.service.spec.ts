import type { HubConfig } from '@hub/config';
import type { KommuneDirectory } from '@hub/directory';
import type { KafkaPort, TopicSpec } from '@hub/kafka';
import { TopicProvisioner } from './topic-provisioner.service';

describe('TopicProvisioner', () => {
  it('does not finish shutting down while topics are still being created', async () => {
    let created!: () => void;
    const requested: TopicSpec[][] = [];
    const kafka = {
      admin: async () => ({
        ensureTopics: (specs: TopicSpec[]) => {
          requested.push(specs);
          return new Promise<void>((resolve) => (created = resolve));
        },
        disconnect: async () => undefined,
      }),
    } as unknown as KafkaPort;
    const directory = { list: () => [{ kommunenummer: '9921', navn: 'Herdvik', herIds: [] }] } as unknown as KommuneDirectory;
    const config = { kafka: { partitions: 3, replicationFactor: 1 } } as unknown as HubConfig;
    const provisioner = new TopicProvisioner(config, kafka, directory);

    provisioner.onApplicationBootstrap();
    await new Promise((r) => setImmediate(r));
    expect(requested).toHaveLength(1);
    let shutDown = false;
    const shutdown = Promise.resolve(provisioner.onApplicationShutdown()).then(() => (shutDown = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(shutDown).toBe(false);
    created();
    await shutdown;
    expect(shutDown).toBe(true);
  });
});
