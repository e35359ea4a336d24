import type { TableDescription } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import {
  AdaptiveRate,
  budgetCeiling,
  ReadBudgets,
  REFRESH_INTERVAL_MS,
  TableReadBudget,
  TokenBucket,
  type Clock,
} from '../../src/aws/readBudget.js';

/** Time that only moves when someone sleeps (or the test advances it). */
class FakeClock implements Clock {
  t = 0;
  now = () => this.t;
  sleep = async (ms: number) => {
    this.t += ms;
  };
}

const provisioned = (rcu: number, extra: Partial<TableDescription> = {}): TableDescription => ({
  TableName: 't',
  ProvisionedThroughput: { ReadCapacityUnits: rcu, WriteCapacityUnits: 5 },
  BillingModeSummary: { BillingMode: 'PROVISIONED' },
  ItemCount: 1000,
  TableSizeBytes: 1000 * 2048,
  ...extra,
});

const onDemand = (extra: Partial<TableDescription> = {}): TableDescription => ({
  TableName: 't',
  ProvisionedThroughput: { ReadCapacityUnits: 0, WriteCapacityUnits: 0 },
  BillingModeSummary: { BillingMode: 'PAY_PER_REQUEST' },
  ItemCount: 1000,
  TableSizeBytes: 1000 * 2048,
  ...extra,
});

const noLog = () => undefined;

function budget(description: TableDescription, options: { percent?: number; cap?: number; consistent?: boolean; clock?: FakeClock; describe?: () => Promise<TableDescription>; log?: (l: string, m: string) => void } = {}) {
  const clock = options.clock ?? new FakeClock();
  const b = new TableReadBudget(
    {
      table: 't',
      limits: { percent: options.percent ?? 50, maxUnitsPerSecond: options.cap },
      consistentRead: options.consistent ?? false,
      describe: options.describe ?? (async () => description),
      log: options.log ?? noLog,
      clock,
    },
    description,
  );
  return { b, clock };
}

/** Reads `pages` pages as one segment would, paying `unitsPerItem` per item asked for; returns the fake seconds taken. */
async function readPages(b: TableReadBudget, clock: FakeClock, pages: number, unitsPerItem: number): Promise<{ seconds: number; units: number }> {
  const start = clock.now();
  let units = 0;
  for (let i = 0; i < pages; i++) {
    const permit = await b.acquire();
    const items = permit.limit ?? 1000;
    const cost = items * unitsPerItem;
    units += cost;
    b.pay(permit, cost, items);
  }
  return { seconds: (clock.now() - start) / 1000, units };
}

describe('TokenBucket', () => {
  it('starts empty: the first request goes at once, the next waits until the debt is paid off', async () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket(clock, 10);
    await bucket.take(20);
    expect(clock.now()).toBe(0);
    await bucket.take(5);
    expect(clock.now()).toBe(2000);
  });

  it('saves up at most half a second of budget while idle', async () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket(clock, 10);
    clock.t += 60_000;
    await bucket.take(5); // the saved half second
    await bucket.take(5); // the bucket is at zero: not in debt, goes
    expect(clock.now()).toBe(60_000);
    await bucket.take(1);
    expect(clock.now()).toBe(60_500);
  });

  it('settles the difference between the estimate and the real cost', async () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket(clock, 10);
    await bucket.take(10);
    bucket.settle(10, 30); // cost three times the estimate: 3 s of debt
    await bucket.take(1);
    expect(clock.now()).toBe(3000);
  });
});

