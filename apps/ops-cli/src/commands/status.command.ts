import type { Command } from 'commander';
import { StatusService } from '@hub/ops';
import { output } from '../cli-error';
import { jsonOutput, withOps } from './ops-runner.util';

export function registerStatusCommand(program: Command): void {
  program
    .command('status')
    .description('Per kommune and consumer group: lag, last event time, dead letters, read-model generation, halted projections')
    .option('--kommune <knr>', 'only this kommune')
    .action(async (flags: { kommune?: string }) => {
      const status = await withOps((ctx) => new StatusService(ctx).status(flags.kommune));
      output(jsonOutput(program), status, () => {
        const p = status.projection;
        const lines = [
          `Namespace ${status.namespace}; read model live in ${p.activeSchema} since ${p.switchedAt}; generations: ${p.generations.join(', ')}`,
          p.rebuild ? `Rebuild under way into ${p.rebuild.targetSchema} (${p.rebuild.kommuner === 'all' ? 'all' : p.rebuild.kommuner.join(', ')}), started ${p.rebuild.startedAt}` : 'No rebuild under way',
        ];
        for (const k of status.kommuner) {
          lines.push(`${k.kommunenummer} ${k.navn ?? '(not in directory)'}${k.topicsProvisioned ? '' : '  TOPICS MISSING'}`);
          lines.push(`  raw ${k.rawRecords}, events ${k.eventRecords}, projected messages ${k.projectedMessages}, last event ${k.lastEventRecordedAt ?? '-'}`);
          lines.push(`  dead letters ${k.deadLetters} (${k.deadLettersRedriven} redriven)`);
          for (const l of k.lag) lines.push(`  lag ${String(l.lag).padStart(6)}  ${l.group}  ${l.topic}`);
          for (const h of k.halted) {
            lines.push(`  HALTED ${h.projection}: ${h.problem} on ${h.topic}; way out: hendelseslager ${h.wayOut === 'rebuild' ? 'rebuild' : `restore --kommune ${k.kommunenummer}`}`);
          }
        }
        return lines.join('\n');
      });
    });
}
