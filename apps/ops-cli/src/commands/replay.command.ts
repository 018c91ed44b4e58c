import type { Command } from 'commander';
import { ReplayService, ReplayStart } from '@hub/ops';
import { CliError, output } from '../cli-error';
import { ProgressBar } from '../progress-bar';
import { interrupted, jsonOutput, requireKommune, withOps } from './ops-runner.util';

interface ReplayFlags {
  kommune?: string;
  fromBeginning?: boolean;
  fromOffset?: string;
  fromTimestamp?: string;
  resume?: boolean;
}

export function registerReplayCommand(program: Command): void {
  program
    .command('replay')
    .description("Re-run the normalizer's current mapping over a kommune's raw topic and write corrected events (same event ids: no duplicates in the read models)")
    .option('--kommune <knr>', 'the kommune to replay (required)')
    .option('--from-beginning', 'from the first record of every partition')
    .option('--from-offset <offsets>', "from an offset on every partition ('120') or per partition ('0:120,1:98')")
    .option('--from-timestamp <time>', 'from the first record at or after an ISO time or epoch milliseconds')
    .option('--resume', 'continue the last unfinished replay of the kommune')
    .addHelpText('after', '\nThe range ends at the end of the raw topic when the replay starts; later records are the live normalizer\'s.\nCtrl-C stops after the current batch; --resume continues.')
    .action(async (flags: ReplayFlags) => {
      const knr = requireKommune(flags.kommune);
      const from = parseStart(flags);
      const json = jsonOutput(program);
      const result = await withOps(async (ctx, signal) => {
        const bar = new ProgressBar(`replay ${knr}`, 0, !json);
        const r = await new ReplayService(ctx).replay({ kommunenummer: knr, from, resume: flags.resume, progress: bar, signal });
        bar.done();
        return r;
      });
      output(json, result, () =>
        [
          `Replay run ${result.runId} of kommune ${knr} (mapping ${result.mappingVersion})${result.resumed ? ', resumed' : ''}: ${result.completed ? 'done' : 'interrupted'}`,
          `  records read: ${result.records}, events written: ${result.events}, dead letters: ${result.deadLetters}`,
          ...result.partitions.map((p) => `  partition ${p.partition}: ${p.startOffset} → ${p.nextOffset} of ${p.endOffset}`),
        ].join('\n'),
      );
      if (!result.completed) throw interrupted('Replay', `hendelseslager replay --kommune ${knr} --resume`);
    });
}

function parseStart(flags: ReplayFlags): ReplayStart | undefined {
  const given = [flags.fromBeginning, flags.fromOffset, flags.fromTimestamp, flags.resume].filter((f) => f !== undefined && f !== false);
  if (given.length !== 1) throw new CliError('Give exactly one of --from-beginning, --from-offset, --from-timestamp or --resume', 2);
  if (flags.fromBeginning) return { kind: 'beginning' };
  if (flags.fromOffset !== undefined) {
    if (/^\d+$/.test(flags.fromOffset)) return { kind: 'offset', offsets: flags.fromOffset };
    const offsets: Record<number, string> = {};
    for (const part of flags.fromOffset.split(',')) {
      const m = /^(\d+):(\d+)$/.exec(part.trim());
      if (!m) throw new CliError(`--from-offset: '${part}' is not <offset> or <partition>:<offset>`, 2);
      offsets[Number(m[1])] = m[2];
    }
    return { kind: 'offset', offsets };
  }
  if (flags.fromTimestamp !== undefined) {
    const ms = /^\d+$/.test(flags.fromTimestamp) ? Number(flags.fromTimestamp) : Date.parse(flags.fromTimestamp);
    if (!Number.isFinite(ms)) throw new CliError(`--from-timestamp: '${flags.fromTimestamp}' is not an ISO time or epoch milliseconds`, 2);
    return { kind: 'timestamp', epochMs: ms };
  }
  return undefined;
}
