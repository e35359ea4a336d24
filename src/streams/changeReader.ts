// Reads the changes of one table's DynamoDB stream after its snapshot: shards in parent-before-child rounds, each
// from the last sequence number emitted. A sync is bounded by its own start: closed shards are read to their end,
// open shards up to the first change made after the sync began (syncBoundary.ts), or until they are caught up.
// max_stream_read_seconds is only a safety net.
//
// Empty pages. An open shard can answer empty pages in the middle of its life while its iterator moves on, so
// empty pages are only taken as "caught up" when nothing says otherwise: never while the LATEST probe knows of a
// change after the start that has not been reached yet (there are records ahead), and never for pages a previous
// sync already read empty. Shard iterators expire after 15 minutes, so a stored iterator would rarely survive
// until the next sync; sequence numbers are durable. The resume point therefore stays last_sequence, and the
// shard state counts the empty pages read past it (empty_pages): the next sync replays those pages without pause
// and without counting them, then allows EMPTY_PAGES_WHEN_CAUGHT_UP fresh ones. Every sync that stops on empty
// pages thus reads further than the one before, and the count is dropped as soon as a record is emitted.
import type { TableDescription } from '@aws-sdk/client-dynamodb';
import type { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { awsErrorName } from '../aws/errors.js';
import { withRetry, sleep } from '../aws/retry.js';
import type { ChangeMeta, GetRecordsPage } from '../convert/streamRecordsPage.js';
import { configError } from '../errors/ConnectorError.js';
import type { CdcColumns } from '../pipeline/cdcColumns.js';
import type { SourceContext } from '../pipeline/sourceContext.js';
import type { CdcState, StreamState } from '../state/streamState.js';
import { mapConcurrent } from '../util/concurrency.js';
import { totalLength } from '../util/texts.js';
import { changeRowFraming } from './changeRecord.js';
import { reconcileShards, readyShards } from './shardTree.js';
import { listShards, shardIterator, type StreamsContext } from './streamApi.js';
import { recordsBeforeBoundary, START_MARGIN_MS } from './syncBoundary.js';
import { TipProbe } from './tipProbe.js';
import { createStreamRecordsReader, type StreamRecordsReader } from './wireGetRecords.js';

/** Fresh consecutive empty GetRecords pages (beyond those a previous sync read) after which an open shard with no
 *  known change ahead counts as caught up. */
const EMPTY_PAGES_WHEN_CAUGHT_UP = 3;
const EMPTY_PAGE_PAUSE_MS = 200;
/** GetRecords returns at most 1000 records per call. */
const GET_RECORDS_LIMIT = 1000;

/** The last sequence number among the first `count` changes (undefined when none has one). A function of its own,
 *  as is totalLength: a loop over a page's records inside readShard would make V8 optimize that whole function (and
 *  again after each deoptimization), compile work that costs more CPU than the loop itself. */
function lastSequence(changes: readonly ChangeMeta[], count: number): string | undefined {
  for (let i = count - 1; i >= 0; i--) {
    const sequence = changes[i]!.sequenceNumber;
    if (sequence !== undefined) return sequence;
  }
  return undefined;
}

/** The stream no longer holds changes the last sync had not read. */
export class DataLossError extends Error {}

export const enableStreamCommand = (table: string) =>
  `aws dynamodb update-table --table-name ${table} --stream-specification StreamEnabled=true,StreamViewType=NEW_AND_OLD_IMAGES`;

/** Why a table's stream cannot serve CDC, or undefined when it can. */
export function streamProblem(table: TableDescription): string | undefined {
  const spec = table.StreamSpecification;
  if (!spec?.StreamEnabled || !table.LatestStreamArn) return `table ${table.TableName} has no DynamoDB stream enabled (fix: ${enableStreamCommand(table.TableName!)})`;
  if (spec.StreamViewType !== 'NEW_IMAGE' && spec.StreamViewType !== 'NEW_AND_OLD_IMAGES') {
    return `the stream of table ${table.TableName} has view type ${spec.StreamViewType}, which has no full rows; it needs NEW_IMAGE or NEW_AND_OLD_IMAGES (fix: disable the stream, then ${enableStreamCommand(table.TableName!)})`;
  }
  return undefined;
}

export interface ChangePlan {
  stream: string;
  tableName: string;
  streamArn: string;
  /** The stream's state; its cdc part is set and its snapshot done. */
  state: StreamState;
  maxStreamReadMs: number;
  columns: CdcColumns;
  omit?: ReadonlySet<string>;
}

export type ChangeOutcome = 'complete' | 'interrupted';

/** Throws DataLossError when the stream lost changes the state had not read yet. */
export async function readChanges(ctx: SourceContext, streams: DynamoDBStreamsClient, plan: ChangePlan): Promise<ChangeOutcome> {
  const reader = createStreamRecordsReader(streams);
  try {
    return await readChangesWith(ctx, streams, reader, plan);
  } finally {
    reader.destroy();
  }
}

async function readChangesWith(ctx: SourceContext, streams: DynamoDBStreamsClient, reader: StreamRecordsReader, plan: ChangePlan): Promise<ChangeOutcome> {
  const { stream, tableName, streamArn } = plan;
  const sctx: StreamsContext = { streams, log: ctx.log, maxRetries: ctx.maxRetries };
  const startedAt = Date.now();
  const deadline = startedAt + plan.maxStreamReadMs;
  const listing = await listShards(sctx, streamArn);
  if (listing.status === 'DISABLED' || listing.status === 'DISABLING') {
    throw configError(`The DynamoDB stream of table ${tableName} is disabled. Enable it again (${enableStreamCommand(tableName)}) and reset the stream ${stream}.`, { stream });
  }
  const cdc = plan.state.cdc as CdcState;
  const reconciled = reconcileShards(cdc.shards, listing.shards);
  if (reconciled.lost.length > 0) {
    throw new DataLossError(`shard(s) ${reconciled.lost.join(', ')} expired before they were read to the end (the stream keeps changes 24 hours)`);
  }
  const shards = reconciled.shards;
  const attempted = new Set<string>();
  // Only open shards stop at the sync's start or at "caught up": a closed shard holds a bounded set of changes,
  // its children wait for it, so it is read until DynamoDB ends it (or the time limit).
  const closedShards = new Set(listing.shards.filter((s) => s.closed).map((s) => s.id));
  // The first failing shard stops its siblings, and the error goes up only once they have stopped: a reader left
  // running would keep emitting records and STATEs of this generation after a re-snapshot started.
  const stop = new AbortController();
  let failure: unknown;
  const position = (): StreamState => ({ ...plan.state, cdc: { ...cdc, snapshot_done: true, shards: structuredClone(shards) } });
  /** Changes read this sync, per shard: the ESTIMATE of the change part. */
  const seen = new Map<string, { rows: number; bytes: number }>();
  const stoppedAtStart: string[] = [];

  const iteratorFor = async (shardId: string, after: string | null) => {
    try {
      return await shardIterator(sctx, streamArn, shardId, after);
    } catch (err) {
      const name = awsErrorName(err);
      if (name === 'TrimmedDataAccessException' || name === 'ResourceNotFoundException') {
        throw new DataLossError(`shard ${shardId} can no longer be read from ${after === null ? 'its start' : `sequence ${after}`} (${name})`);
      }
      throw err;
    }
  };

  const readShard = async (shardId: string) => {
    const shard = shards[shardId]!;
    const open = !closedShards.has(shardId);
    const probe = open ? await TipProbe.start({ ...sctx, permits: ctx.permits, reader }, streamArn, shardId) : undefined;
    const boundary = { cutoffMs: startedAt + START_MARGIN_MS, firstSequenceAfterStart: () => probe?.firstSequenceAfterStart() };
    const count = { rows: 0, bytes: 0 };
    seen.set(shardId, count);
    const rows = changeRowFraming(cdc.generation, plan.columns, plan.omit);
    let iterator = await iteratorFor(shardId, shard.last_sequence);
    // Empty pages past last_sequence: those a previous sync already read, and those read since (replays included).
    let knownEmpty = shard.empty_pages ?? 0;
    let emptyRun = 0;
    const fetchPage = (current: string) =>
      ctx.permits.use(() =>
        withRetry(() => reader.getRecords(current, GET_RECORDS_LIMIT, rows), {
          what: `GetRecords of ${shardId}`,
          log: ctx.log,
          maxRetries: ctx.maxRetries,
        }),
      );
    // While changes are flowing, the next page is asked for as soon as a page has come, before its rows are written
    // out: DynamoDB prepares it meanwhile (most of a page's time), so a shard's pages come faster. Still one request
    // in flight per shard; a page read ahead and then not wanted (the sync stops at its start, or is stopped) is
    // dropped, its failure with it. An iterator that expired meanwhile is renewed after the last change emitted.
    let ahead: Promise<GetRecordsPage> | undefined;
    const readAhead = (next: string) => {
      ahead = fetchPage(next);
      ahead.catch(() => undefined);
    };
    while (iterator !== undefined) {
      if (stop.signal.aborted || ctx.interrupt.aborted || Date.now() > deadline) return;
      let page;
      try {
        page = await (ahead ?? fetchPage(iterator));
        ahead = undefined;
      } catch (err) {
        ahead = undefined;
        if (awsErrorName(err) === 'ExpiredIteratorException') {
          ctx.log('INFO', `Shard iterator of ${shardId} expired; getting a new one after sequence ${shard.last_sequence ?? '(start)'}.`);
          iterator = await iteratorFor(shardId, shard.last_sequence);
          // The new iterator starts at last_sequence again: the empty pages read so far are replayed, not fresh.
          knownEmpty = Math.max(knownEmpty, emptyRun);
          emptyRun = 0;
          continue;
        }
        if (awsErrorName(err) === 'TrimmedDataAccessException') throw new DataLossError(`shard ${shardId} was trimmed past the last change read`);
        throw err;
      }
      const changes = page.changes;
      // Records of an open shard made after the sync began are left, with the position before them, for the next sync.
      const kept = open ? recordsBeforeBoundary(changes, boundary) : changes.length;
      const records = page.records(kept);
      shard.last_sequence = lastSequence(changes, kept) ?? shard.last_sequence;
      if (kept > 0) {
        knownEmpty = 0;
        emptyRun = 0;
        delete shard.empty_pages;
        count.rows += kept;
        count.bytes += totalLength(records);
      }
      if (kept < changes.length) {
        stoppedAtStart.push(shardId);
        if (records.length > 0) await ctx.emit(records, position, 'if-due');
        return;
      }
      iterator = page.nextShardIterator;
      if (iterator !== undefined && changes.length > 0) readAhead(iterator);
      if (iterator === undefined) {
        shard.finished = true; // a closed shard read to its end
        delete shard.empty_pages;
      } else if (changes.length === 0) {
        emptyRun++;
        if (emptyRun > knownEmpty) shard.empty_pages = emptyRun;
      }
      // A finished shard is checkpointed at once: its children may be read from now on.
      if (records.length > 0 || shard.finished) await ctx.emit(records, position, shard.finished ? 'now' : 'if-due');
      if (iterator === undefined || changes.length > 0) {
        await probe?.poll();
        continue;
      }
      const fresh = emptyRun - knownEmpty;
      if (fresh <= 0) continue; // a page a previous sync already read empty: go on at once
      await probe?.poll();
      const changeAhead = probe?.firstSequenceAfterStart() !== undefined;
      if (open && !changeAhead && fresh >= EMPTY_PAGES_WHEN_CAUGHT_UP) return; // an open shard that is caught up
      await sleep(EMPTY_PAGE_PAUSE_MS);
    }
  };

  // Rounds: every ready shard is read; a parent read to its end makes its children ready for the next round.
  for (;;) {
    if (ctx.interrupt.aborted || Date.now() > deadline) break;
    const ready = readyShards(shards).filter((id) => !attempted.has(id));
    if (ready.length === 0) break;
    for (const id of ready) attempted.add(id);
    await mapConcurrent(ready, ctx.readConcurrency, (id) =>
      readShard(id).catch((err: unknown) => {
        failure ??= err;
        stop.abort();
      }),
    );
    if (failure !== undefined) throw failure;
  }
  // Neither the time limit nor an interrupt cut the rounds short: every change made before this sync began is read.
  const caughtUp = !ctx.interrupt.aborted && Date.now() <= deadline;
  const readUntil = new Date(startedAt).toISOString();
  await ctx.emit([], caughtUp ? () => { const s = position(); return { ...s, cdc: { ...s.cdc!, read_until: readUntil } }; } : position, 'now');
  const perShard = [...seen].filter(([, c]) => c.rows > 0);
  const rows = perShard.reduce((sum, [, c]) => sum + c.rows, 0);
  if (rows > 0) {
    await ctx.estimate?.(rows, perShard.reduce((sum, [, c]) => sum + c.bytes, 0));
    ctx.log('INFO', `Stream ${stream}: ${rows} changes read (${perShard.map(([id, c]) => `${id}: ${c.rows}`).join(', ')}).`);
  }
  const seconds = ((Date.now() - startedAt) / 1000).toFixed(1);
  if (Date.now() > deadline) ctx.log('INFO', `Stream ${stream}: stopped reading changes at the time limit after ${seconds} s; the next sync continues from here.`);
  else if (stoppedAtStart.length > 0) ctx.log('INFO', `Stream ${stream}: read every change made before the sync began in ${seconds} s; later changes are left for the next sync.`);
  return ctx.interrupt.aborted ? 'interrupted' : 'complete';
}
