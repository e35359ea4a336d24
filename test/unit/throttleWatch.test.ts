import { describe, expect, it } from 'vitest';
import { ThrottleWatch } from '../../src/aws/throttleWatch.js';

class FakeClock {
  t = 0;
  now = () => this.t;
  sleep = async (ms: number) => {
    this.t += ms;
  };
}

/** A watch over `workers` workers, sampled by hand every 250 ms as its timer would. */
function watchOf(workers: number, budgetThrottled = () => false) {
  const clock = new FakeClock();
  const changes: (number | null)[] = [];
  const watch = new ThrottleWatch({ budgetThrottled, onChange: (resetAt) => changes.push(resetAt), clock });
  for (let w = 0; w < workers; w++) watch.busy(w);
  const run = (ms: number, each?: () => void) => {
    for (let t = 0; t < ms; t += 250) {
      each?.();
      clock.t += 250;
      watch.sample();
    }
  };
  return { watch, clock, changes, run };
}

describe('ThrottleWatch', () => {
  it('enters RATE_LIMITED only once most workers have waited on throttling for about 1.5 s, with the quota reset of the longest backoff', () => {
    const { watch, clock, changes, run } = watchOf(4);
    for (let w = 0; w < 4; w++) watch.backingOff(w, 400);
    run(500); // a short burst of throttles is not a state
    expect(changes).toEqual([]);
    const before = Date.now();
    run(2_000, () => {
      for (let w = 0; w < 4; w++) watch.backingOff(w, w === 3 ? 5_000 : 400);
    });
    expect(changes).toHaveLength(1);
    expect(watch.isLimited).toBe(true);
    // The longest backoff under way ends ~5 s from now.
    expect(changes[0]).toBeGreaterThan(before + 4_000);
    expect(changes[0]).toBeLessThan(Date.now() + 6_000);
    expect(clock.t).toBe(2_500);
  });

  it('counts waiting for a turn from the budget only while throttling holds the budget down', () => {
    let throttled = false;
    const { watch, changes, run } = watchOf(2, () => throttled);
    watch.waitingForBudget(0);
    watch.waitingForBudget(1);
    run(3_000); // paced by the configured budget: not rate limited
    expect(changes).toEqual([]);
    throttled = true;
    run(2_000);
    expect(changes).toHaveLength(1);
  });

  it('leaves RATE_LIMITED after about 3 s of reading at speed, not at the first page', () => {
    const { watch, changes, run } = watchOf(2);
    run(2_000, () => {
      watch.backingOff(0, 300);
      watch.backingOff(1, 300);
    });
    expect(changes).toHaveLength(1);
    watch.busy(0);
    watch.busy(1);
    run(1_000, () => watch.served());
    expect(changes).toHaveLength(1);
    run(2_500, () => watch.served());
    expect(changes).toEqual([expect.any(Number), null]);
    expect(watch.isLimited).toBe(false);
  });

  it('does not flap when only a few workers back off now and then', () => {
    const { watch, changes, run } = watchOf(8);
    let i = 0;
    run(20_000, () => {
      watch.busy(i % 8);
      watch.backingOff((i + 1) % 8, 200);
      watch.served();
      i++;
    });
    expect(changes).toEqual([]);
  });

  it('reports a limited stream at speed again when it stops', () => {
    const { watch, changes, run } = watchOf(1);
    run(2_000, () => watch.backingOff(0, 300));
    watch.stop();
    expect(changes).toEqual([expect.any(Number), null]);
  });
});
