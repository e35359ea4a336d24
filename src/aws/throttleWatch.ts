// Whether a stream is waiting on throttling, decided without flapping. The workers of a stream (one per segment in
// flight) say what they are doing: waiting out a throttled request's backoff, waiting for a turn from a budget that
// throttling holds down, or anything else (a request in flight, a page on its way out). Sampled a few times a second,
// the stream is waiting when at least half of its workers are; it becomes rate limited once that has held for most
// of ENTER_MS, and reads at speed again once it has hardly waited for LEAVE_MS while pages kept coming.
import { systemClock, type Clock } from './readBudget.js';

/** How often the workers are looked at. */
const SAMPLE_MS = 250;
/** Rate limited: the stream waited on throttling in at least ENTER_SHARE of the samples of the last ENTER_MS… */
const ENTER_MS = 1_500;
const ENTER_SHARE = 0.7;
/** …and at speed again after at most LEAVE_SHARE of the samples of the last LEAVE_MS, with pages served meanwhile. */
const LEAVE_MS = 3_000;
const LEAVE_SHARE = 0.2;
/** Without a backoff to go by, the quota is expected back in this long (DynamoDB accounts capacity per second). */
const DEFAULT_RESET_MS = 1_000;

type WorkerState = { kind: 'busy' } | { kind: 'backoff'; until: number } | { kind: 'budget' };

export interface ThrottleWatchOptions {
  /** Whether throttling holds the budget down now: a worker waiting for its turn then waits on throttling. */
  budgetThrottled: () => boolean;
  /** The stream became rate limited (resetAt: epoch ms when the quota should be back) or reads at speed again (null). */
  onChange: (resetAt: number | null) => void;
  clock?: Clock;
}

export class ThrottleWatch {
  private readonly clock: Clock;
  private readonly workers = new Map<number, WorkerState>();
  /** 1 for a sample where the stream waited on throttling, 0 otherwise; the newest last. */
  private readonly samples: { at: number; waiting: number }[] = [];
  private lastServedAt = -Infinity;
  private limited = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: ThrottleWatchOptions) {
    this.clock = options.clock ?? systemClock;
  }

  /** Samples on a timer until stop(). */
  start(): void {
    this.timer ??= setInterval(() => this.sample(), SAMPLE_MS);
    this.timer.unref();
  }

  /** Stops sampling; a stream still rate limited is reported at speed again (it no longer waits). */
  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    if (this.limited) {
      this.limited = false;
      this.options.onChange(null);
    }
  }

  /** The worker sends a request or hands a page over. */
  busy(worker: number): void {
    this.workers.set(worker, { kind: 'busy' });
  }

  /** The worker waits for its turn from the budget. */
  waitingForBudget(worker: number): void {
    this.workers.set(worker, { kind: 'budget' });
  }

  /** The worker's request was throttled; it waits `delayMs` before sending it again. */
  backingOff(worker: number, delayMs: number): void {
    this.workers.set(worker, { kind: 'backoff', until: this.clock.now() + delayMs });
  }

  /** The worker has nothing left to read. */
  done(worker: number): void {
    this.workers.delete(worker);
  }

  /** A page was served. */
  served(): void {
    this.lastServedAt = this.clock.now();
  }

  get isLimited(): boolean {
    return this.limited;
  }

  /** One look at the workers (the timer's job; public for tests). */
  sample(): void {
    const now = this.clock.now();
    this.samples.push({ at: now, waiting: this.waitingNow(now) ? 1 : 0 });
    while (this.samples.length > 0 && (this.samples[0] as { at: number }).at < now - Math.max(ENTER_MS, LEAVE_MS)) this.samples.shift();
    if (!this.limited) {
      const recent = this.since(now - ENTER_MS);
      // A (nearly) full window of samples, whatever the timer's jitter: a single throttle at the start of a read is not a state.
      if (recent.count >= ENTER_MS / SAMPLE_MS - 1 && recent.share >= ENTER_SHARE) {
        this.limited = true;
        this.options.onChange(this.resetAt(now));
      }
    } else {
      const recent = this.since(now - LEAVE_MS);
      if (recent.count >= LEAVE_MS / SAMPLE_MS - 1 && recent.share <= LEAVE_SHARE && now - this.lastServedAt < LEAVE_MS) {
        this.limited = false;
        this.options.onChange(null);
      }
    }
  }

  private waitingNow(now: number): boolean {
    if (this.workers.size === 0) return false;
    const budgetThrottled = this.options.budgetThrottled();
    let waiting = 0;
    for (const state of this.workers.values()) {
      if ((state.kind === 'backoff' && state.until > now) || (state.kind === 'budget' && budgetThrottled)) waiting++;
    }
    return waiting * 2 >= this.workers.size;
  }

  private since(from: number): { count: number; share: number } {
    let count = 0;
    let waiting = 0;
    for (const s of this.samples) {
      if (s.at <= from) continue;
      count++;
      waiting += s.waiting;
    }
    return { count, share: count === 0 ? 0 : waiting / count };
  }

  /** When the longest backoff now under way ends, as epoch ms. */
  private resetAt(now: number): number {
    let until = now + DEFAULT_RESET_MS;
    for (const state of this.workers.values()) if (state.kind === 'backoff' && state.until > until) until = state.until;
    return Math.round(Date.now() + (until - now));
  }
}