describe('budgetCeiling', () => {
  it('is the configured share of provisioned RCU', () => {
    expect(budgetCeiling(provisioned(400), { percent: 50, maxUnitsPerSecond: undefined }).unitsPerSecond).toBe(200);
    expect(budgetCeiling(provisioned(400), { percent: 150, maxUnitsPerSecond: undefined }).unitsPerSecond).toBe(600);
  });

  it('takes the lower of the share and the absolute cap', () => {
    expect(budgetCeiling(provisioned(400), { percent: 50, maxUnitsPerSecond: 120 }).unitsPerSecond).toBe(120);
    expect(budgetCeiling(provisioned(100), { percent: 50, maxUnitsPerSecond: 120 }).unitsPerSecond).toBe(50);
  });

  it('leaves an on-demand table unlimited unless capped by the config or by its own MaxReadRequestUnits', () => {
    const limits = { percent: 50, maxUnitsPerSecond: undefined };
    expect(budgetCeiling(onDemand(), limits).unitsPerSecond).toBe(Infinity);
    expect(budgetCeiling(onDemand({ OnDemandThroughput: { MaxReadRequestUnits: -1 } }), limits).unitsPerSecond).toBe(Infinity);
    expect(budgetCeiling(onDemand({ OnDemandThroughput: { MaxReadRequestUnits: 300 } }), limits).unitsPerSecond).toBe(300);
    expect(budgetCeiling(onDemand({ OnDemandThroughput: { MaxReadRequestUnits: 300 } }), { percent: 50, maxUnitsPerSecond: 80 }).unitsPerSecond).toBe(80);
    expect(budgetCeiling(onDemand(), { percent: 50, maxUnitsPerSecond: 80 }).unitsPerSecond).toBe(80);
  });
});

/**
 * Drives an AdaptiveRate with a simulated table for `seconds`, in 100 ms steps of pages of `pageUnits`: the reader
 * sends at the allowed rate (at `natural` units/s when unpaced: as fast as the table answers); `model` says how much
 * of that is served and how many requests are throttled. Returns the served units per second, one entry a second.
 */
function simulate(rate: AdaptiveRate, clock: FakeClock, seconds: number, model: (sending: number) => { served: number; throttledShare: number }, options: { natural?: number; pageUnits?: number; lowest?: { value: number } } = {}): number[] {
  const natural = options.natural ?? 200;
  const pageUnits = options.pageUnits ?? 10;
  const perSecond: number[] = [];
  let servedThisSecond = 0;
  let pagesOwed = 0;
  let throttlesOwed = 0;
  for (let step = 0; step < seconds * 10; step++) {
    clock.t += 100;
    const allowed = rate.unitsPerSecond();
    if (options.lowest && allowed < options.lowest.value) options.lowest.value = allowed;
    const { served, throttledShare } = model(Number.isFinite(allowed) ? Math.min(allowed, natural) : natural);
    pagesOwed += served / pageUnits / 10;
    for (; pagesOwed >= 1; pagesOwed--) {
      rate.served(pageUnits);
      servedThisSecond += pageUnits;
      throttlesOwed += throttledShare / (1 - throttledShare);
      for (; throttlesOwed >= 1; throttlesOwed--) rate.throttled();
    }
    if (step % 10 === 9) {
      perSecond.push(servedThisSecond);
      servedThisSecond = 0;
    }
  }
  return perSecond;
}

/** Throttles a share of requests whatever the rate (a hot partition, another consumer). */
const randomThrottles = (share: number) => (sending: number) => ({ served: sending, throttledShare: share });
/** Serves at most `capacity` units/s; what is sent beyond it is throttled. */
const capacityOf = (capacity: number) => (sending: number) => ({ served: Math.min(sending, capacity), throttledShare: sending > capacity ? 1 - capacity / sending : 0 });
const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

