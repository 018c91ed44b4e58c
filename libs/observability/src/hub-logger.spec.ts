import { HubLogger, configureLogging } from './hub-logger';

describe('HubLogger', () => {
  const lines: string[] = [];
  beforeAll(() => configureLogging({ level: 'debug', json: true, sink: (l) => lines.push(l) }));

  it('writes one JSON line with context, message and ids', () => {
    new HubLogger('Test').info('Message accepted', { correlationId: 'abc', partition: 2 });
    const entry = JSON.parse(lines.pop()!);
    expect(entry).toMatchObject({ level: 'info', context: 'Test', msg: 'Message accepted', correlationId: 'abc', partition: 2 });
  });

  it('drops personal-data fields and masks 11-digit numbers anywhere', () => {
    new HubLogger('Test').warn('lookup of 15076500565 failed', { fnr: '15076500565', familyName: 'Gundersen', detail: 'id 13116900216' });
    const line = lines.pop()!;
    expect(line).not.toMatch(/\d{11}/);
    expect(line).not.toContain('Gundersen');
    expect(JSON.parse(line).detail).toBe('id [redacted]');
  });
});
