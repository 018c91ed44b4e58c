import { assertUnreachable, HubException } from './hub.exception';

enum ExampleCode {
  FIRST = 'EXAMPLE.FIRST',
  SECOND = 'EXAMPLE.SECOND',
}

class ExampleException extends HubException<ExampleCode> {
  constructor(code: ExampleCode, message: string, options?: { cause?: unknown }) {
    super(code, message, { ...options, metadata: { topic: 't', partition: 2 } });
  }
}

function exitCode(code: ExampleCode): number {
  switch (code) {
    case ExampleCode.FIRST:
      return 1;
    case ExampleCode.SECOND:
      return 2;
    default:
      return assertUnreachable(code, 'example code');
  }
}

describe('HubException', () => {
  it('carries code, cause and frozen metadata, and is named after the subclass', () => {
    const cause = new Error('inner');
    const error = new ExampleException(ExampleCode.SECOND, 'outer', { cause });
    expect(error).toBeInstanceOf(Error);
    expect(error).toBeInstanceOf(HubException);
    expect(error.name).toBe('ExampleException');
    expect(error.code).toBe('EXAMPLE.SECOND');
    expect(error.cause).toBe(cause);
    expect(error.metadata).toEqual({ topic: 't', partition: 2 });
    expect(Object.isFrozen(error.metadata)).toBe(true);
  });

  it('leaves the cause out of its JSON (a cause may quote input)', () => {
    const json = JSON.stringify(new ExampleException(ExampleCode.FIRST, 'outer', { cause: new Error('12345678901') }));
    expect(JSON.parse(json)).toEqual({ name: 'ExampleException', code: 'EXAMPLE.FIRST', message: 'outer', metadata: { topic: 't', partition: 2 } });
    expect(json).not.toContain('12345678901');
  });

  it('has no cause property when none was given', () => {
    expect('cause' in new ExampleException(ExampleCode.FIRST, 'x')).toBe(false);
  });
});

describe('assertUnreachable', () => {
  it('is reached only by a value outside the switch, and says what it was', () => {
    expect(exitCode(ExampleCode.SECOND)).toBe(2);
    expect(() => exitCode('EXAMPLE.THIRD' as ExampleCode)).toThrow('Unhandled example code: EXAMPLE.THIRD');
  });
});
