import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { stringify } from 'yaml';
import { cliConfig } from '../cli-config';
import { kommuneTopicSpecs, TopicNames } from '@hub/contracts';
import { KommuneEntry, parseDirectory } from '@hub/directory';
import { KafkajsAdapter } from '@hub/kafka';
import { isHerIdNumber, normalizeHerId } from '@hub/messages';
import { CliError, output } from '../cli-error';

export function registerKommuneCommands(program: Command): void {
  const kommune = program.command('kommune').description('Onboard and list kommuner');

  kommune
    .command('list')
    .description('List the kommuner in the directory')
    .action(() => {
      const config = cliConfig();
      const entries = parseDirectory(readFileSync(config.directoryPath, 'utf8'));
      output(program.opts().json, entries, () => entries.map((e) => `${e.kommunenummer}  ${e.navn.padEnd(20)} HER-ids: ${e.herIds.join(', ')}`).join('\n'));
    });

  kommune
    .command('add')
    .description("Provision a kommune's topics and add it to the directory (apps pick it up without restart)")
    .argument('<kommunenummer>', '4 digits')
    .requiredOption('--navn <name>', 'name of the kommune')
    .requiredOption('--her-ids <ids>', 'comma-separated HER-ids of the kommune and its services')
    .action(async (kommunenummer: string, options: { navn: string; herIds: string }) => {
      const config = cliConfig();
      if (!/^\d{4}$/.test(kommunenummer)) throw new CliError('kommunenummer must be 4 digits');
      const written = options.herIds.split(',').map((h) => h.trim()).filter(Boolean);
      if (written.length === 0 || written.some((h) => !isHerIdNumber(h))) throw new CliError('--her-ids must be HER-id numbers separated by commas');
      // Stored canonical ("01010" is 1010), like every HER-id the hub compares.
      const herIds = [...new Set(written.map(normalizeHerId))];
      const entries = parseDirectory(readFileSync(config.directoryPath, 'utf8'));
      const existing = entries.find((e) => e.kommunenummer === kommunenummer);
      const updated: KommuneEntry[] = existing
        ? entries.map((e) => (e === existing ? { ...e, navn: options.navn, herIds: [...new Set([...e.herIds, ...herIds])] } : e))
        : [...entries, { kommunenummer, navn: options.navn, herIds }];
      // Topics first, then the directory: a message is only routed to a kommune whose topics exist.
      const kafka = new KafkajsAdapter({ brokers: config.kafka.brokers, clientId: `${config.kafka.clientId}-cli` });
      const admin = await kafka.admin();
      try {
        await admin.ensureTopics(kommuneTopicSpecs(new TopicNames(config.kafka.namespace), kommunenummer, config, existing?.partitions));
      } finally {
        await admin.disconnect();
      }
      const text = stringify({ kommuner: updated.map((e) => ({ kommunenummer: e.kommunenummer, navn: e.navn, herIds: e.herIds.map(Number), ...(e.partitions ? { partitions: e.partitions } : {}) })) });
      parseDirectory(text);
      const tmp = `${config.directoryPath}.tmp`;
      writeFileSync(tmp, text);
      renameSync(tmp, config.directoryPath);
      output(program.opts().json, { kommunenummer, navn: options.navn, herIds, created: !existing }, () => `${existing ? 'Updated' : 'Added'} kommune ${kommunenummer} ${options.navn}; topics ready`);
    });
}
