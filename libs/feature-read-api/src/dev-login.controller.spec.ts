import { HttpException } from '@nestjs/common';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import type { HubConfig } from '@hub/config';
import { DevLoginController } from './dev-login.controller';

const config = (enabled: boolean) =>
  ({ auth: { audience: 'hendelseslager', devIssuer: { enabled, keyFile: join(mkdtempSync(join(tmpdir(), 'devlogin-')), 'key.json') } } }) as unknown as HubConfig;

describe('DevLoginController', () => {
  it('answers 404 when the development issuer is off (production)', async () => {
    const error = await new DevLoginController(config(false)).token({ kommunenummer: '0301' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpException);
    expect((error as HttpException).getStatus()).toBe(404);
  });

  it('mints a patients:read token for exactly one kommune when it is on', async () => {
    const answer = await new DevLoginController(config(true)).token({ kommunenummer: '0301', name: 'Sykepleier' });
    const claims = decodeJwt(answer.access_token);
    expect(claims).toMatchObject({ scope: 'patients:read', kommuner: ['0301'], name: 'Sykepleier', aud: 'hendelseslager' });
    expect(answer.expires_in).toBe(3600);
  });

  it('refuses a malformed kommunenummer', async () => {
    const error = await new DevLoginController(config(true)).token({ kommunenummer: '*' }).catch((e: unknown) => e);
    expect((error as HttpException).getStatus()).toBe(400);
  });
});
