// The read-capacity budget of a table: how many read units per second a sync may consume there, shared by every
// segment and every request of that table (discover's sample scans included). The cost is measured, not guessed:
// every Scan asks for ReturnConsumedCapacity and pays what DynamoDB says it cost into a token bucket. The page size
// (Scan Limit) of the next request follows the measured cost per item, so one request overdraws the budget by at
// most about a page. Throttling halves the rate; it climbs back slowly while DynamoDB stays quiet.
import type { TableDescription } from '@aws-sdk/client-dynamodb';
import type { Logger } from '../log.js';

/** Time source, injectable so the pacing logic can be tested without waiting. */
export interface Clock {
  /** Milliseconds, monotonic. */
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
};

/** At most this much unused budget is saved up: a bucket that starts or refills full would let a small table be read
 *  in one burst, far faster than the budget implies. */
const BURST_SECONDS = 0.5;
/** A page is sized to cost about this share of a second of budget, so segments take turns in small steps. */
const PAGE_SECONDS = 0.25;
/** DescribeTable is read again this often, so provisioned capacity changed by autoscaling is followed. */
export const REFRESH_INTERVAL_MS = 5 * 60_000;
/** How often the consumed read units per second are logged during a long read. */
const LOG_INTERVAL_MS = 60_000;
/** On throttling the rate is multiplied by this… */
const THROTTLE_DECREASE = 0.5;
/** …at most once per this interval: a burst of throttled segments is one signal, not eight. */
const THROTTLE_QUIET_MS = 1_000;
/** After a throttle the rate climbs back by this share of the ceiling per second (from half to full: 20 s). */
const RECOVERY_SHARE_PER_SECOND = 0.025;
/** Uncapped tables: the limit grows by this share of itself per second after a throttle. */
const UNCAPPED_RECOVERY_PER_SECOND = 0.05;
/** Uncapped tables are only paced after a throttle when this reader consumed at least this many units per second. */
const UNCAPPED_MIN_PACED_RATE = 100;
/** The rate never drops below this many read units per second, so a read always moves on. */
const MIN_RATE = 0.5;
/** Without a measured cost yet and no size in DescribeTable, an item is assumed to weigh this much. */
const DEFAULT_ITEM_BYTES = 1024;
/** A read unit pays for this many bytes of a strongly consistent read (twice as many when eventually consistent). */
const BYTES_PER_READ_UNIT = 4096;
/** DynamoDB ends a Scan page at 1 MB of items read. */
const PAGE_BYTES = 1024 * 1024;
/** A page's Limit asks for this many times the items that fill 1 MB at the measured cost per item: DynamoDB still
 *  ends the page at 1 MB, and items larger or smaller than the average do not make pages short. */
const FULL_PAGE_HEADROOM = 1.25;
/** Weight of the newest page in the running cost per item. */
const COST_SMOOTHING = 0.3;
/** Span of the window that measures the recent consumption rate (used when throttled without a set ceiling). */
const RATE_WINDOW_MS = 10_000;

/**
 * A token bucket that may run into debt: a request may start whenever the bucket is not in debt, takes its
 * estimated cost at once, and settles the difference when the real cost is known. Starts empty, saves up at most
 * BURST_SECONDS of budget.
 */
export class TokenBucket {
  private tokens = 0;
  private last: number;

  constructor(
    private readonly clock: Clock,
    private rate: number,
  ) {
    this.last = clock.now();
  }

  get unitsPerSecond(): number {
    return this.rate;
  }

  setRate(rate: number): void {
    this.refill();
    this.rate = rate;
  }

  /** Waits until the bucket is out of debt, then takes `units` (which may put it into debt). */
  async take(units: number): Promise<void> {
    for (;;) {
      this.refill();
      if (this.tokens >= 0) {
        this.tokens -= units;
        return;
      }
      await this.clock.sleep(Math.max(1, Math.ceil((-this.tokens / this.rate) * 1000)));
    }
  }

  /** Settles a request: gives back what it was charged too much, or takes what it cost beyond the estimate. */
  settle(charged: number, actual: number): void {
    this.refill();
    this.tokens = Math.min(this.capacity(), this.tokens + charged - actual);
  }

  private capacity(): number {
    return this.rate * BURST_SECONDS;
  }

  private refill(): void {
    const now = this.clock.now();
    this.tokens = Math.min(this.capacity(), this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
  }
}

/**
 * The rate a table may be read at right now: the configured ceiling, lowered on throttling and raised back slowly.
 * The ceiling may be Infinity (an uncapped on-demand table); a throttle then starts from the consumption rate that
 * was measured, and the limit is lifted again once the rate has doubled without further throttling.
 */
export class AdaptiveRate {
  private current: number;
  private lastThrottle = -Infinity;
  /** Uncapped tables: the measured rate when the limit was set, which recovery lifts the limit from. */
  private throttledAt = 0;
  private last: number;

