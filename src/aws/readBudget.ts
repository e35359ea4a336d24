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
/** …but small enough that each of the requests queued on the budget gets its turn within this many seconds. */
const SEGMENT_TURN_SECONDS = 2;
/** DescribeTable is read again this often, so provisioned capacity changed by autoscaling is followed. */
export const REFRESH_INTERVAL_MS = 5 * 60_000;
/** Changes of the throttled state are logged at most this often. */
const RATE_LOG_QUIET_MS = 10_000;
/** How often the consumed read units per second are logged during a long read. */
const LOG_INTERVAL_MS = 60_000;
/** The share of throttled requests is measured over this span: long enough to mean something at a few requests per
 *  second, short enough to follow a change in tens of seconds. */
const SHARE_WINDOW_MS = 5_000;
/** Fewer answers than this in the window say nothing about the share. */
const MIN_SHARE_SAMPLES = 4;
/** The allowed rate is adjusted at most this often. */
const CONTROL_INTERVAL_MS = 1_000;
/** Up to this share of throttled requests is noise: an uncapped table stays unpaced, a lowered rate keeps climbing. */
const TOLERATED_SHARE = 0.02;
/** Over the tolerated share, what the requests took over the last seconds tells which throttling it is. Below this
 *  share of the allowed rate, the table serves less than we allow: a capacity we run into, where sending more only
 *  earns more throttles; the rate is then held to what was taken plus THROTTLED_HEADROOM. At or above it, the table
 *  keeps up with all we allow and the throttles do not follow our rate (a hot partition, another consumer, random):
 *  the rate then grows by KEEPING_UP_GROWTH of itself per second, so a read paced after a slow start (a stalled
 *  server, a loaded machine) gets back to speed in seconds, not minutes. */
const KEEPING_UP_SHARE = 0.9;
const THROTTLED_HEADROOM = 0.1;
const KEEPING_UP_GROWTH = 0.5;
/** The rate regains this share of its reference (the ceiling, or the peak served) per second: from the floor at half
 *  the peak back to the peak in about 10 s. */
const RECOVERY_PER_SECOND = 0.05;
/** The rate never falls below this share of the highest rate the table served during this sync. */
const FLOOR_SHARE_OF_PEAK = 0.5;
/** …nor below this many read units per second (the floor before anything was served). */
const MIN_RATE = 1;
/** The served rate (for the peak) is measured over this span. */
const SERVED_WINDOW_MS = 2_000;
/** An uncapped table paced after throttling may go this far above its peak, so the peak can still grow. */
const UNCAPPED_PROBE = 2;
/** Below this share of its reference the rate counts as lowered by throttling (a stream waiting on it is rate limited). */
const LOWERED_SHARE = 0.9;
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

interface Answer {
  at: number;
  throttled: boolean;
  /** Read units it consumed (0 when throttled or failed). */
  served: number;
  /** Read units it took from the budget: what it consumed, or for a failure the estimate that stays charged. */
  spent: number;
}

/**
 * The rate a table may be read at right now. It follows the share of throttled requests over the last few seconds
 * rather than each throttle: up to TOLERATED_SHARE it climbs back additively, by RECOVERY_PER_SECOND of its
 * reference — the configured ceiling, or for an uncapped on-demand table the highest rate it served during this sync;
 * above it, the rate is held to what the table served when the table serves less than we allow (a capacity), and
 * grows when the table keeps up with it (throttles that do not follow our rate). It never falls below
 * FLOOR_SHARE_OF_PEAK of the peak served (nor rises above the ceiling), so throttling cannot starve the read. An
 * uncapped table is not paced at all (Infinity) until throttling passes TOLERATED_SHARE, and is let go again once
 * its rate is back above the peak with the throttling gone.
 */
export class AdaptiveRate {
  private current: number;
  private readonly answers: Answer[] = [];
  private throttledInWindow = 0;
  private lastStep: number;
  private firstServedAt: number | undefined;
  private peakServed = 0;
  /** The allowed rate since each control step, the newest last (the last SERVED_WINDOW_MS of them). */
  private readonly allowed: { from: number; rate: number }[] = [];

  constructor(
    private readonly clock: Clock,
    private ceiling: number,
  ) {
    this.current = ceiling;
    this.lastStep = clock.now();
  }

  setCeiling(ceiling: number): void {
    this.advance();
    const wasAtCeiling = this.current >= this.ceiling;
    this.ceiling = ceiling;
    this.current = wasAtCeiling ? ceiling : Math.min(this.current, ceiling);
  }

  /** A request was served and consumed `units`. */
  served(units: number): void {
    this.record({ at: this.clock.now(), throttled: false, served: units, spent: units });
  }

  /** A request was throttled (it takes nothing from the budget). */
  throttled(): void {
    this.record({ at: this.clock.now(), throttled: true, served: 0, spent: 0 });
  }

  /** A request failed otherwise (a 500, a dropped connection): among the answers, not the throttles; `charged`
   *  stays taken from the budget. */
  failed(charged = 0): void {
    this.record({ at: this.clock.now(), throttled: false, served: 0, spent: charged });
  }

