// Where a pass of Queries on a cursor index starts: the cursor minus the lookback, exact on the value's own text.
import { describe, expect, it } from 'vitest';
import { queryLowerBound } from '../../src/query/lookback.js';

describe('queryLowerBound', () => {
  it('reads numbers as epoch time by magnitude: seconds, milliseconds, microseconds, nanoseconds', () => {
    expect(queryLowerBound({ N: '1767225600' }, 60)).toEqual({ value: { N: '1767225540' }, inclusive: false });
    expect(queryLowerBound({ N: '1767225600000' }, 60)).toEqual({ value: { N: '1767225540000' }, inclusive: false });
    expect(queryLowerBound({ N: '1767225600000000' }, 60)).toEqual({ value: { N: '1767225540000000' }, inclusive: false });
    expect(queryLowerBound({ N: '1767225600000000000' }, 60)).toEqual({ value: { N: '1767225540000000000' }, inclusive: false });
  });

  it('is exact on 38 digits and on decimals, and handles exponents and small numbers', () => {
    // Far beyond any epoch in seconds: read as nanoseconds, one second is 1e9.
    expect(queryLowerBound({ N: '12345678901234567890123456789012345678' }, 1)).toEqual({ value: { N: '12345678901234567890123456788012345678' }, inclusive: false });
    expect(queryLowerBound({ N: '1767225600.125' }, 60)).toEqual({ value: { N: '1767225540.125' }, inclusive: false });
    expect(queryLowerBound({ N: '1.7672256E9' }, 60)).toEqual({ value: { N: '1767225540' }, inclusive: false });
    expect(queryLowerBound({ N: '30' }, 60)).toEqual({ value: { N: '-30' }, inclusive: false });
    expect(queryLowerBound({ N: '0.5' }, 1)).toEqual({ value: { N: '-0.5' }, inclusive: false });
  });

  it('moves ISO 8601 strings back in their own shape: precision, separator and offset kept', () => {
    expect(queryLowerBound({ S: '2026-12-02T10:00:30Z' }, 60)).toEqual({ value: { S: '2026-12-02T09:59:30Z' }, inclusive: false });
    expect(queryLowerBound({ S: '2026-01-01T00:00:00.123456Z' }, 60)).toEqual({ value: { S: '2025-12-31T23:59:00.123456Z' }, inclusive: false });
    expect(queryLowerBound({ S: '2026-03-01 00:00:10+01:00' }, 3600)).toEqual({ value: { S: '2026-02-28 23:00:10+01:00' }, inclusive: false });
    expect(queryLowerBound({ S: '2026-03-01T00:00' }, 30)).toEqual({ value: { S: '2026-02-28T23:59' }, inclusive: false });
  });

  it('starts at the cursor itself, inclusive, for other strings and a lookback of 0', () => {
    expect(queryLowerBound({ S: 'v-000123' }, 60)).toEqual({ value: { S: 'v-000123' }, inclusive: true });
    expect(queryLowerBound({ S: '2026-12-02' }, 60)).toEqual({ value: { S: '2026-12-02' }, inclusive: true });
    expect(queryLowerBound({ S: '2026-02-31T00:00:00Z' }, 60)).toEqual({ value: { S: '2026-02-31T00:00:00Z' }, inclusive: true });
    expect(queryLowerBound({ N: '1767225600' }, 0)).toEqual({ value: { N: '1767225600' }, inclusive: true });
  });
});
