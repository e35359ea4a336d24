// What a long sync shows while it runs: per table, items and MB emitted, items/s, the share of DescribeTable's
// ItemCount and an ETA. On a terminal (stderr is a TTY) a live bar per table, drawn with cli-progress; in protocol
// runs a LOG line per table about every 30 s, since Airbyte and Meltano show logs, not terminals.
import cliProgress from 'cli-progress';
import type { Writable } from 'node:stream';
import type { Logger } from '../log.js';

/** How often protocol runs log progress. */
export const PROGRESS_LOG_INTERVAL_MS = 30_000;
/** How often the terminal bars are redrawn. */
const BAR_REFRESH_MS = 500;

export interface StreamCounts {
  stream: string;
  items: number;
  bytes: number;
  startedAt: number;
  /** DescribeTable's ItemCount (refreshed by DynamoDB about every 6 hours): an estimate. */
  expectedItems: number | undefined;
  /** Requests answered, and throttled among them, over the last minute. */
  answers: AnswerCounter;
}

/** How far back the throttled share of the progress line looks. */
const ANSWER_WINDOW_MS = 60_000;
const ANSWER_BUCKET_MS = 1_000;

/** Answers and throttles over the last minute, in one-second buckets (cheap at any request rate). */
export class AnswerCounter {
  private readonly buckets: { second: number; total: number; throttled: number }[] = [];

  add(throttled: boolean, now: number): void {
    const second = Math.floor(now / ANSWER_BUCKET_MS);
    let last = this.buckets.at(-1);
    if (last === undefined || last.second !== second) {
      last = { second, total: 0, throttled: 0 };
      this.buckets.push(last);
      this.prune(now);
    }
    last.total++;
    if (throttled) last.throttled++;
  }

  /** Over the last minute: requests answered and the throttled ones. */
  lastMinute(now: number): { total: number; throttled: number } {
    this.prune(now);
    let total = 0;
    let throttled = 0;
    for (const b of this.buckets) {
      total += b.total;
      throttled += b.throttled;
    }
    return { total, throttled };
  }

  private prune(now: number): void {
    const oldest = Math.floor((now - ANSWER_WINDOW_MS) / ANSWER_BUCKET_MS);
    while (this.buckets.length > 0 && (this.buckets[0] as { second: number }).second <= oldest) this.buckets.shift();
  }
}

export interface Figures {
  items: number;
  megabytes: number;
  itemsPerSecond: number;
  /** Share of the expected items, when known; may pass 100 (the count is an estimate). */
  percent: number | undefined;
  etaSeconds: number | undefined;
  /** Share of the requests of the last minute that were throttled, when the source reports its requests. */
  throttledPercent: number | undefined;
}

export function figuresOf(counts: StreamCounts, now: number): Figures {
  const seconds = Math.max((now - counts.startedAt) / 1000, 0.001);
  const itemsPerSecond = counts.items / seconds;
  const expected = counts.expectedItems;
  const known = expected !== undefined && expected > 0;
  const remaining = known ? Math.max(expected - counts.items, 0) : undefined;
  return {
    items: counts.items,
    megabytes: counts.bytes / 1_000_000,
    itemsPerSecond,
    percent: known ? (counts.items / expected) * 100 : undefined,
    etaSeconds: remaining !== undefined && itemsPerSecond > 0 ? remaining / itemsPerSecond : undefined,
    throttledPercent: throttledPercentOf(counts.answers.lastMinute(now)),
  };
}

export function describeFigures(stream: string, f: Figures): string {
  const parts = [`${f.items.toLocaleString('en-US')} items`, `${f.megabytes.toFixed(1)} MB`, `${Math.round(f.itemsPerSecond).toLocaleString('en-US')} items/s`];
  if (f.percent !== undefined) parts.push(`${f.percent.toFixed(0)}% of DescribeTable's ItemCount`);
  if (f.etaSeconds !== undefined) parts.push(`ETA ${formatDuration(f.etaSeconds)}`);
  if (f.throttledPercent !== undefined) parts.push(`${formatPercent(f.throttledPercent)} of requests throttled in the last minute`);
  return `Progress of ${stream}: ${parts.join(', ')}`;
}

const throttledPercentOf = (answers: { total: number; throttled: number }) => (answers.total > 0 ? (answers.throttled / answers.total) * 100 : undefined);

/** Whole percents, but a few throttles among many requests do not read as none. */
const formatPercent = (percent: number) => (percent > 0 && percent < 1 ? '<1%' : `${Math.round(percent)}%`);

