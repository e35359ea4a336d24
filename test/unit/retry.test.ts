import { describe, expect, it } from 'vitest';
import { THROTTLE_MAX_DELAY_MS, throttleDelay, withRetry } from '../../src/aws/retry.js';

const throttle = () => Object.assign(new Error('Rate of requests exceeds the allowed throughput.'), { name: 'ProvisionedThroughputExceededException' });
const serverError = () => Object.assign(new Error('Internal server error'), { name: 'InternalServerError', $metadata: { httpStatusCode: 500 } });

/** An operation that fails with the given errors in turn, then succeeds. */
function failing(errors: Error[]) {
  let calls = 0;
  return {
    op: async () => {
      const err = errors[calls++];
      if (err) throw err;
      return 'done';
    },
    calls: () => calls,
  };
}

describe('withRetry', () => {
  it('does not count throttles the caller says not to count, and tells of each wait', async () => {
    const logs: string[] = [];
    const waits: number[] = [];
    const { op, calls } = failing([throttle(), throttle(), throttle(), serverError()]);
    const result = await withRetry(op, {
      maxRetries: 1,
      what: 'Scan of t segment 0/1',
      log: (_l, m) => logs.push(m),
      counts: (err) => (err as Error).name !== 'ProvisionedThroughputExceededException',
      onRetry: (_err, ms) => waits.push(ms),
    });
    expect(result).toBe('done');
    expect(calls()).toBe(5);
    expect(waits).toHaveLength(4);
    expect(logs[0]).toMatch(/^Scan of t segment 0\/1 failed with ProvisionedThroughputExceededException: .*; retry 1\/1 in \d+ ms \(the table serves other requests meanwhile: not counted\)$/);
    expect(logs[3]).toMatch(/failed with InternalServerError: Internal server error; retry 1\/1 in \d+ ms$/);
  });

  it('fails once the counted retries are used up', async () => {
    const { op, calls } = failing([serverError(), serverError(), serverError()]);
    await expect(withRetry(op, { maxRetries: 1, what: 'x', log: () => undefined })).rejects.toThrow('Internal server error');
    expect(calls()).toBe(2);
  });

  it('backs a throttled request off for at most half a second, with jitter', () => {
    for (let attempt = 0; attempt < 30; attempt++) {
      const delay = throttleDelay(attempt);
      expect(delay).toBeGreaterThanOrEqual(Math.min(THROTTLE_MAX_DELAY_MS, 100 * 2 ** attempt) / 2);
      expect(delay).toBeLessThanOrEqual(THROTTLE_MAX_DELAY_MS);
    }
  });
});