  unitsPerSecond(): number {
    this.advance();
    return this.current;
  }

  /** Share of the answers of the last few seconds that were throttles (0 without enough answers). */
  throttledShare(): number {
    this.prune(this.clock.now());
    const total = this.answers.length;
    return total < MIN_SHARE_SAMPLES ? 0 : this.throttledInWindow / total;
  }

  /** True while throttling holds the rate clearly below its reference. */
  isLowered(): boolean {
    const rate = this.unitsPerSecond();
    return Number.isFinite(rate) && rate < this.reference() * LOWERED_SHARE;
  }

  /** The lowest rate throttling may bring the table to. */
  floor(): number {
    return Math.min(this.ceiling, Math.max(MIN_RATE, this.peakServed * FLOOR_SHARE_OF_PEAK));
  }

  /** Highest rate served over SERVED_WINDOW_MS during this sync. */
  get peak(): number {
    return this.peakServed;
  }

  private reference(): number {
    return Number.isFinite(this.ceiling) ? this.ceiling : Math.max(this.peakServed, MIN_RATE);
  }

  private record(answer: Answer): void {
    this.answers.push(answer);
    if (answer.throttled) this.throttledInWindow++;
    if (answer.served > 0) this.firstServedAt ??= answer.at;
    this.advance();
  }

  private advance(): void {
    const now = this.clock.now();
    if (now - this.lastStep < CONTROL_INTERVAL_MS) return;
    const seconds = (now - this.lastStep) / 1000;
    this.lastStep = now;
    this.prune(now);
    this.measurePeak(now);
    const share = this.throttledShare();
    const reference = this.reference();
    // Unknown (undefined) until a full control interval was served: a guess would be a collapse waiting to happen.
    const spent = this.recentRate(now, 'spent');
    if (!Number.isFinite(this.current)) {
      // Unpaced: start pacing at what was taken, once throttling is more than noise.
      if (share <= TOLERATED_SHARE || spent === undefined || spent <= 0) return;
      this.current = Math.max(spent * (1 + THROTTLED_HEADROOM), this.floor());
    }
    if (spent === undefined) return;
    let next = this.current + reference * RECOVERY_PER_SECOND * seconds;
    const keepingUp = spent >= this.allowedOver(now) * KEEPING_UP_SHARE;
    if (share > TOLERATED_SHARE && !keepingUp) next = Math.min(next, spent * (1 + THROTTLED_HEADROOM));
    // Throttled while keeping up, or an uncapped table whose peak may have been measured low: grow by a share of
    // itself. A capped table that is not throttled climbs back additively, toward a ceiling it knows.
    else if (keepingUp && (share > TOLERATED_SHARE || !Number.isFinite(this.ceiling))) {
      next = Math.max(next, this.current * (1 + KEEPING_UP_GROWTH * seconds));
    }
    if (Number.isFinite(this.ceiling)) {
      next = Math.min(this.ceiling, next);
    } else {
      const top = reference * UNCAPPED_PROBE;
      // Back above the peak with the throttling gone: the table is no longer paced.
      next = next >= top && share <= TOLERATED_SHARE ? Infinity : Math.min(top, next);
    }
    this.current = Math.max(this.floor(), next);
    this.allowed.push({ from: now, rate: this.current });
    while (this.allowed.length > 1 && (this.allowed[1] as { from: number }).from <= now - SERVED_WINDOW_MS) this.allowed.shift();
  }

  /** The allowed rate averaged over the window `spent` is measured on: what the table kept up with, or not. */
  private allowedOver(now: number): number {
    const start = now - Math.min(SERVED_WINDOW_MS, now - (this.firstServedAt ?? now));
    let area = 0;
    let covered = 0;
    for (let i = 0; i < this.allowed.length; i++) {
      const { from, rate } = this.allowed[i] as { from: number; rate: number };
      const to = (this.allowed[i + 1] as { from: number } | undefined)?.from ?? now;
      const a = Math.max(from, start);
      if (to <= a || !Number.isFinite(rate)) continue;
      area += rate * (to - a);
      covered += to - a;
    }
    return covered > 0 ? area / covered : this.current;
  }

  /** Read units per second served (or taken) over the last SERVED_WINDOW_MS (since the first page, early in a read;
   *  undefined before a full control interval). */
  private recentRate(now: number, what: 'served' | 'spent'): number | undefined {
    if (this.firstServedAt === undefined) return undefined;
    const span = Math.min(SERVED_WINDOW_MS, now - this.firstServedAt);
    if (span < CONTROL_INTERVAL_MS) return undefined;
    let units = 0;
    for (let i = this.answers.length - 1; i >= 0; i--) {
      const a = this.answers[i] as Answer;
      if (a.at <= now - span) break;
      units += a[what];
    }
    return units / (span / 1000);
  }

  private measurePeak(now: number): void {
    this.peakServed = Math.max(this.peakServed, this.recentRate(now, 'served') ?? 0);
  }