  constructor(
    private readonly clock: Clock,
    private ceiling: number,
  ) {
    this.current = ceiling;
    this.last = clock.now();
  }

  setCeiling(ceiling: number): void {
    this.advance();
    const wasAtCeiling = this.current >= this.ceiling;
    this.ceiling = ceiling;
    this.current = wasAtCeiling ? ceiling : Math.min(this.current, ceiling);
  }

  /** @param measuredRate read units per second consumed recently: the starting point when there is no ceiling */
  throttled(measuredRate: number): void {
    this.advance();
    const now = this.clock.now();
    if (now - this.lastThrottle < THROTTLE_QUIET_MS) return;
    this.lastThrottle = now;
    if (!Number.isFinite(this.current)) {
      // An on-demand table serves thousands of units per second: throttled while this reader consumes a trickle,
      // the cause is elsewhere (another client on a hot partition) and pacing this reader would not help.
      if (measuredRate < UNCAPPED_MIN_PACED_RATE) return;
      this.throttledAt = measuredRate;
      this.current = measuredRate * THROTTLE_DECREASE;
      return;
    }
    this.current = Math.max(MIN_RATE, this.current * THROTTLE_DECREASE);
  }

  unitsPerSecond(): number {
    this.advance();
    return this.current;
  }

  private advance(): void {
    const now = this.clock.now();
    const seconds = (now - this.last) / 1000;
    this.last = now;
    if (this.current >= this.ceiling) return;
    if (Number.isFinite(this.ceiling)) {
      this.current = Math.min(this.ceiling, this.current + this.ceiling * RECOVERY_SHARE_PER_SECOND * seconds);
    } else {
      // No ceiling to measure recovery against: grow by a share of the current rate, and lift the limit altogether
      // once it is twice what was consumed when the throttling happened.
      this.current *= 1 + UNCAPPED_RECOVERY_PER_SECOND * seconds;
      if (this.current >= this.throttledAt * 2) this.current = Infinity;
    }
  }
}

export interface BudgetLimits {
  /** Share of a provisioned table's ReadCapacityUnits, 1–150. */
  percent: number;
  /** Absolute cap in read units per second, for any table. */
  maxUnitsPerSecond: number | undefined;
}

export interface BudgetCeiling {
  /** Infinity when nothing limits the table. */
  unitsPerSecond: number;
  /** What the ceiling is made of, for the log: "50% of 400 provisioned RCU". */
  reason: string;
}

/** The configured budget of a table as DescribeTable shows it now; the lowest applicable limit wins. */
export function budgetCeiling(table: TableDescription, limits: BudgetLimits): BudgetCeiling {
  const candidates: BudgetCeiling[] = [];
  const provisioned = table.ProvisionedThroughput?.ReadCapacityUnits ?? 0;
  const onDemand = table.BillingModeSummary?.BillingMode === 'PAY_PER_REQUEST' || provisioned <= 0;
  if (!onDemand) {
    candidates.push({ unitsPerSecond: (provisioned * limits.percent) / 100, reason: `${limits.percent}% of ${provisioned} provisioned RCU` });
  } else {
    // A table's own on-demand maximum; going above it only earns throttling. -1 or absent: none.
    const tableMax = table.OnDemandThroughput?.MaxReadRequestUnits ?? -1;
    if (tableMax > 0) candidates.push({ unitsPerSecond: tableMax, reason: `the table's MaxReadRequestUnits ${tableMax}` });
  }
  if (limits.maxUnitsPerSecond !== undefined) {
    candidates.push({ unitsPerSecond: limits.maxUnitsPerSecond, reason: `max_read_units_per_second ${limits.maxUnitsPerSecond}` });
  }
  if (candidates.length === 0) return { unitsPerSecond: Infinity, reason: 'on-demand table without a cap' };
  return candidates.reduce((a, b) => (b.unitsPerSecond < a.unitsPerSecond ? b : a));
}

/** Read units consumed per second over a sliding window. */
class ConsumptionWindow {
  private readonly entries: { at: number; units: number }[] = [];
  private sum = 0;
  private readonly startedAt: number;

  constructor(private readonly clock: Clock) {
    this.startedAt = clock.now();
  }

  add(units: number): void {
    this.entries.push({ at: this.clock.now(), units });
    this.sum += units;
    this.prune();
  }

  unitsPerSecond(): number {
    this.prune();
    // Early in a read the window is not full yet; dividing by its whole span would understate the rate.
    const span = Math.max(1000, Math.min(RATE_WINDOW_MS, this.clock.now() - this.startedAt));
    return this.sum / (span / 1000);
  }

