import { norwegianDate, norwegianLocalDateTime, norwegianOffsetOfLocal } from './norwegian-time.util';

describe('Norwegian local time', () => {
  it('formats an instant as local time in Norway, winter and summer', () => {
    expect(norwegianLocalDateTime(new Date('2024-01-15T11:05:09Z'))).toBe('2024-01-15T12:05:09');
    expect(norwegianLocalDateTime(new Date('2024-07-01T22:30:00Z'))).toBe('2024-07-02T00:30:00');
    expect(norwegianDate(new Date('2024-07-01T22:30:00Z'))).toBe('2024-07-02');
    expect(norwegianDate(new Date('2024-12-31T22:59:59Z'))).toBe('2024-12-31');
    expect(norwegianDate(new Date('2024-12-31T23:00:00Z'))).toBe('2025-01-01');
  });

  it('gives a local time the offset in force at the instant it names', () => {
    expect(norwegianOffsetOfLocal('2024-01-15T12:00:00')).toBe('+01:00');
    expect(norwegianOffsetOfLocal('2024-07-01T08:30')).toBe('+02:00');
  });

  it('is right in the hour before each change, where local time read as UTC is already past it', () => {
    // Summer time starts 2024-03-31 at 01:00 UTC (02:00 local); 01:30 local is 00:30 UTC, still +01:00.
    expect(norwegianOffsetOfLocal('2024-03-31T01:30:00')).toBe('+01:00');
    expect(norwegianOffsetOfLocal('2024-03-31T03:30:00')).toBe('+02:00');
    // Summer time ends 2024-10-27 at 01:00 UTC (03:00 local); 01:30 local is 23:30 UTC the day before, still +02:00.
    expect(norwegianOffsetOfLocal('2024-10-27T01:30:00')).toBe('+02:00');
    expect(norwegianOffsetOfLocal('2024-10-27T03:30:00')).toBe('+01:00');
  });

  it('takes the earlier instant in the autumn hour that happens twice, and the old offset in the spring hour that never does', () => {
    expect(norwegianOffsetOfLocal('2024-10-27T02:30:00')).toBe('+02:00');
    expect(norwegianOffsetOfLocal('2024-03-31T02:30:00')).toBe('+01:00');
  });

  it('round-trips: every quarter hour of both change days names an instant whose local time is itself', () => {
    for (const day of ['2024-03-31', '2024-10-27', '2025-03-30', '2025-10-26']) {
      for (let minutes = 0; minutes < 24 * 60; minutes += 15) {
        const local = `${day}T${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}:00`;
        const instant = new Date(`${local}${norwegianOffsetOfLocal(local)}`);
        // The hour that never happens in spring has no instant of its own.
        if (day.endsWith('-03-31') || day.endsWith('-03-30')) {
          if (local.slice(11, 13) === '02') continue;
        }
        expect(norwegianLocalDateTime(instant)).toBe(local);
      }
    }
  });

  it('gives the historical offsets of the zone, to the minute (xs:dateTime carries no seconds)', () => {
    // The tz database's Europe/Oslo: local mean time +00:53:28 until 1893-04-01, then +01:00;
    // summer time in 1916 and during the occupation (1940-1945, all year in 1941-1942).
    expect(norwegianOffsetOfLocal('1850-01-01T12:00')).toBe('+00:53');
    expect(norwegianOffsetOfLocal('1900-01-01T12:00')).toBe('+01:00');
    expect(norwegianOffsetOfLocal('1916-06-01T12:00')).toBe('+02:00');
    expect(norwegianOffsetOfLocal('1941-12-24T18:00')).toBe('+02:00');
    expect(norwegianOffsetOfLocal('1970-07-01T12:00')).toBe('+01:00');
  });

  it('keeps the last minute\'s date only for that minute', () => {
    expect(norwegianDate(new Date('2024-12-31T22:59:00Z'))).toBe('2024-12-31');
    expect(norwegianDate(new Date('2024-12-31T22:59:59.999Z'))).toBe('2024-12-31');
    expect(norwegianDate(new Date('2024-12-31T23:00:00Z'))).toBe('2025-01-01');
    expect(norwegianDate(new Date('2024-12-31T22:59:30Z'))).toBe('2024-12-31');
  });

  it('refuses what is not a local date-time', () => {
    expect(() => norwegianOffsetOfLocal('yesterday')).toThrow(RangeError);
  });
});
