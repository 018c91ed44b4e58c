import type { Command } from 'commander';
import { ConflictService, MessageListService } from '@hub/ops';
import { CliError, output } from '../cli-error';
import { jsonOutput, requireKommune, withOps } from './ops-runner.util';

/** `messages list` (a kommune's received messages, also those without a patient) and `conflicts list` (issue #12). */
export function registerMessageCommands(program: Command): void {
  const messages = program.command('messages').description("A kommune's received messages (ids, types, hashes; never content)");

  messages
    .command('list')
    .description('List received messages newest first, those with nothing to project (no patient, AppRecs) included')
    .option('--kommune <knr>', 'the kommune (required)')
    .option('--msg-id <msgId>', 'only the message(s) with this MsgId as sent')
    .option('--limit <n>', 'at most this many (default 100)', '100')
    .action(async (flags: { kommune?: string; msgId?: string; limit: string }) => {
      const knr = requireKommune(flags.kommune);
      const limit = Number(flags.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 10000) throw new CliError('--limit must be a whole number from 1 to 10000', 2);
      const entries = await withOps((ctx) => new MessageListService(ctx).list(knr, { msgId: flags.msgId, limit }));
      output(jsonOutput(program), entries, () =>
        entries.length === 0
          ? `No messages${flags.msgId ? ' with that MsgId' : ''} in kommune ${knr}`
          : entries
              .map((e) => `${e.receivedAt}  ${e.msgType.padEnd(28)} ${e.hasPatient ? 'patient   ' : 'no patient'}  ${e.msgId}${e.senderHerId ? ` (sender HER ${e.senderHerId})` : ''}  Binary/${e.binaryId}`)
              .join('\n'),
      );
    });

  const conflicts = program.command('conflicts').description('Messages refused because their MsgId was already used for other content');

  conflicts
    .command('list')
    .description('List refused MsgId conflicts with both sha256 hashes (the refused bytes stay on the conflicts topic)')
    .option('--kommune <knr>', 'the kommune (required)')
    .action(async (flags: { kommune?: string }) => {
      const knr = requireKommune(flags.kommune);
      const entries = await withOps((ctx) => new ConflictService(ctx).list(knr));
      output(jsonOutput(program), entries, () =>
        entries.length === 0
          ? `No MsgId conflicts in kommune ${knr}`
          : entries
              .map((e) => `${e.receivedAt}  ${e.msgType.padEnd(28)} MsgId ${e.msgId}  first ${e.firstSha256.slice(0, 16)}…  refused ${e.conflictingSha256.slice(0, 16)}…  (${e.gatewayClient}, ${e.conflictId})`)
              .join('\n'),
      );
    });
}
