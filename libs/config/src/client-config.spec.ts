import { loadHubClientConfig } from './client-config';

describe('loadHubClientConfig', () => {
  it('needs none of the server settings (issuer, JWKS) and defaults to the local hub', () => {
    expect(loadHubClientConfig({})).toEqual({
      hubUrl: 'http://127.0.0.1:3000',
      token: undefined,
      devIssuer: { enabled: false, keyFile: '.stack/dev-issuer/key.json' },
      audience: 'hendelseslager',
      directoryPath: 'config/directory.demo.yaml',
    });
  });

  it('takes the URL from HENDELSESLAGER_URL (trailing slash dropped), else from PORT, and the token from HENDELSESLAGER_TOKEN', () => {
    expect(loadHubClientConfig({ PORT: '4100' }).hubUrl).toBe('http://127.0.0.1:4100');
    const config = loadHubClientConfig({ PORT: '4100', HENDELSESLAGER_URL: 'https://hub.example.kommune.no/', HENDELSESLAGER_TOKEN: 'abc' });
    expect([config.hubUrl, config.token]).toEqual(['https://hub.example.kommune.no', 'abc']);
  });

  it('refuses a URL without scheme, a bad port and the development issuer in production, all in one error', () => {
    expect(() => loadHubClientConfig({ HENDELSESLAGER_URL: 'hub.example', PORT: 'x', HENDELSESLAGER_DEV_ISSUER: 'true', NODE_ENV: 'production' })).toThrow(
      /PORT=x.*HENDELSESLAGER_URL=hub\.example.*HENDELSESLAGER_DEV_ISSUER must not be enabled/,
    );
    expect(loadHubClientConfig({ HENDELSESLAGER_DEV_ISSUER: 'true' }).devIssuer.enabled).toBe(true);
  });
});
