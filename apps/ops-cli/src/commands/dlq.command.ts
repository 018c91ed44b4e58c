import type { Command } from 'commander';
import { DeadLetterService, DeadLetterStatus } from '@hub/ops';
import { CliError, output } from '../cli-error';
import { ProgressBar } from '../progress-bar';
import { interrupted, jsonOutput, requireKommune, withOps } from './ops-runner.util';

const STATUSES: DeadLetterStatus[] = ['pending', 'redriven', 'redrive-failed'];

export function registerDlqCommands(program: Command): void {
  const dlq = program.command('dlq').description("Inspect a kommune's dead letters and send them back through once fixed");

  dlq
    .command('list')
    .description('List dead letters with their stage, error code, reason and redrive status')
    .option('--kommune <knr>', 'the kommune (required)')
    .option('--status <status>', `only ${STATUSES.join(' | ')}`)
    .action(async (flags: { kommune?: string; status?: string }) => {
      const knr = requireKommune(flags.kommune);
      if (flags.status && !STATUSES.includes(flags.status as DeadLetterStatus)) throw new CliError(`--status must be one of ${STATUSES.join(', ')}`, 2);
      const entries = await withOps((ctx) => new DeadLetterService(ctx).list(knr, { status: flags.status as DeadLetterStatus | undefined }));
      output(jsonOutput(program), entries, () =>
        entries.length === 0
          ? `No dead letters in kommune ${knr}`
          : entries.map((e) => `${e.deadLetterId}  ${e.status.padEnd(14)} ${e.stage.padEnd(10)} ${e.errorCode.padEnd(22)} ${e.failedAt ?? '-'}  ${e.reason}`).join('\n'),
      );
    });

  dlq
    .command('show')
    .description('Show one dead letter: reason, source position, receipt metadata and redrive history')
    .argument('<deadLetterId>')
    .option('--kommune <knr>', 'the kommune (required)')
    .action(async (id: string, flags: { kommune?: string }) => {
      const knr = requireKommune(flags.kommune);
      const detail = await withOps((ctx) => new DeadLetterService(ctx).show(knr, id));
      output(jsonOutput(program), detail, () =>
        [
          `Dead letter ${detail.deadLetterId} (${detail.status})`,
          `  stage: ${detail.stage}   error: ${detail.errorCode}   failed at: ${detail.failedAt ?? '-'}`,
          `  reason: ${detail.reason}`,
          `  source: ${detail.sourceTopic}[${detail.sourcePartition}]@${detail.sourceOffset}   (${detail.originalBytes} bytes)`,
          ...(detail.raw ? [`  message: ${detail.raw.msgType} ${detail.raw.standard} ${detail.raw.standardVersion}, MsgId ${detail.raw.msgId}, received ${detail.raw.receivedAt}`] : []),
          ...(detail.redrive ? [`  redrive: ${detail.redrive.outcome} at ${detail.redrive.redrivenAt}${detail.redrive.eventId ? `, event ${detail.redrive.eventId}` : ''}${detail.redrive.detail ? ` (${detail.redrive.detail})` : ''}`] : []),
        ].join('\n'),
      );
    });

  dlq
    .command('redrive')
    .description('Run the current mapping on dead letters and write their events (all pending ones with --all)')
    .argument('[deadLetterIds...]')
    .option('--kommune <knr>', 'the kommune (required)')
    .option('--all', 'every dead letter not yet redriven')
    .action(async (ids: string[], flags: { kommune?: string; all?: boolean }) => {
      const knr = requireKommune(flags.kommune);
      if (ids.length === 0 && !flags.all) throw new CliError('Name dead letter ids, or give --all', 2);
      if (ids.length > 0 && flags.all) throw new CliError('Give either dead letter ids or --all, not both', 2);
      const json = jsonOutput(program);
      const { outcomes, aborted } = await withOps(async (ctx, signal) => {
        const bar = new ProgressBar(`redrive ${knr}`, 0, !json);
        const o = await new DeadLetterService(ctx).redrive(knr, ids, { progress: bar, signal });
        bar.done();
        return { outcomes: o, aborted: signal.aborted };
      });
      output(json, outcomes, () =>
        outcomes.length === 0 ? 'Nothing to redrive' : outcomes.map((o) => `${o.deadLetterId}  ${o.outcome}${o.eventId ? `  event ${o.eventId}` : ''}${o.detail ? `  ${o.detail}` : ''}`).join('\n'),
      );
      if (aborted) throw interrupted('Redrive', `hendelseslager dlq redrive --kommune ${knr} --all`);
      if (outcomes.some((o) => o.outcome === 'failed')) throw new CliError('Some dead letters still cannot be mapped; see their detail', 1);
    });
}
