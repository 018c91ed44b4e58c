import { loadHubConfig } from '@hub/config';
import { MessageException, MessageExceptionCode, parseMessage } from '@hub/messages';
import { buildMessage } from '@hub/testing';
import { IntakeUnavailableException } from './intake.exception';
import { IntakeXsdValidator } from './intake-xsd.validator';

describe('IntakeXsdValidator', () => {
  const config = (env: Record<string, string> = {}) => loadHubConfig({ HENDELSESLAGER_DEV_ISSUER: 'true', ...env });
  const good = buildMessage({
    kind: 'ORIENTERING_TJENESTETILBUD',
    version: '1.6',
    patient: { familyName: 'Prøve', givenName: 'Fire', birthDate: '1940-01-01' },
    services: [{ iplosCode: '15' }, { iplosCode: '5' }],
  });
  const parsed = parseMessage(good);

  it('passes a valid message and refuses an invalid one with T02, naming at most three findings and counting the rest', async () => {
    const validator = new IntakeXsdValidator(config());
    await validator.onModuleInit();
    try {
      await expect(validator.assertValid(good, parsed)).resolves.toBeUndefined();
      // Four findings (a date-time, a date, two booleans): the text names three and says how many more.
      const bad = Buffer.from(
        good
          .toString('utf8')
          .replace(/(<(?:\w+:)?GenDate>)[^<]*(<)/, '$1x$2')
          .replace(/<((?:\w+:)?PrivatTjeneste)>false<\/\1>/g, '<$1></$1>')
          .replace(/(<(?:\w+:)?DateOfBirth>)[^<]*(<)/, '$1ukjent$2'),
      );
      const error = await validator.assertValid(bad, parsed).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(MessageException);
      const { code, message, partial } = error as MessageException;
      expect(code).toBe(MessageExceptionCode.SCHEMA_VIOLATION);
      expect(partial?.msgId).toBe(parsed.msgId);
      expect(message).toMatch(/^Does not validate against the standard's XSD: line \d+, element GenDate: not a valid xs:dateTime; /);
      expect(message.split('; ')).toHaveLength(3);
      expect(message).toMatch(/\(and 1 more\)$/);
      expect(message).not.toContain('ukjent');
    } finally {
      await validator.onApplicationShutdown();
    }
  });

  it('does nothing when switched off', async () => {
    const validator = new IntakeXsdValidator(config({ INTAKE_XSD_VALIDATION: 'false' }));
    await validator.onModuleInit();
    await expect(validator.assertValid(Buffer.from('<not-even-xml'), parsed)).resolves.toBeUndefined();
  });

  it('answers "unavailable" (503 at the controller), not a rejection, when the validator cannot work', async () => {
    const validator = new IntakeXsdValidator(config());
    await validator.onModuleInit();
    await validator.onApplicationShutdown();
    await expect(validator.assertValid(good, parsed)).rejects.toBeInstanceOf(IntakeUnavailableException);
  });
});
