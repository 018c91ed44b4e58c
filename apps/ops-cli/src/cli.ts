import { Command, CommanderError } from 'commander';
import { registerDemoCommands } from './commands/demo.command';
import { registerKommuneCommands } from './commands/kommune.command';
import { registerMigrateCommand } from './commands/migrate.command';
import { registerTokenCommand } from './commands/token.command';
import { registerReplayCommand } from './commands/replay.command';
import { registerRebuildCommand } from './commands/rebuild.command';
import { registerDlqCommands } from './commands/dlq.command';
import { registerStatusCommand } from './commands/status.command';
import { registerConformanceCommand } from './commands/conformance.command';
import { registerMessageCommands } from './commands/messages.command';
import { registerRestoreCommand } from './commands/restore.command';
import { OpsException, opsExitCode } from '@hub/ops';
import { CliError } from './cli-error';

/**
 * `hendelseslager`: the operators' CLI, one more adapter over the same libs the apps use.
 * Every command has --help, exits non-zero with a clear message on error and supports --json.
 */
export async function runCli(argv: string[]): Promise<number> {
  const program = new Command()
    .name('hendelseslager')
    .description('Operate Hendelseslager: kommuner, migrations, tokens, replay, rebuild, dead letters, status, conformance')
    .option('--json', 'machine-readable output')
    .showHelpAfterError()
    .exitOverride();
  registerMigrateCommand(program);
  registerTokenCommand(program);
  registerKommuneCommands(program);
  registerDemoCommands(program);
  registerReplayCommand(program);
  registerRebuildCommand(program);
  registerRestoreCommand(program);
  registerDlqCommands(program);
  registerStatusCommand(program);
  registerConformanceCommand(program);
  registerMessageCommands(program);
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    const message = error instanceof Error ? error.message : String(error);
    if (program.opts().json) process.stderr.write(`${JSON.stringify({ error: message })}\n`);
    else process.stderr.write(`hendelseslager: ${message}\n`);
    if (error instanceof OpsException) return opsExitCode(error.code);
    return error instanceof CliError ? error.exitCode : 1;
  }
}
