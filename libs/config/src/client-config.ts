import { ConfigException } from './hub-config';

/**
 * What a client of a running hub needs (the ops CLI's `conformance` command): where the hub
 * answers and how to get a token. Deliberately separate from `HubConfig`, which demands the
 * server's own settings (token issuer, JWKS): a certifier testing a production hub from a
 * laptop has a URL and a token, nothing else.
 */
export interface HubClientConfig {
  /** HENDELSESLAGER_URL, else http://127.0.0.1:PORT (PORT default 3000). */
  hubUrl: string;
  /** HENDELSESLAGER_TOKEN: a bearer token for the hub (never logged). */
  token?: string;
  /** The local development issuer, for minting a token when none is given (development and tests only). */
  devIssuer: { enabled: boolean; keyFile: string };
  audience: string;
  /** The kommune directory file (the kommuner a minted token is valid for). */
  directoryPath: string;
}

type Env = Record<string, string | undefined>;

export function loadHubClientConfig(env: Env = process.env): HubClientConfig {
  const problems: string[] = [];
  const str = (name: string, fallback: string): string => (env[name] === undefined || env[name] === '' ? fallback : (env[name] as string));
  const port = str('PORT', '3000');
  if (!/^\d{1,5}$/.test(port)) problems.push(`PORT=${port} (expected a port number)`);
  const hubUrl = str('HENDELSESLAGER_URL', `http://127.0.0.1:${port}`).replace(/\/+$/, '');
  if (!/^https?:\/\/[^\s/]+/.test(hubUrl)) problems.push(`HENDELSESLAGER_URL=${hubUrl} (expected http:// or https:// and a host)`);
  const devIssuerRaw = str('HENDELSESLAGER_DEV_ISSUER', 'false').toLowerCase();
  if (!['1', 'true', 'yes', '0', 'false', 'no'].includes(devIssuerRaw)) problems.push(`HENDELSESLAGER_DEV_ISSUER=${devIssuerRaw} (expected true or false)`);
  const devIssuerEnabled = ['1', 'true', 'yes'].includes(devIssuerRaw);
  if (devIssuerEnabled && str('NODE_ENV', 'development') === 'production') problems.push('HENDELSESLAGER_DEV_ISSUER must not be enabled when NODE_ENV=production');
  if (problems.length > 0) throw new ConfigException(problems);
  return {
    hubUrl,
    token: env.HENDELSESLAGER_TOKEN || undefined,
    devIssuer: { enabled: devIssuerEnabled, keyFile: str('HENDELSESLAGER_DEV_ISSUER_KEY', '.stack/dev-issuer/key.json') },
    audience: str('AUTH_AUDIENCE', 'hendelseslager'),
    directoryPath: str('HENDELSESLAGER_DIRECTORY', 'config/directory.demo.yaml'),
  };
}
