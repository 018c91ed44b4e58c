import type { Command } from 'commander';
import { cliConfig } from '../cli-config';
import { mintDevToken } from '@hub/auth';
import { CliError } from '../cli-error';

const collect = (value: string, previous: string[]) => [...previous, ...value.split(/[ ,]+/).filter(Boolean)];

export function registerTokenCommand(program: Command): void {
  program
    .command('token')
    .description('Print an access token from the local development issuer (development and tests only)')
    .requiredOption('--client <name>', 'client id')
    .option('--scope <scope...>', 'scopes: messages:write patients:read audit:read ops:admin patient:self', collect, [])
    .option('--kommune <knr...>', "kommuner the token is valid for ('*' for all)", collect, [])
    .option('--org <id>', 'organisation HER-id or organisasjonsnummer')
    .option('--hpr <number>', 'HPR-number of the acting health professional')
    .option('--name <name>', 'name of the acting person')
    .option('--pid <identifier>', "the citizen's own identifier (for scope patient:self)")
    .option('--ttl <seconds>', 'lifetime in seconds', '3600')
    .action(async (options: { client: string; scope: string[]; kommune: string[]; org?: string; hpr?: string; name?: string; pid?: string; ttl: string }) => {
      const config = cliConfig();
      if (!config.auth.devIssuer.enabled) throw new CliError('The development issuer is off; set HENDELSESLAGER_DEV_ISSUER=true (never in production)');
      if (options.scope.length === 0) throw new CliError('Give at least one --scope');
      const token = await mintDevToken(config.auth.devIssuer.keyFile, {
        client: options.client,
        scopes: options.scope,
        kommuner: options.kommune,
        audience: config.auth.audience,
        organisation: options.org,
        hpr: options.hpr,
        name: options.name,
        patientIdentifier: options.pid,
        expiresInSeconds: Number(options.ttl),
      });
      process.stdout.write(`${token}\n`);
    });
}