  private prune(): void {
    const cutoff = this.clock.now() - RATE_WINDOW_MS;
    while (this.entries.length > 0 && (this.entries[0] as { at: number }).at < cutoff) this.sum -= (this.entries.shift() as { units: number }).units;
  }
}

/** What a request may do: how many items to ask for, and what it was charged in advance. */
export interface ReadPermit {
  /** Scan Limit for this request; undefined: no limit (DynamoDB's 1 MB page). */
  limit: number | undefined;
  charged: number;
}

export interface TableBudgetOptions {
  table: string;
  limits: BudgetLimits;
  consistentRead: boolean;
  /** Fresh DescribeTable of the table, for the periodic refresh. */
  describe: () => Promise<TableDescription>;
  log: Logger;
  clock?: Clock;
}

/** The budget of one table, shared by every request that reads it. */
export class TableReadBudget {
  private readonly clock: Clock;
  private ceiling: BudgetCeiling;
  private readonly rate: AdaptiveRate;
  private readonly bucket: TokenBucket;
  private readonly window: ConsumptionWindow;
  private unitsPerItem: number;
  private lastRefresh: number;
  private refreshing = false;
  private readonly startedAt: number;
  private totalUnits = 0;
  private lastLog: number;
  private unitsSinceLog = 0;

  constructor(
    private readonly options: TableBudgetOptions,
    description: TableDescription,
  ) {
    this.clock = options.clock ?? systemClock;
    this.ceiling = budgetCeiling(description, options.limits);
    this.rate = new AdaptiveRate(this.clock, this.ceiling.unitsPerSecond);
    this.bucket = new TokenBucket(this.clock, finiteOr(this.ceiling.unitsPerSecond, 1));
    this.window = new ConsumptionWindow(this.clock);
    this.unitsPerItem = estimatedUnitsPerItem(description, options.consistentRead);
    this.startedAt = this.lastRefresh = this.lastLog = this.clock.now();
  }

  /** The configured ceiling, Infinity when unlimited. */
  get ceilingUnitsPerSecond(): number {
    return this.ceiling.unitsPerSecond;
  }

  /**
   * Waits until the budget allows another request and sizes its page.
   * @param maxItems the user's page_size (or what a sample still needs): the Limit never exceeds it
   */
  async acquire(maxItems?: number): Promise<ReadPermit> {
    this.refreshIfDue();
    const rate = this.rate.unitsPerSecond();
    const pageItems = maxItems ?? this.fullPageItems();
    if (!Number.isFinite(rate)) return { limit: pageItems, charged: 0 };
    this.bucket.setRate(rate);
    const fitting = Math.max(1, Math.floor((rate * PAGE_SECONDS) / this.unitsPerItem));
    const limit = Math.min(pageItems, fitting);
    const charged = limit * this.unitsPerItem;
    await this.bucket.take(charged);
    return { limit, charged };
  }

  /**
   * The Limit of an unpaced page: a little more than the items that fill DynamoDB's 1 MB page. The page still ends at
   * 1 MB, so a Scan reads the same pages as without a Limit; but the server knows how far to read. DynamoDB Local
   * reads every remaining item of the segment for a request without one, which makes a scan quadratic in the size
   * of its segments (measured: 100k items in 4 segments took 26 s without a Limit, 8–9 s with it).
   */
  private fullPageItems(): number {
    const itemBytes = (this.unitsPerItem * BYTES_PER_READ_UNIT) / (this.options.consistentRead ? 1 : 0.5);
    return fullPageLimit(itemBytes);
  }

  /**
   * Pays the measured cost of a finished request.
   * @param consumed ConsumedCapacity.CapacityUnits of the response (undefined: not reported, the estimate stands)
   * @param scannedCount items DynamoDB read for it (before any filter): what the cost is made of
   */
  pay(permit: ReadPermit, consumed: number | undefined, scannedCount: number): void {
    const units = consumed ?? permit.charged;
    this.bucket.settle(permit.charged, units);
    if (consumed !== undefined && scannedCount > 0) {
      this.unitsPerItem = this.unitsPerItem * (1 - COST_SMOOTHING) + (consumed / scannedCount) * COST_SMOOTHING;
    }
    this.window.add(units);
    this.totalUnits += units;
    this.unitsSinceLog += units;
    const now = this.clock.now();
    if (now - this.lastLog >= LOG_INTERVAL_MS) {
      this.options.log('INFO', `Read of ${this.options.table}: ${this.perSecond(this.unitsSinceLog, now - this.lastLog)} read units/s over the last ${Math.round((now - this.lastLog) / 1000)} s, ${this.budgetText()}.`);
      this.lastLog = now;
      this.unitsSinceLog = 0;
    }
  }

