// Where a pass of Queries on a cursor index starts: the cursor minus the lookback, exact on the value's own text.
import { describe, expect, it } from 'vitest';
import { queryLowerBound } from '../../src/query/lookback.js';

describe('queryLowerBound', () => {
  it('reads numbers as epoch time by magnitude: seconds, milliseconds, microseconds, nanoseconds', () => {
    expect(queryLowerBound({ N: '1767225600' }, 60)).toEqual({ N: '1767225540' });
    expect(queryLowerBound({ N: '1767225600000' }, 60)).toEqual({ N: '1767225540000' });
    expect(queryLowerBound({ N: '1767225600000000' }, 60)).toEqual({ N: '1767225540000000' });
    expect(queryLowerBound({ N: '1767225600000000000' }, 60)).toEqual({ N: '1767225540000000000' });
  });

  it('is exact on 38 digits and on decimals, and handles exponents and negative epochs', () => {
    // Far beyond any epoch in seconds: read as nanoseconds, one second is 1e9.
    expect(queryLowerBound({ N: '12345678901234567890123456789012345678' }, 1)).toEqual({ N: '12345678901234567890123456788012345678' });
    expect(queryLowerBound({ N: '1767225600.125' }, 60)).toEqual({ N: '1767225540.125' });
    expect(queryLowerBound({ N: '1.7672256E9' }, 60)).toEqual({ N: '1767225540' });
    expect(queryLowerBound({ N: '1000000030' }, 60)).toEqual({ N: '999999970' });
    expect(queryLowerBound({ N: '-1767225600' }, 1)).toEqual({ N: '-1767225601' });
  });

  it('moves ISO 8601 strings back in their own shape: precision, separator and offset kept', () => {
    expect(queryLowerBound({ S: '2026-12-02T10:00:30Z' }, 60)).toEqual({ S: '2026-12-02T09:59:30Z' });
    expect(queryLowerBound({ S: '2026-01-01T00:00:00.123456Z' }, 60)).toEqual({ S: '2025-12-31T23:59:00.123456Z' });
    expect(queryLowerBound({ S: '2026-03-01 00:00:10+01:00' }, 3600)).toEqual({ S: '2026-02-28 23:00:10+01:00' });
    expect(queryLowerBound({ S: '2026-03-01T00:00' }, 30)).toEqual({ S: '2026-02-28T23:59' });
  });

  it('is the cursor itself for other strings, numbers too small to be epoch times, and a lookback of 0', () => {
    expect(queryLowerBound({ N: '999999999' }, 60)).toEqual({ N: '999999999' });
    expect(queryLowerBound({ N: '42.5' }, 60)).toEqual({ N: '42.5' });
    expect(queryLowerBound({ S: 'v-000123' }, 60)).toEqual({ S: 'v-000123' });
    expect(queryLowerBound({ S: '2026-12-02' }, 60)).toEqual({ S: '2026-12-02' });
    expect(queryLowerBound({ S: '2026-02-31T00:00:00Z' }, 60)).toEqual({ S: '2026-02-31T00:00:00Z' });
    expect(queryLowerBound({ N: '1767225600' }, 0)).toEqual({ N: '1767225600' });
  });
});