export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/** Counts per stream, shown by one of the two displays below. */
export class SyncProgress {
  private readonly streams = new Map<string, StreamCounts>();
  private readonly drift = new Map<string, () => string | undefined>();
  private readonly display: ProgressDisplay;

  constructor(options: { terminal?: Writable; log: Logger }) {
    this.display = options.terminal !== undefined ? new TerminalBars(options.terminal) : new PeriodicLog(options.log, () => [...this.streams.values()], (stream) => this.drift.get(stream)?.());
  }

  /** What a stream's periodic progress line says about schema drift (undefined: nothing to say). */
  describeDrift(stream: string, summary: () => string | undefined): void {
    this.drift.set(stream, summary);
  }

  start(stream: string, expectedItems: number | undefined): void {
    const counts: StreamCounts = { stream, items: 0, bytes: 0, startedAt: Date.now(), expectedItems, answers: new AnswerCounter() };
    this.streams.set(stream, counts);
    this.display.started(counts);
  }

  add(stream: string, items: number, bytes: number): void {
    const counts = this.streams.get(stream);
    if (counts === undefined) return;
    counts.items += items;
    counts.bytes += bytes;
    this.display.updated(counts);
  }

  /** A request of the stream was answered: throttled or not. */
  answered(stream: string, throttled: boolean): void {
    this.streams.get(stream)?.answers.add(throttled, Date.now());
  }

  finish(stream: string): void {
    const counts = this.streams.get(stream);
    if (counts === undefined) return;
    this.display.finished(counts);
    this.streams.delete(stream);
    this.drift.delete(stream);
  }

  stop(): void {
    this.display.stop();
  }
}

interface ProgressDisplay {
  started(counts: StreamCounts): void;
  updated(counts: StreamCounts): void;
  finished(counts: StreamCounts): void;
  stop(): void;
}

class PeriodicLog implements ProgressDisplay {
  private readonly timer: NodeJS.Timeout;

  constructor(log: Logger, active: () => StreamCounts[], drift: (stream: string) => string | undefined) {
    this.timer = setInterval(() => {
      const now = Date.now();
      for (const counts of active()) {
        const line = describeFigures(counts.stream, figuresOf(counts, now));
        const outside = drift(counts.stream);
        // Drift makes the line a WARN: the user should refresh the source schema.
        if (outside === undefined) log('INFO', line);
        else log('WARN', `${line}; attributes outside the catalog's schema: ${outside}`);
      }
    }, PROGRESS_LOG_INTERVAL_MS);
    this.timer.unref();
  }

  started(): void {}
  updated(): void {}
  finished(): void {}
  stop(): void {
    clearInterval(this.timer);
  }
}

class TerminalBars implements ProgressDisplay {
  private readonly bars = new Map<string, cliProgress.SingleBar>();
  private readonly multibar: cliProgress.MultiBar;

  constructor(terminal: Writable) {
    this.multibar = new cliProgress.MultiBar(
      {
        stream: terminal as NodeJS.WriteStream,
        fps: 1000 / BAR_REFRESH_MS,
        hideCursor: true,
        clearOnComplete: false,
        format: (_options, params, payload: { stream: string; line: string }) => `${payload.stream.padEnd(24)} ${barOf(params.progress)} ${payload.line}`,
      },
      cliProgress.Presets.shades_classic,
    );
  }

  started(counts: StreamCounts): void {
    this.bars.set(counts.stream, this.multibar.create(Math.max(counts.expectedItems ?? 0, 1), 0, { stream: counts.stream, line: '' }));
  }

  updated(counts: StreamCounts): void {
    const bar = this.bars.get(counts.stream);
    if (bar === undefined) return;
    const f = figuresOf(counts, Date.now());
    const line = describeFigures(counts.stream, f).replace(`Progress of ${counts.stream}: `, '');
    if (counts.items > bar.getTotal()) bar.setTotal(counts.items);
    bar.update(counts.items, { stream: counts.stream, line });
  }

  finished(counts: StreamCounts): void {
    this.updated(counts);
    this.bars.get(counts.stream)?.stop();
  }

  stop(): void {
    this.multibar.stop();
  }
}

const BAR_WIDTH = 20;

function barOf(progress: number): string {
  const filled = Math.round(Math.min(Math.max(progress, 0), 1) * BAR_WIDTH);
  return `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}]`;
}
