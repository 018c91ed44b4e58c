/**
 * Norwegian local time, as the message standards use it: a GenDate or dateTime without a zone
 * is local time in Norway (Europe/Oslo), and the hub writes its own (AppRec GenDate) the same
 * way. The one home for turning instants into that local time and local times into instants.
 *
 * Formatters are built once: a new `Intl.DateTimeFormat` per call cost about 4 % of intake's
 * and of the read path's CPU.
 */
export const NORWEGIAN_TIME_ZONE = 'Europe/Oslo';

const LOCAL_DATE_TIME = new Intl.DateTimeFormat('sv-SE', {
  timeZone: NORWEGIAN_TIME_ZONE, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false,
});
const LOCAL_DATE = new Intl.DateTimeFormat('sv-SE', { timeZone: NORWEGIAN_TIME_ZONE, year: 'numeric', month: '2-digit', day: '2-digit' });
const OFFSET_NAME = new Intl.DateTimeFormat('en-GB', { timeZone: NORWEGIAN_TIME_ZONE, timeZoneName: 'longOffset' });

/** `YYYY-MM-DDTHH:mm:ss`, local time in Norway at `instant`, without zone. */
export function norwegianLocalDateTime(instant: Date): string {
  return LOCAL_DATE_TIME.format(instant).replace(' ', 'T');
}

/** `YYYY-MM-DD`, the date in Norway at `instant`. */
export function norwegianDate(instant: Date): string {
  // Called with "now" on every read: the date can only change on a whole minute, so the last
  // minute's answer is kept (about 1 % of the read path's CPU otherwise).
  const minute = Math.floor(instant.getTime() / MINUTE);
  if (minute !== lastDateMinute) {
    lastDateMinute = minute;
    lastDate = LOCAL_DATE.format(instant);
  }
  return lastDate;
}
let lastDateMinute = Number.NaN;
let lastDate = '';

/**
 * The UTC offset (`+01:00` or `+02:00`) that Norwegian local time `localDateTime`
 * (`YYYY-MM-DDTHH:mm[:ss]`, no zone) had, so that `${localDateTime}${offset}` is the instant it
 * meant. A local time is not an instant: the offset is the one in force at the instant whose
 * local time it is. Twice a year that is not one answer, and the choice is java.time's:
 * - in the autumn hour that happens twice (02:00–03:00 on the last Sunday of October), the
 *   earlier instant, still on summer time (+02:00);
 * - in the spring hour that never happens (02:00–03:00 on the last Sunday of March), the offset
 *   before the change (+01:00), which names the instant an hour later on the clock.
 */
export function norwegianOffsetOfLocal(localDateTime: string): string {
  const asUtc = Date.parse(`${localDateTime.slice(0, 19)}Z`);
  // The value is not echoed: it is a time from a patient's message.
  if (Number.isNaN(asUtc)) throw new RangeError('Not a local date-time (YYYY-MM-DDTHH:mm[:ss])');
  // The offsets around that day (a zone changes offset at most once a day).
  const before = offsetMinutesAt(asUtc - DAY);
  const after = offsetMinutesAt(asUtc + DAY);
  // The larger offset is the earlier instant: tried first, so an ambiguous time takes it.
  const candidates = before >= after ? [before, after] : [after, before];
  const fits = candidates.find((offset) => offsetMinutesAt(asUtc - offset * MINUTE) === offset);
  return formatOffset(fits ?? before);
}

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/**
 * The zone's offset at an instant, remembered per quarter of an hour (zones change offset only
 * on a quarter hour): `formatToParts` is slow, and a read resolves many times of the same days.
 */
function offsetMinutesAt(instantMs: number): number {
  const quarter = Math.floor(instantMs / QUARTER_HOUR);
  let offset = offsetsByQuarter.get(quarter);
  if (offset === undefined) {
    if (offsetsByQuarter.size >= 100_000) offsetsByQuarter.clear();
    offset = computeOffsetMinutes(quarter * QUARTER_HOUR);
    offsetsByQuarter.set(quarter, offset);
  }
  return offset;
}
const QUARTER_HOUR = 15 * MINUTE;
const offsetsByQuarter = new Map<number, number>();

function computeOffsetMinutes(instantMs: number): number {
  const name = OFFSET_NAME.formatToParts(new Date(instantMs)).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  const m = /GMT(?:([+-])(\d{2}):(\d{2}))?/.exec(name);
  if (!m || !m[1]) return 0;
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
}

function formatOffset(minutes: number): string {
  const abs = Math.abs(minutes);
  return `${minutes < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}
