import type { Command } from 'commander';
import { cliConfig } from '../cli-config';
import { createDpopProof, loadOrCreateDpopKey, mintDevToken } from '@hub/auth';
import { CliError } from '../cli-error';

const collect = (value: string, previous: string[]) => [...previous, ...value.split(/[ ,]+/).filter(Boolean)];

export function registerTokenCommand(program: Command): void {
  const token = program
    .command('token')
    .description('Print an access token from the local development issuer (development and tests only); `token proof` makes DPoP proofs')
    .option('--client <name>', 'client id (required)')
    .option('--scope <scope...>', 'scopes: messages:write patients:read audit:read ops:admin patient:self metrics:read', collect, [])
    .option('--kommune <knr...>', "kommuner the token is valid for ('*' for all)", collect, [])
    .option('--org <id>', 'organisation HER-id or organisasjonsnummer')
    .option('--hpr <number>', 'HPR-number of the acting health professional')
    .option('--name <name>', 'name of the acting person')
    .option('--pid <identifier>', "the citizen's own identifier (for scope patient:self)")
    .option('--ttl <seconds>', 'lifetime in seconds (the hub accepts at most AUTH_MAX_TOKEN_LIFETIME_SECONDS, 3600)', '3600')
    .option('--dpop-key <file>', 'bind the token to this DPoP key (cnf.jkt; an ES256 key is created in the file if it does not exist)')
    .action(async (options: { client?: string; scope: string[]; kommune: string[]; org?: string; hpr?: string; name?: string; pid?: string; ttl: string; dpopKey?: string }) => {
      const config = cliConfig();
      if (!config.auth.devIssuer.enabled) throw new CliError('The development issuer is off; set HENDELSESLAGER_DEV_ISSUER=true (never in production)');
      if (!options.client) throw new CliError('Give --client');
      if (options.scope.length === 0) throw new CliError('Give at least one --scope');
      const dpopKey = options.dpopKey ? await loadOrCreateDpopKey(options.dpopKey) : undefined;
      const minted = await mintDevToken(config.auth.devIssuer.keyFile, {
        client: options.client,
        scopes: options.scope,
        kommuner: options.kommune,
        audience: config.auth.audience,
        organisation: options.org,
        hpr: options.hpr,
        name: options.name,
        patientIdentifier: options.pid,
        expiresInSeconds: Number(options.ttl),
        dpopThumbprint: dpopKey?.thumbprint,
      });
      process.stdout.write(`${minted}\n`);
    });

  token
    .command('proof')
    .description('Print a DPoP proof (RFC 9449) for one request, signed with the key in --dpop-key (the option of `token`, given as `token proof --dpop-key FILE ...`); send it as the DPoP header with Authorization: DPoP <token>')
    .requiredOption('--htm <method>', 'HTTP method of the request, e.g. GET or POST')
    .requiredOption('--htu <url>', "the request URL as the hub's public base URL names it (query and fragment are dropped)")
    .option('--token <jwt>', 'the access token the proof goes with (its hash becomes ath; needed for every API request)')
    .option('--nonce <nonce>', "the hub's DPoP-Nonce, when it answered use_dpop_nonce")
    .action(async (options: { htm: string; htu: string; token?: string; nonce?: string }) => {
      const keyFile = token.opts<{ dpopKey?: string }>().dpopKey;
      if (!keyFile) throw new CliError('Give --dpop-key FILE (the key the token is bound to)');
      let htu: URL;
      try {
        htu = new URL(options.htu);
      } catch {
        throw new CliError('--htu must be an absolute http(s) URL');
      }
      htu.search = '';
      htu.hash = '';
      const key = await loadOrCreateDpopKey(keyFile);
      const proof = await createDpopProof(key, { htm: options.htm.toUpperCase(), htu: htu.toString(), accessToken: options.token, nonce: options.nonce });
      process.stdout.write(`${proof}\n`);
    });
}
