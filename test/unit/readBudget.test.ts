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

describe('AdaptiveRate', () => {
  it('halves on throttling, once per burst of throttles, and climbs back to the ceiling slowly', () => {
    const clock = new FakeClock();
    const rate = new AdaptiveRate(clock, 100);
    rate.throttled(100);
    rate.throttled(100); // same burst
    expect(rate.unitsPerSecond()).toBe(50);
    clock.t += 10_000;
    expect(rate.unitsPerSecond()).toBeCloseTo(75);
    clock.t += 30_000;
    expect(rate.unitsPerSecond()).toBe(100);
  });

  it('keeps lowering while throttles continue, down to a floor', () => {
    const clock = new FakeClock();
    const rate = new AdaptiveRate(clock, 100);
    for (let i = 0; i < 20; i++) {
      rate.throttled(100);
      clock.t += 1000;
    }
    expect(rate.unitsPerSecond()).toBeGreaterThanOrEqual(0.5);
    // Halving every second against a recovery of 2.5 units/s per second settles between 2.5 and 5.
    expect(rate.unitsPerSecond()).toBeLessThan(6);
  });

  it('without a ceiling, starts from the measured rate when throttled and lifts the limit once it has doubled', () => {
    const clock = new FakeClock();
    const rate = new AdaptiveRate(clock, Infinity);
    expect(rate.unitsPerSecond()).toBe(Infinity);
    rate.throttled(4000);
    expect(rate.unitsPerSecond()).toBe(2000);
    clock.t += 10_000;
    expect(rate.unitsPerSecond()).toBeGreaterThan(2500);
    expect(rate.unitsPerSecond()).toBeLessThan(4000);
    clock.t += 60_000;
    expect(rate.unitsPerSecond()).toBe(Infinity);
  });

  it('without a ceiling, does not pace a reader that was consuming a trickle when throttled', () => {
    const rate = new AdaptiveRate(new FakeClock(), Infinity);
    rate.throttled(20);
    expect(rate.unitsPerSecond()).toBe(Infinity);
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

  it('refunds throttled requests and slows down after them', async () => {
    const logs: string[] = [];
    const { b, clock } = budget(provisioned(100), { log: (_l, m) => logs.push(m) });
    await readPages(b, clock, 10, 0.25);
    const permit = await b.acquire();
    b.failed(permit, true);
    expect(logs.some((m) => /throttled: reading at 25\.0 read units\/s/.test(m))).toBe(true);
    const { seconds, units } = await readPages(b, clock, 20, 0.25);
    expect(units / seconds).toBeLessThan(40);
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
