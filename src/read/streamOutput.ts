// The orchestrator's side of the source contract for one stream: turns pages handed over by a source into record
// events, adds a checkpoint when the clock says so (or the source asks), stamps each checkpoint with the records it
// covers, and emits RUNNING before the stream's first record (or its COMPLETE, for an empty stream). Each page is
// checked for schema drift against the catalog's schema: a schema_drift event goes just before the first record
// needing a wider schema, and the stream ends with a WARN counting what was outside the schema.
import type { LogLevel } from '../log.js';
import type { ReadEvent } from '../pipeline/events.js';
import { mergeChanges, type SchemaDrift } from '../pipeline/schemaDrift.js';
import type { SourceContext } from '../pipeline/sourceContext.js';
import type { StreamState } from '../state/streamState.js';
import type { Semaphore } from '../util/concurrency.js';
import { CheckpointClock } from './checkpointClock.js';
import type { SyncProgress } from './progress.js';
import type { OutputQueue } from '../util/outputQueue.js';
import { totalLength } from '../util/texts.js';

export interface OutputSettings {
  checkpointRecords: number;
  checkpointIntervalMs: number;
  maxRetries: number;
  readConcurrency: number;
}

export class StreamOutput {
  private readonly clock: CheckpointClock;
  private running = false;
  private recordsSent = false;

  constructor(
    private readonly stream: string,
    private readonly queue: OutputQueue,
    settings: OutputSettings,
    private readonly progress: SyncProgress,
    private readonly drift?: SchemaDrift,
  ) {
    this.clock = new CheckpointClock(settings.checkpointRecords, settings.checkpointIntervalMs);
    if (drift !== undefined) progress.describeDrift(stream, () => drift.summary());
  }

  sourceContext(shared: { permits: Semaphore; interrupt: AbortSignal; log: (level: LogLevel, message: string) => void; settings: OutputSettings }): SourceContext {
    return {
      emit: (records, position, when = 'if-due') => this.emit(records, position, when),
      estimate: (rows, bytes) => this.queue.push([{ type: 'estimate', stream: this.stream, rows, bytes }]),
      rateLimited: (resetAt) => this.rateLimited(resetAt),
      answered: (throttled) => this.progress.answered(this.stream, throttled),
      log: shared.log,
      interrupt: shared.interrupt,
      permits: shared.permits,
      maxRetries: shared.settings.maxRetries,
      readConcurrency: shared.settings.readConcurrency,
    };
  }

  private emit(records: readonly string[], position: () => StreamState, when: 'if-due' | 'now'): Promise<void> {
    const chunk: ReadEvent[] = [];
    if (records.length > 0) {
      this.markRunning(chunk);
      const bytes = totalLength(records);
      this.pushRecords(chunk, records, Date.now());
      this.clock.addRecords(records.length);
      this.progress.add(this.stream, records.length, bytes);
    }
    if (when === 'now' || (records.length > 0 && this.clock.isDue())) {
      chunk.push({ type: 'checkpoint', stream: this.stream, state: position(), recordCount: this.clock.take() });
    }
    return this.queue.push(chunk);
  }

  /** A rate-limit change goes out in order with the records; as a RUNNING status, it marks the stream running. */
  private rateLimited(resetAt: number | null): void {
    const chunk: ReadEvent[] = [];
    if (resetAt !== null) {
      this.running = true;
      chunk.push({ type: 'rate-limit', stream: this.stream, limited: true, resetAt });
    } else {
      this.markRunning(chunk);
      chunk.push({ type: 'rate-limit', stream: this.stream, limited: false });
    }
    // Not awaited: the source is waiting anyway, and a full queue only delays the status, never reorders it.
    if (!this.queue.isClosed) void this.queue.push(chunk);
  }

  /** The page as one records event, or, when records need a wider schema, cut before each of them with the
   *  schema_drift event in between (rare: only the first record of each new attribute or kind). */
  private pushRecords(chunk: ReadEvent[], records: readonly string[], emittedAt: number): void {
    const announcements = this.drift?.check(records);
    if (announcements === undefined) {
      this.recordsSent = true;
      chunk.push({ type: 'records', stream: this.stream, texts: records, emittedAt });
      return;
    }
    if (!this.recordsSent) {
      // The stream's first page: nothing went out yet, so all of its drift is announced before it. A target then
      // creates its table from the wide schema once, instead of having to change a column it just made.
      this.recordsSent = true;
      chunk.push({ type: 'schema_drift', stream: this.stream, changes: mergeChanges(announcements.flatMap((a) => a.changes)) });
      chunk.push({ type: 'records', stream: this.stream, texts: records, emittedAt });
      return;
    }
    let from = 0;
    for (const { index, changes } of announcements) {
      if (index > from) chunk.push({ type: 'records', stream: this.stream, texts: records.slice(from, index), emittedAt });
      chunk.push({ type: 'schema_drift', stream: this.stream, changes });
      from = index;
    }
    chunk.push({ type: 'records', stream: this.stream, texts: from === 0 ? records : records.slice(from), emittedAt });
  }

  /** Ends the stream: RUNNING first if no record came (a stream is never COMPLETE without having run). */
  finish(status: 'COMPLETE' | 'INCOMPLETE', extra: ReadEvent[] = []): Promise<void> {
    const chunk: ReadEvent[] = [];
    this.progress.finish(this.stream);
    const drift = this.drift?.summary();
    if (drift !== undefined) chunk.push({ type: 'log', level: 'WARN', message: driftWarning(this.stream, drift) });
    if (status === 'COMPLETE') this.markRunning(chunk);
    chunk.push({ type: 'status', stream: this.stream, status }, ...extra);
    return this.queue.push(chunk);
  }

  private markRunning(chunk: ReadEvent[]): void {
    if (this.running) return;
    this.running = true;
    chunk.push({ type: 'status', stream: this.stream, status: 'RUNNING' });
  }
}

/** The WARN a user acts on: what was outside the catalog's schema, and what to do about it. */
export function driftWarning(stream: string, summary: string): string {
  return (
    `Stream ${stream}: records had attributes outside the catalog's schema: ${summary}. ` +
    'Their values were sent as they are; refresh the source schema (discover) so the destination types them.'
  );
}