  private prune(now: number): void {
    const cutoff = now - Math.max(SHARE_WINDOW_MS, SERVED_WINDOW_MS);
    while (this.answers.length > 0 && (this.answers[0] as Answer).at < cutoff) {
      if ((this.answers.shift() as Answer).throttled) this.throttledInWindow--;
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

/** What a request may do: how many items to ask for, and what it was charged in advance. */
export interface ReadPermit {
  /** Scan Limit for this request; undefined: no limit (DynamoDB's 1 MB page). */
  limit: number | undefined;
  charged: number;
  /** False when the table was unpaced: nothing to settle with the bucket. */
  paced: boolean;
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
  private unitsPerItem: number;
  /** Requests waiting in acquire(): each is a segment (or query) that wants its next page. */
  private waiting = 0;
  /** Requests served so far: a throttled request can tell whether the table kept serving others meanwhile. */
  private servedCount = 0;
  /** Every answered request, and the throttled ones among them, for the summary. */
  private requests = 0;
  private throttledCount = 0;
  /** Whether throttling holds the rate down, as last logged. */
  private loweredLogged = false;
  private lastRateLog = -Infinity;
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
    if (!Number.isFinite(rate)) return { limit: pageItems, charged: 0, paced: false };
    this.bucket.setRate(rate);
    // Many segments queued on a low rate take smaller pages, so each still gets one every SEGMENT_TURN_SECONDS.
    const pageSeconds = Math.min(PAGE_SECONDS, SEGMENT_TURN_SECONDS / (this.waiting + 1));
    const fitting = Math.max(1, Math.floor((rate * pageSeconds) / this.unitsPerItem));
    const limit = Math.min(pageItems, fitting);
    const charged = limit * this.unitsPerItem;
    this.waiting++;
    try {
      await this.bucket.take(charged);
    } finally {
      this.waiting--;
    }
    return { limit, charged, paced: true };
  }

  /** Requests served by the table so far in this sync (a counter: compare two readings). */
  get served(): number {
    return this.servedCount;
  }

  /** Share of the table's requests throttled over the last few seconds. */
  throttledShare(): number {
    return this.rate.throttledShare();
  }

  /** True while throttling holds the table's rate clearly below its ceiling (or peak): waits are throttling's. */
  isThrottled(): boolean {
    return this.rate.isLowered();
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
    if (permit.paced) this.bucket.settle(permit.charged, units);
    if (consumed !== undefined && scannedCount > 0) {
      this.unitsPerItem = this.unitsPerItem * (1 - COST_SMOOTHING) + (consumed / scannedCount) * COST_SMOOTHING;
    }
    this.servedCount++;
    this.requests++;
    this.rate.served(units);
    this.noteRate();
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
   * A request failed. Throttled requests consume nothing and count toward the throttled share; other failures (a
   * dropped connection, a 500) may well have consumed their page, so the estimate stays charged.
   */
  failed(permit: ReadPermit, throttled: boolean): void {
    this.requests++;
    if (throttled) {
      this.throttledCount++;
      if (permit.paced) this.bucket.settle(permit.charged, 0);
      this.rate.throttled();
    } else {
      this.rate.failed(permit.paced ? permit.charged : 0);
    }
    this.noteRate();
  }

  /** Tells the user when throttling starts holding the rate down, and when it lets go (not more often than every
   *  RATE_LOG_QUIET_MS: a rate that hovers at the edge is one story, not a line a second). */
  private noteRate(): void {
    const lowered = this.rate.isLowered();
    if (lowered === this.loweredLogged) return;
    const now = this.clock.now();
    if (now - this.lastRateLog < RATE_LOG_QUIET_MS) return;
    this.lastRateLog = now;
    this.loweredLogged = lowered;
    const share = `${Math.round(this.rate.throttledShare() * 100)}% of requests throttled over the last ${SHARE_WINDOW_MS / 1000} s`;
    if (lowered) {
      this.options.log('WARN', `${this.options.table} is throttled (${share}): reading at ${round(this.rate.unitsPerSecond())} read units/s for now, never below ${round(this.rate.floor())} (${this.budgetText()}).`);
    } else {
      this.options.log('INFO', `${this.options.table} is read at full speed again (${share}, ${this.budgetText()}).`);
    }
  }

  /** One line for the end of a read: what it consumed against the budget. */
  summary(): string {
    const elapsed = this.clock.now() - this.startedAt;
    const throttled = this.throttledCount > 0 ? ` ${this.throttledCount} of ${this.requests} requests (${Math.round((this.throttledCount / this.requests) * 100)}%) were throttled and retried (rate floor at the end: ${round(this.rate.floor())} read units/s, half the peak served).` : '';
    return `Read of ${this.options.table} consumed ${round(this.totalUnits)} read units in ${(elapsed / 1000).toFixed(1)} s: ${this.perSecond(this.totalUnits, elapsed)} read units/s, ${this.budgetText()}.${throttled}`;
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
