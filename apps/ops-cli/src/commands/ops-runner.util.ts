import type { Command } from 'commander';
import { OpsContext } from '@hub/ops';
import { cliConfig } from '../cli-config';
import { CliError } from '../cli-error';

/**
 * Runs one operations command with its servers open and Ctrl-C wired to an AbortSignal:
 * the first SIGINT asks the work to stop after its current batch (progress is stored, the
 * command can be resumed), a second one exits at once.
 */
export async function withOps<T>(work: (ctx: OpsContext, signal: AbortSignal) => Promise<T>, options: { poolSize?: number } = {}): Promise<T> {
  const ctx = await OpsContext.open(cliConfig(), options);
  const controller = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    interrupts += 1;
    if (interrupts > 1) process.exit(130);
    process.stderr.write('\nhendelseslager: stopping after the current batch (Ctrl-C again to quit at once)\n');
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  try {
    return await work(ctx, controller.signal);
  } finally {
    process.off('SIGINT', onSigint);
    await ctx.close();
  }
}

export function jsonOutput(program: Command): boolean {
  return Boolean(program.opts().json);
}

export function requireKommune(knr: string | undefined): string {
  if (!knr) throw new CliError('--kommune <kommunenummer> is required', 2);
  if (!/^\d{4}$/.test(knr)) throw new CliError('--kommune must be 4 digits', 2);
  return knr;
}

/** Exit status 130 after printing a partial result: the work was interrupted and can be resumed. */
export function interrupted(what: string, resume: string): CliError {
  return new CliError(`${what} interrupted; progress is stored. Resume with: ${resume}`, 130);
}
