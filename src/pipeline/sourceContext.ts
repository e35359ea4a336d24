// The contract between the orchestrator (read/) and the sources that produce records (scan/, streams/, export/).
// A source hands over pages: the records it read (already JSON text) and a function that builds the stream's
// state right after them. The orchestrator decides when a checkpoint is due, stamps record counts, turns both into
// protocol events and applies back-pressure. Sources never import read/ or each other; they import this.
import type { Logger } from '../log.js';
import type { StreamState } from '../state/streamState.js';
import type { Semaphore } from '../util/concurrency.js';

/** When the position handed over with a page must be checkpointed. */
export type CheckpointWhen =
  /** When the checkpoint clock says so (records or time since the last STATE). */
  | 'if-due'
  /** At once: the position must be durable before the source goes on (a snapshot's start, a finished shard). */
  | 'now';

export interface SourceContext {
  /**
   * Emits a page of records, in order, with the position that covers them. Records and (when due) the STATE enter
   * the output together, so a STATE never goes out before the records it covers. Resolves once the output has room
   * again: that is how a slow destination slows the source down. The array is handed over as it is (it travels to
   * the writer as one batch): the source must not change it afterwards.
   */
  emit(records: readonly string[], position: () => StreamState, when?: CheckpointWhen): Promise<void>;
  /**
   * Optional: replaces the stream's size estimate (ESTIMATE) with what the source has learned while reading, e.g.
   * the changes a DynamoDB stream held. Without it the orchestrator's estimate from DescribeTable stands.
   */
  estimate?(rows: number, bytes: number): Promise<void>;
  /**
   * Optional: the stream has been waiting on throttling for a noticeable time, and the quota should be back at
   * `resetAt` (epoch ms); null: it reads at speed again. The source decides when (without flapping).
   */
  rateLimited?(resetAt: number | null): void;
  /** Optional: a request was answered, throttled or not (the progress line shows the throttled share). */
  answered?(throttled: boolean): void;
  log: Logger;
  /** Aborted on SIGTERM/SIGINT: stop after the page in hand. */
  interrupt: AbortSignal;
  /** Sync-wide cap on requests in flight, shared by every stream and every source. */
  permits: Semaphore;
  maxRetries: number;
  readConcurrency: number;
}