describe('AdaptiveRate', () => {
  it('leaves an uncapped table unpaced while throttling stays noise', () => {
    const clock = new FakeClock();
    const rate = new AdaptiveRate(clock, Infinity);
    const served = simulate(rate, clock, 30, randomThrottles(0.01));
    expect(rate.unitsPerSecond()).toBe(Infinity);
    expect(mean(served)).toBeCloseTo(200, -1);
  });

  it('random throttles that do not follow the rate barely slow the read: it is held to what the table serves, never below half its peak', () => {
    for (const share of [0.05, 0.2, 0.4]) {
      const clock = new FakeClock();
      const rate = new AdaptiveRate(clock, Infinity);
      const lowest = { value: Infinity };
      const served = simulate(rate, clock, 60, randomThrottles(share), { lowest });
      expect(lowest.value).toBeGreaterThanOrEqual(100); // half the 200 units/s it served before pacing
      expect(mean(served.slice(10))).toBeGreaterThan(200 * 0.9);
    }
  });

  it('gets back to speed within seconds when pacing started from a stall (a loaded machine at the start of a read)', () => {
    const clock = new FakeClock();
    const rate = new AdaptiveRate(clock, Infinity);
    simulate(rate, clock, 3, () => ({ served: 8, throttledShare: 0.2 }), { pageUnits: 1 }); // the server hardly answers
    expect(rate.unitsPerSecond()).toBeLessThan(20);
    const served = simulate(rate, clock, 30, randomThrottles(0.2), { pageUnits: 2 });
    expect(served.findIndex((units) => units >= 180)).toBeLessThan(12);
    expect(mean(served.slice(15))).toBeGreaterThan(180);
  });

  it('settles at 70–100% of a capacity it runs into, an uncapped table as well as a capped one', () => {
    for (const ceiling of [Infinity, 150]) {
      const clock = new FakeClock();
      const rate = new AdaptiveRate(clock, ceiling);
      const served = simulate(rate, clock, 60, capacityOf(60));
      const settled = served.slice(10);
      expect(Math.min(...settled)).toBeGreaterThanOrEqual(60 * 0.7);
      expect(Math.max(...settled)).toBeLessThanOrEqual(60);
    }
  });

  it('never goes below half the peak served, however much is throttled, and climbs back additively once throttling stops', () => {
    const clock = new FakeClock();
    const rate = new AdaptiveRate(clock, 100);
    simulate(rate, clock, 10, randomThrottles(0));
    expect(rate.unitsPerSecond()).toBe(100);
    // Nearly everything throttled for 20 s: down to the floor, half the 100 units/s served, and no further.
    const lowest = { value: Infinity };
    simulate(rate, clock, 20, () => ({ served: 2, throttledShare: 0.95 }), { lowest });
    expect(rate.floor()).toBeGreaterThan(45);
    expect(rate.floor()).toBeLessThanOrEqual(50);
    expect(lowest.value).toBeGreaterThanOrEqual(rate.floor());
    expect(rate.isLowered()).toBe(true);
    // Throttling stops: back to the ceiling within tens of seconds, in steady steps.
    const served = simulate(rate, clock, 25, randomThrottles(0));
    expect(rate.unitsPerSecond()).toBe(100);
    expect(rate.isLowered()).toBe(false);
    expect(served[0]).toBeLessThan(80);
  });

  it('lifts the pacing of an uncapped table once it reads above its peak without throttling', () => {
    const clock = new FakeClock();
    const rate = new AdaptiveRate(clock, Infinity);
    simulate(rate, clock, 10, randomThrottles(0.3));
    expect(Number.isFinite(rate.unitsPerSecond())).toBe(true);
    simulate(rate, clock, 30, randomThrottles(0));
    expect(rate.unitsPerSecond()).toBe(Infinity);
  });

  it('measures the throttled share over the last few seconds, ignoring too few answers', () => {
    const clock = new FakeClock();
    const rate = new AdaptiveRate(clock, 100);
    rate.throttled();
    rate.throttled();
    expect(rate.throttledShare()).toBe(0);
    for (let i = 0; i < 6; i++) rate.served(1);
    expect(rate.throttledShare()).toBeCloseTo(0.25);
    clock.t += 10_000;
    expect(rate.throttledShare()).toBe(0);
  });
});

