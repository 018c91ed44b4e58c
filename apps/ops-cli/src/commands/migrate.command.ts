import type { Command } from 'commander';
import { cliConfig } from '../cli-config';
import { runMigrations } from '@hub/persistence';
import { output } from '../cli-error';

export function registerMigrateCommand(program: Command): void {
  program
    .command('migrate')
    .description('Apply pending PostgreSQL migrations (apps never migrate on boot)')
    .action(async () => {
      const config = cliConfig();
      const applied = await runMigrations(config.database.url);
      output(program.opts().json, { applied }, () => (applied.length ? `Applied: ${applied.join(', ')}` : 'Database is up to date'));
    });
}