  /**
   * A request failed. Throttled requests consume nothing and lower the rate; other failures (a dropped connection,
   * a 500) may well have consumed their page, so the estimate stays charged.
   */
  failed(permit: ReadPermit, throttled: boolean): void {
    if (!throttled) return;
    this.bucket.settle(permit.charged, 0);
    const before = this.rate.unitsPerSecond();
    this.rate.throttled(this.window.unitsPerSecond());
    const after = this.rate.unitsPerSecond();
    if (after < before) this.options.log('WARN', `${this.options.table} is throttled: reading at ${after.toFixed(1)} read units/s for now (${this.budgetText()}).`);
  }

  /** One line for the end of a read: what it consumed against the budget. */
  summary(): string {
    const elapsed = this.clock.now() - this.startedAt;
    return `Read of ${this.options.table} consumed ${round(this.totalUnits)} read units in ${(elapsed / 1000).toFixed(1)} s: ${this.perSecond(this.totalUnits, elapsed)} read units/s, ${this.budgetText()}.`;
  }

  private budgetText(): string {
    const ceiling = this.ceiling.unitsPerSecond;
    return Number.isFinite(ceiling) ? `budget ${round(ceiling)}/s (${this.ceiling.reason})` : `no budget (${this.ceiling.reason})`;
  }

  private perSecond(units: number, ms: number): string {
    return ms <= 0 ? '0' : String(round(units / (ms / 1000)));
  }

  private refreshIfDue(): void {
    const now = this.clock.now();
    if (this.refreshing || now - this.lastRefresh < REFRESH_INTERVAL_MS) return;
    this.refreshing = true;
    this.lastRefresh = now;
    this.options
      .describe()
      .then((description) => {
        const next = budgetCeiling(description, this.options.limits);
        if (next.unitsPerSecond !== this.ceiling.unitsPerSecond) {
          this.options.log('INFO', `The read budget of ${this.options.table} is now ${Number.isFinite(next.unitsPerSecond) ? `${round(next.unitsPerSecond)} read units/s` : 'unlimited'} (${next.reason}).`);
        }
        this.ceiling = next;
        this.rate.setCeiling(next.unitsPerSecond);
      })
      .catch((err: unknown) => {
        this.options.log('WARN', `Could not refresh the read budget of ${this.options.table} (${(err as Error)?.message ?? String(err)}); keeping ${this.budgetText()}.`);
      })
      .finally(() => {
        this.refreshing = false;
      });
  }
}

/** Cost of one item before any page was measured: its average size in DescribeTable, halved for eventual reads. */
/** The Scan Limit of a page read at full speed: a little more than the items of this size that fill 1 MB. */
export function fullPageLimit(itemBytes: number): number {
  return Math.max(1, Math.ceil((PAGE_BYTES / itemBytes) * FULL_PAGE_HEADROOM));
}

export function estimatedUnitsPerItem(description: TableDescription, consistentRead: boolean): number {
  const count = description.ItemCount ?? 0;
  const bytes = count > 0 && description.TableSizeBytes !== undefined ? description.TableSizeBytes / count : DEFAULT_ITEM_BYTES;
  return (Math.max(1, bytes) / BYTES_PER_READ_UNIT) * (consistentRead ? 1 : 0.5);
}

const finiteOr = (value: number, fallback: number) => (Number.isFinite(value) ? value : fallback);
const round = (value: number) => Math.round(value * 10) / 10;

export interface ReadBudgetsOptions {
  limits: BudgetLimits;
  consistentRead: boolean;
  describe: (table: string) => Promise<TableDescription>;
  log: Logger;
  clock?: Clock;
}

/** The budgets of one sync (or one discover): one per table, created on first use and shared from then on. */
export class ReadBudgets {
  private readonly budgets = new Map<string, Promise<TableReadBudget>>();

  constructor(private readonly options: ReadBudgetsOptions) {}

  /** @param description the table's DescribeTable when the caller has it already (saves one call) */
  forTable(table: string, description?: TableDescription): Promise<TableReadBudget> {
    let budget = this.budgets.get(table);
    if (budget === undefined) {
      const { limits, consistentRead, log, clock } = this.options;
      const describe = () => this.options.describe(table);
      budget = (description ? Promise.resolve(description) : describe()).then(
        (d) => new TableReadBudget({ table, limits, consistentRead, describe, log, ...(clock ? { clock } : {}) }, d),
      );
      // A failed describe is not cached: the next caller tries again.
      budget.catch(() => this.budgets.delete(table));
      this.budgets.set(table, budget);
    }
    return budget;
  }
}

/** The budget settings of a config. */
export function budgetLimitsOf(config: { read_capacity_percent?: number; max_read_units_per_second?: number }): BudgetLimits {
  return { percent: config.read_capacity_percent ?? 50, maxUnitsPerSecond: config.max_read_units_per_second };
}
