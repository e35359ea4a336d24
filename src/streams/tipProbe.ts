// Finds the first change written to an open shard after the sync began, without waiting for its rounded
// ApproximateCreationDateTime: a LATEST iterator taken at the start points just after every change that existed
// then, so the first record it ever returns is the first change made after the start. Polled rarely (a second
// reader of the shard; DynamoDB allows two) and only until it has found that record. Best effort: on any failure
// the probe stops and the time boundary alone decides.
import { withRetry } from '../aws/retry.js';
import type { Semaphore } from '../util/concurrency.js';
import { shardIteratorOfType, type StreamsContext } from './streamApi.js';
import type { StreamRecordsReader } from './wireGetRecords.js';

type ProbeContext = StreamsContext & { permits: Semaphore; reader: StreamRecordsReader };

/** The probe only wants sequence numbers. */
const NO_ROWS = { suffixOf: () => '' };

/** At most one probe read per shard this often. */
const PROBE_INTERVAL_MS = 1_000;

export class TipProbe {
  private iterator: string | undefined;
  private found: bigint | undefined;
  private nextPollAt = 0;

  private constructor(
    private readonly ctx: ProbeContext,
    private readonly shardId: string,
    iterator: string | undefined,
  ) {
    this.iterator = iterator;
  }

  static async start(ctx: ProbeContext, streamArn: string, shardId: string): Promise<TipProbe> {
    let iterator: string | undefined;
    try {
      iterator = await ctx.permits.use(() => shardIteratorOfType(ctx, streamArn, shardId, 'LATEST'));
    } catch (err) {
      ctx.log('DEBUG', `No LATEST iterator for ${shardId} (${(err as Error).message}); the time boundary alone applies.`);
    }
    return new TipProbe(ctx, shardId, iterator);
  }

  /** The first sequence number written after the start, once a poll has seen it. */
  firstSequenceAfterStart(): bigint | undefined {
    return this.found;
  }

  /** Reads the probe's iterator once, unless it found its record already or polled less than a second ago. */
  async poll(): Promise<void> {
    const iterator = this.iterator;
    if (this.found !== undefined || iterator === undefined || Date.now() < this.nextPollAt) return;
    this.nextPollAt = Date.now() + PROBE_INTERVAL_MS;
    try {
      const page = await this.ctx.permits.use(() =>
        withRetry(() => this.ctx.reader.getRecords(iterator, 1, NO_ROWS), {
          what: `GetRecords (LATEST) of ${this.shardId}`,
          log: this.ctx.log,
          maxRetries: this.ctx.maxRetries,
        }),
      );
      const sequence = page.changes[0]?.sequenceNumber;
      if (sequence !== undefined) this.found = BigInt(sequence);
      this.iterator = sequence !== undefined ? undefined : page.nextShardIterator;
    } catch (err) {
      this.iterator = undefined;
      this.ctx.log('DEBUG', `The LATEST probe of ${this.shardId} stopped (${(err as Error).message}); the time boundary alone applies.`);
    }
  }
}