describe('TableReadBudget', () => {
  it('paces a provisioned table to the configured share of its RCU', async () => {
    const { b, clock } = budget(provisioned(100)); // 50 units/s
    const { seconds, units } = await readPages(b, clock, 200, 0.25);
    expect(units / seconds).toBeGreaterThan(50 * 0.95);
    expect(units / seconds).toBeLessThan(50 * 1.05);
  });

  it('sizes pages to a fraction of a second of budget from the measured cost per item', async () => {
    const { b, clock } = budget(provisioned(100));
    await readPages(b, clock, 20, 0.25); // measured: 0.25 units per item
    const permit = await b.acquire();
    expect(permit.limit).toBe(50); // 50 units/s × 0.25 s / 0.25 units
    expect(permit.charged).toBeCloseTo(12.5);
  });

  it('estimates the first page from the average item size, doubled for consistent reads', async () => {
    const eventual = await budget(provisioned(400)).b.acquire(); // 200/s × 0.25 s = 50 units; 2 KB eventual = 0.25 units/item
    const consistent = await budget(provisioned(400), { consistent: true }).b.acquire(); // 0.5 units/item
    expect(eventual.limit).toBe(200);
    expect(consistent.limit).toBe(100);
  });

  it("never asks for more than the caller's page size", async () => {
    const { b } = budget(provisioned(400));
    expect((await b.acquire(7)).limit).toBe(7);
  });

  it('does not slow an uncapped on-demand table', async () => {
    const { b, clock } = budget(onDemand());
    const permit = await b.acquire();
    expect(permit.charged).toBe(0);
    const { seconds } = await readPages(b, clock, 1000, 128 / 1000);
    expect(seconds).toBe(0);
  });

  it('asks an unpaced table for a little more than a 1 MB page, following the measured item size', async () => {
    // 2 KB items, eventually consistent: 512 fill 1 MB; the Limit leaves 25% headroom so the page still ends at 1 MB.
    const { b, clock } = budget(onDemand());
    expect((await b.acquire()).limit).toBe(640);
    expect((await budget(onDemand(), { consistent: true }).b.acquire()).limit).toBe(640);
    await readPages(b, clock, 30, 0.5 / 4); // the items turn out to weigh 1 KB: twice as many fit
    expect((await b.acquire()).limit).toBe(1280);
    expect((await b.acquire(100)).limit).toBe(100); // page_size, when the user sets it, wins
  });

  it('paces an on-demand table to max_read_units_per_second', async () => {
    const { b, clock } = budget(onDemand(), { cap: 20 });
    const { seconds, units } = await readPages(b, clock, 100, 0.5);
    expect(units / seconds).toBeGreaterThan(20 * 0.95);
    expect(units / seconds).toBeLessThan(20 * 1.05);
  });

  it('refunds throttled requests; a share of them holds the rate to what was served, and the user is told', async () => {
    const logs: string[] = [];
    const { b, clock } = budget(provisioned(100), { log: (l, m) => logs.push(`${l} ${m}`) }); // 50 units/s
    await readPages(b, clock, 40, 0.25);
    // One throttle in many is noise: the refund leaves the bucket as it was and the rate stays at the budget.
    const once = await b.acquire();
    const at = clock.now();
    b.failed(once, true);
    await b.acquire();
    expect(clock.now()).toBe(at);
    expect(b.isThrottled()).toBe(false);
    // The table now serves 20 units/s and throttles the rest.
    for (let i = 0; i < 200; i++) {
      const permit = await b.acquire();
      clock.t += 50;
      if (i % 2 === 0) b.failed(permit, true);
      else b.pay(permit, 2, 8);
      clock.t += 50;
    }
    expect(b.isThrottled()).toBe(true);
    expect(b.throttledShare()).toBeCloseTo(0.5, 1);
    expect(logs.some((m) => /^WARN t is throttled \(\d+% of requests throttled over the last 5 s\): reading at [\d.]+ read units\/s for now, never below 25 /.test(m))).toBe(true);
    expect(b.summary()).toMatch(/ 101 of 241 requests \(42%\) were throttled and retried \(rate floor at the end: 25 read units\/s, half the peak served\)\.$/);
  });

  it('follows the provisioned capacity when DescribeTable changes (autoscaling)', async () => {
    const clock = new FakeClock();
    let current = provisioned(100);
    const logs: string[] = [];
    const { b } = budget(current, { clock, describe: async () => current, log: (_l, m) => logs.push(m) });
    expect(b.ceilingUnitsPerSecond).toBe(50);
    current = provisioned(1000);
    clock.t += REFRESH_INTERVAL_MS + 1;
    await b.acquire();
    await new Promise((r) => setImmediate(r));
    expect(b.ceilingUnitsPerSecond).toBe(500);
    expect(logs).toContain('The read budget of t is now 500 read units/s (50% of 1000 provisioned RCU).');
  });

  it('reports consumption against the budget', async () => {
    const { b, clock } = budget(provisioned(100));
    await readPages(b, clock, 41, 0.25);
    expect(b.summary()).toMatch(/^Read of t consumed 512\.5 read units in 10\.0 s: 51\.3 read units\/s, budget 50\/s \(50% of 100 provisioned RCU\)\.$/);
  });
});

describe('ReadBudgets', () => {
  it('gives every caller of a table the same budget, described once', async () => {
    let describes = 0;
    const budgets = new ReadBudgets({
      limits: { percent: 50, maxUnitsPerSecond: undefined },
      consistentRead: false,
      log: noLog,
      describe: async () => {
        describes++;
        return provisioned(10);
      },
    });
    const [a, b] = await Promise.all([budgets.forTable('x'), budgets.forTable('x')]);
    expect(a).toBe(b);
    expect(describes).toBe(1);
    expect(await budgets.forTable('y')).not.toBe(a);
  });
});
