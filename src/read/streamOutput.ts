// The orchestrator's side of the source contract for one stream: turns pages handed over by a source into record
// events, adds a checkpoint when the clock says so (or the source asks), stamps each checkpoint with the records it
// covers, and emits RUNNING before the stream's first record (or its COMPLETE, for an empty stream).
import type { LogLevel } from '../log.js';
import type { ReadEvent } from '../pipeline/events.js';
import type { SourceContext } from '../pipeline/sourceContext.js';
import type { StreamState } from '../state/streamState.js';
import type { Semaphore } from '../util/concurrency.js';
import { CheckpointClock } from './checkpointClock.js';
import type { SyncProgress } from './progress.js';
import type { OutputQueue } from '../util/outputQueue.js';

export interface OutputSettings {
  checkpointRecords: number;
  checkpointIntervalMs: number;
  maxRetries: number;
  readConcurrency: number;
}

export class StreamOutput {
  private readonly clock: CheckpointClock;
  private running = false;

  constructor(
    private readonly stream: string,
    private readonly queue: OutputQueue,
    settings: OutputSettings,
    private readonly progress: SyncProgress,
  ) {
    this.clock = new CheckpointClock(settings.checkpointRecords, settings.checkpointIntervalMs);
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
      let bytes = 0;
      for (const text of records) bytes += text.length;
      chunk.push({ type: 'records', stream: this.stream, texts: records, emittedAt: Date.now() });
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

  /** Ends the stream: RUNNING first if no record came (a stream is never COMPLETE without having run). */
  finish(status: 'COMPLETE' | 'INCOMPLETE', extra: ReadEvent[] = []): Promise<void> {
    const chunk: ReadEvent[] = [];
    this.progress.finish(this.stream);
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
