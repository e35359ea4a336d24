// Where a pass of Queries on a cursor index starts. A global secondary index is eventually consistent (an item can
// show up in it a moment after a newer one did) and writers' clocks differ, so the pass re-reads a window before the
// committed cursor: records in it may be emitted twice, none is missed. The Query reads sort keys above the bound,
// as a scan-mode incremental reads cursors above the last one; a cursor that cannot be read as a time is the bound
// itself. The arithmetic is exact on the value's own
// text (38-digit numbers never become doubles) and keeps a string's shape, since DynamoDB compares strings as bytes.
import type { CursorValue } from '../state/streamState.js';

/**
 * Numbers are taken as epoch time in the unit their magnitude implies: from 1e9 (2001 in seconds) below 1e11 seconds
 * (1e11 s is the year 5138), below 1e14 milliseconds, below 1e17 microseconds, above that nanoseconds. Smaller
 * numbers (version counters, sequence numbers) are no time of this century: no lookback.
 */
const SMALLEST_EPOCH = 10n ** 9n;
const EPOCH_UNITS: readonly { below: bigint; perSecond: bigint }[] = [
  { below: 10n ** 11n, perSecond: 1n },
  { below: 10n ** 14n, perSecond: 1_000n },
  { below: 10n ** 17n, perSecond: 1_000_000n },
];
const NANOS_PER_SECOND = 1_000_000_000n;

/** The value the Query's sort keys must be above: the cursor moved back by the lookback, or the cursor itself. */
export function queryLowerBound(cursor: CursorValue, lookbackSeconds: number): CursorValue {
  if (lookbackSeconds <= 0) return cursor;
  const earlier = 'N' in cursor ? numberMinusSeconds(cursor.N, lookbackSeconds) : isoMinusSeconds(cursor.S, lookbackSeconds);
  return earlier ?? cursor;
}

const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/** value − seconds in the value's epoch unit, as exact decimal text. */
function numberMinusSeconds(text: string, seconds: number): CursorValue | undefined {
  const m = DECIMAL.exec(text);
  if (m === null || ((m[2] ?? '') === '' && (m[3] ?? '') === '')) return undefined;
  const fraction = m[3] ?? '';
  const exponent = Number(m[4] ?? 0);
  // value = mantissa × 10^-scale
  let mantissa = BigInt((m[2] ?? '') + fraction || '0');
  let scale = fraction.length - exponent;
  if (scale < 0) {
    mantissa *= 10n ** BigInt(-scale);
    scale = 0;
  }
  if (m[1] === '-') mantissa = -mantissa;
  const unitsOfScale = 10n ** BigInt(scale);
  const whole = (mantissa < 0n ? -mantissa : mantissa) / unitsOfScale;
  if (whole < SMALLEST_EPOCH) return undefined;
  const perSecond = EPOCH_UNITS.find((u) => whole < u.below)?.perSecond ?? NANOS_PER_SECOND;
  const result = mantissa - BigInt(seconds) * perSecond * unitsOfScale;
  return { N: decimalText(result, scale) };
}

function decimalText(mantissa: bigint, scale: number): string {
  const negative = mantissa < 0n;
  const digits = (negative ? -mantissa : mantissa).toString().padStart(scale + 1, '0');
  const intPart = digits.slice(0, digits.length - scale);
  const fracPart = digits.slice(digits.length - scale).replace(/0+$/, '');
  const body = fracPart === '' ? intPart : `${intPart}.${fracPart}`;
  return negative && body !== '0' ? `-${body}` : body;
}

/** An ISO 8601 date and time: "2026-12-02T10:00:00Z", "2026-12-02 10:00:00.123+01:00", "2026-12-02T10:00". */
const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})([T ])(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/;

/**
 * The same wall-clock text `seconds` earlier, in the cursor's own shape: separator, precision and offset kept, so
 * that it compares with the stored values as their times compare. The fraction is kept as written (whole seconds
 * are subtracted); a value without seconds is rounded down to the minute.
 */
function isoMinusSeconds(text: string, seconds: number): CursorValue | undefined {
  const m = ISO_DATE_TIME.exec(text);
  if (m === null) return undefined;
  const [year, month, day, hour, minute] = [m[1], m[2], m[3], m[5], m[6]].map(Number) as [number, number, number, number, number];
  const second = m[7] === undefined ? 0 : Number(m[7]);
  const at = Date.UTC(year, month - 1, day, hour, minute, second);
  const check = new Date(at);
  // Date.UTC rolls 2026-02-31 over into March: such text is not a time.
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) return undefined;
  // Without seconds, the minute is written as it is: truncation rounds the bound down, which only widens the window.
  const earlier = new Date(at - seconds * 1000);
  if (earlier.getUTCFullYear() < 0 || earlier.getUTCFullYear() > 9999) return undefined;
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  const date = `${pad(earlier.getUTCFullYear(), 4)}-${pad(earlier.getUTCMonth() + 1)}-${pad(earlier.getUTCDate())}`;
  const time = `${pad(earlier.getUTCHours())}:${pad(earlier.getUTCMinutes())}${m[7] === undefined ? '' : `:${pad(earlier.getUTCSeconds())}${m[8] ?? ''}`}`;
  return { S: `${date}${m[4]}${time}${m[9] ?? ''}` };
}
