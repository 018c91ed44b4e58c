import type { Command } from 'commander';
import { RebuildService } from '@hub/ops';
import { CliError, output } from '../cli-error';
import { ProgressBar } from '../progress-bar';
import { interrupted, jsonOutput, withOps } from './ops-runner.util';

const collect = (value: string, previous: string[]) => [...previous, ...value.split(/[ ,]+/).filter(Boolean)];

export function registerRebuildCommand(program: Command): void {
  program
    .command('rebuild')
    .description('Rebuild the read model into a new generation from the event topics while the live one serves, then switch atomically')
    .option('--kommune <knr...>', 'rebuild these kommuner from offset zero; all others are carried over from the live generation', collect, [])
    .option('--all', 'rebuild every kommune from offset zero (the default when no --kommune is given)')
    .option('--abort', 'drop the rebuild under way; the live generation is untouched')
    .option('--keep <n>', 'generations to keep after the switch, the new live one included', '2')
    .option('--parallel <n>', 'kommuner applied side by side (each kommune stays sequential)', '2')
    .addHelpText('after', '\nCtrl-C stops after the current batch and keeps the new generation; run rebuild again to resume, or --abort.')
    .action(async (flags: { kommune: string[]; all?: boolean; abort?: boolean; keep: string; parallel: string }) => {
      if (flags.kommune.some((k) => !/^\d{4}$/.test(k))) throw new CliError('--kommune must be 4 digits', 2);
      if (flags.all && flags.kommune.length > 0) throw new CliError('Give either --all or --kommune, not both', 2);
      const keep = Number(flags.keep);
      if (!Number.isInteger(keep) || keep < 1) throw new CliError('--keep must be a whole number >= 1', 2);
      const parallel = Number(flags.parallel);
      if (!Number.isInteger(parallel) || parallel < 1 || parallel > 16) throw new CliError('--parallel must be a whole number from 1 to 16', 2);
      const json = jsonOutput(program);
      const result = await withOps(async (ctx, signal) => {
        const bar = new ProgressBar('rebuild', 0, !json && !flags.abort);
        const r = await new RebuildService(ctx).rebuild({ kommuner: flags.kommune, abort: flags.abort, keep, parallel, progress: bar, signal });
        bar.done();
        return r;
      }, { poolSize: 2 * parallel + 2 }); // each consumer reads for one batch while the one before it commits
      output(json, result, () => {
        const scope = result.kommuner === 'all' ? 'all kommuner' : `kommune ${result.kommuner.join(', ')} (others carried over)`;
        switch (result.status) {
          case 'switched':
            return `Rebuilt ${scope} into ${result.targetSchema} in ${result.seconds.toFixed(1)} s (${result.applied} events${result.undecodable ? `, ${result.undecodable} undecodable skipped` : ''}); live: ${result.previousSchema} → ${result.targetSchema}${result.droppedSchemas.length ? `; dropped ${result.droppedSchemas.join(', ')}` : ''}`;
          case 'aborted':
            return `Aborted the rebuild into ${result.targetSchema} and dropped it; the live generation is untouched`;
          case 'interrupted':
            return `Rebuild into ${result.targetSchema} interrupted after ${result.applied} events; the live generation is untouched`;
        }
      });
      if (result.status === 'interrupted') throw interrupted('Rebuild', 'hendelseslager rebuild (or rebuild --abort)');
    });
}
