// Reads the changes of one table's DynamoDB stream after its snapshot: shards in parent-before-child rounds, each
// from the last sequence number emitted. A sync is bounded: closed shards to their end, open shards until they are
// caught up or the time limit passes.
import type { TableDescription } from '@aws-sdk/client-dynamodb';
import { GetRecordsCommand, type DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { awsErrorName } from '../aws/errors.js';
import { withRetry, sleep } from '../aws/retry.js';
import { configError } from '../errors/ConnectorError.js';
import type { CdcColumns } from '../pipeline/cdcColumns.js';
import type { SourceContext } from '../pipeline/sourceContext.js';
import type { CdcState, StreamState } from '../state/streamState.js';
import { mapConcurrent } from '../util/concurrency.js';
import { changeToJson } from './changeRecord.js';
import { reconcileShards, readyShards } from './shardTree.js';
import { listShards, shardIterator, type StreamsContext } from './streamApi.js';

/** Consecutive empty GetRecords pages after which an open shard counts as caught up (open shards can return
 *  empty pages mid-life, so one is not proof). */
const EMPTY_PAGES_WHEN_CAUGHT_UP = 3;
const EMPTY_PAGE_PAUSE_MS = 200;
/** GetRecords returns at most 1000 records per call. */
const GET_RECORDS_LIMIT = 1000;

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
  const { stream, tableName, streamArn } = plan;
  const sctx: StreamsContext = { streams, log: ctx.log, maxRetries: ctx.maxRetries };
  const deadline = Date.now() + plan.maxStreamReadMs;
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
  // Only open shards stop at "caught up": a closed shard can return empty pages before its end, and its children
  // wait for it, so it is read until DynamoDB ends it (or the time limit).
  const closedShards = new Set(listing.shards.filter((s) => s.closed).map((s) => s.id));
  // The first failing shard stops its siblings, and the error goes up only once they have stopped: a reader left
  // running would keep emitting records and STATEs of this generation after a re-snapshot started.
  const stop = new AbortController();
  let failure: unknown;
  const position = (): StreamState => ({ ...plan.state, cdc: { ...cdc, snapshot_done: true, shards: structuredClone(shards) } });

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
    let iterator = await iteratorFor(shardId, shard.last_sequence);
    let emptyPages = 0;
    while (iterator !== undefined) {
      if (stop.signal.aborted || ctx.interrupt.aborted || Date.now() > deadline) return;
      let page;
      try {
        const current = iterator;
        page = await ctx.permits.use(() =>
          withRetry(() => streams.send(new GetRecordsCommand({ ShardIterator: current, Limit: GET_RECORDS_LIMIT })), {
            what: `GetRecords of ${shardId}`,
            log: ctx.log,
            maxRetries: ctx.maxRetries,
          }),
        );
      } catch (err) {
        if (awsErrorName(err) === 'ExpiredIteratorException') {
          ctx.log('INFO', `Shard iterator of ${shardId} expired; getting a new one after sequence ${shard.last_sequence ?? '(start)'}.`);
          iterator = await iteratorFor(shardId, shard.last_sequence);
          continue;
        }
        if (awsErrorName(err) === 'TrimmedDataAccessException') throw new DataLossError(`shard ${shardId} was trimmed past the last change read`);
        throw err;
      }
      const changes = page.Records ?? [];
      const records = changes.map((record) => changeToJson(record, cdc.generation, plan.columns, plan.omit));
      for (const record of changes) shard.last_sequence = record.dynamodb?.SequenceNumber ?? shard.last_sequence;
      iterator = page.NextShardIterator;
      if (iterator === undefined) shard.finished = true; // a closed shard read to its end
      // A finished shard is checkpointed at once: its children may be read from now on.
      if (records.length > 0 || shard.finished) await ctx.emit(records, position, shard.finished ? 'now' : 'if-due');
      if (records.length > 0) emptyPages = 0;
      else if (++emptyPages >= EMPTY_PAGES_WHEN_CAUGHT_UP && !closedShards.has(shardId)) return; // an open shard that is caught up
      else if (iterator !== undefined) await sleep(EMPTY_PAGE_PAUSE_MS);
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
  await ctx.emit([], position, 'now');
  if (Date.now() > deadline) ctx.log('INFO', `Stream ${stream}: stopped reading changes at the time limit; the next sync continues from here.`);
  return ctx.interrupt.aborted ? 'interrupted' : 'complete';
}
