import type { Command } from 'commander';
import { RestoreService } from '@hub/ops';
import { CliError, output } from '../cli-error';
import { ProgressBar } from '../progress-bar';
import { interrupted, jsonOutput, requireKommune, withOps } from './ops-runner.util';

export function registerRestoreCommand(program: Command): void {
  program
    .command('restore')
    .description("Restore a kommune's raw topic from the hub's raw-message archive in PostgreSQL (after Kafka was wiped or the topic recreated), verified by sha256")
    .requiredOption('--kommune <knr>', 'the kommune whose raw topic to restore')
    .addHelpText(
      'after',
      '\nIdempotent: messages already on the topic are not written again; run it again after an interruption.' +
        '\nAfterwards the raw archive and audit projections read the new topics from their start; rebuild the read model with `hendelseslager rebuild`.' +
        '\nExit 0 when every archived message is on the topic with its recorded hash, 5 when some could not be restored or verified.',
    )
    .action(async (flags: { kommune: string }) => {
      const kommunenummer = requireKommune(flags.kommune);
      const json = jsonOutput(program);
      const result = await withOps(async (ctx, signal) => {
        const bar = new ProgressBar('restore', 0, !json);
        const r = await new RestoreService(ctx).restore({ kommunenummer, progress: bar, signal });
        bar.done();
        return r;
      });
      output(json, result, () =>
        [
          `Restore of ${result.topic} (topic id ${result.topicId}): ${result.status} in ${result.seconds.toFixed(1)} s`,
          `  archived ${result.archived}, written ${result.written}, already on the topic ${result.alreadyOnTopic}, verified by sha256 ${result.verified}`,
          `  not restorable ${result.notRestorable}, hash mismatches ${result.hashMismatches}`,
          result.restarted.length ? `  reading the new topics from their start: ${result.restarted.join(', ')}` : '  no projection needed restarting',
          '  next: `hendelseslager rebuild` rebuilds the read model from the events the normalizer writes again',
        ].join('\n'),
      );
      if (result.status === 'interrupted') throw interrupted('Restore', `hendelseslager restore --kommune ${kommunenummer}`);
      if (result.status === 'incomplete') throw new CliError(`Restore incomplete: ${result.notRestorable} not restorable, ${result.hashMismatches} hash mismatches, ${result.archived - result.verified} not verified on the topic`, 5);
    });
}
