// One stream in DynamoDB Streams mode. First sync: record the stream and its shards (STATE), snapshot the table
// with the resumable parallel scan, then read the stream from those shards, so every change made during the scan
// is delivered after the snapshot. Later syncs read only the stream, parents before children, each shard from the
// last sequence number emitted. A sync is bounded: closed shards to their end, open shards until they are caught up
// or the time limit passes.
import type { TableDescription } from '@aws-sdk/client-dynamodb';
import { GetRecordsCommand, type DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { awsErrorName } from '../aws/errors.js';
import { withRetry, sleep } from '../aws/retry.js';
import { configError } from '../errors/ConnectorError.js';
import { recordMessage, streamStateMessage, streamStatusMessage } from '../protocol/airbyte/build.js';
import { RawJson, type Message } from '../protocol/airbyte/messages.js';
import { CheckpointClock } from '../read/checkpointClock.js';
import { readScanStream, type ScanContext, type ScanOutcome } from '../scan/scanStream.js';
import { stateToJson, type CdcState, type StreamState } from '../state/streamState.js';
import { mapConcurrent } from '../util/concurrency.js';
import { changeToJson, snapshotColumnsJson } from './changeRecord.js';
import { reconcileShards, readyShards, shardsAtSnapshot } from './shardTree.js';
import { listShards, shardIterator, type StreamsContext } from './streamApi.js';

/** Consecutive empty GetRecords pages after which an open shard counts as caught up (open shards can return
 *  empty pages mid-life, so one is not proof). */
const EMPTY_PAGES_WHEN_CAUGHT_UP = 3;
const EMPTY_PAGE_PAUSE_MS = 200;
/** GetRecords returns at most 1000 records per call. */
const GET_RECORDS_LIMIT = 1000;

export interface CdcSettings {
  onDataLoss: 'fail' | 'resnapshot' | 'export';
  maxStreamReadMs: number;
}

export interface CdcPlan {
  stream: string;
  table: TableDescription;
  state: StreamState;
  segmentsForNewScan: number;
}

class DataLossError extends Error {}

const enableCommand = (table: string) =>
  `aws dynamodb update-table --table-name ${table} --stream-specification StreamEnabled=true,StreamViewType=NEW_AND_OLD_IMAGES`;

/** Why a table's stream cannot serve CDC, or undefined when it can. */
export function streamProblem(table: TableDescription): string | undefined {
  const spec = table.StreamSpecification;
  if (!spec?.StreamEnabled || !table.LatestStreamArn) return `table ${table.TableName} has no DynamoDB stream enabled (fix: ${enableCommand(table.TableName!)})`;
  if (spec.StreamViewType !== 'NEW_IMAGE' && spec.StreamViewType !== 'NEW_AND_OLD_IMAGES') {
    return `the stream of table ${table.TableName} has view type ${spec.StreamViewType}, which has no full rows; it needs NEW_IMAGE or NEW_AND_OLD_IMAGES (fix: disable the stream, then ${enableCommand(table.TableName!)})`;
  }
  return undefined;
}

export async function readCdcStream(ctx: ScanContext, streams: DynamoDBStreamsClient, settings: CdcSettings, plan: CdcPlan): Promise<ScanOutcome> {
  const { stream } = plan;
  const tableName = plan.table.TableName!;
  const problem = streamProblem(plan.table);
  const streamArn = plan.table.LatestStreamArn;
  if (problem !== undefined || streamArn === undefined) {
    throw configError(`Stream ${stream} is incremental in DynamoDB Streams mode, but ${problem}. Then reset the stream.`, { stream });
  }
  const sctx: StreamsContext = { streams, log: ctx.log, maxRetries: ctx.settings.maxRetries };
  const status = { running: false };
  let state = plan.state;
  const checkpoints = new CheckpointClock(ctx.settings.checkpointRecords, ctx.settings.checkpointIntervalMs);

  const emitState = async (next: StreamState) => {
    state = next;
    await ctx.queue.push([streamStateMessage(stream, stateToJson(state), checkpoints.take())]);
  };

  if (state.cdc !== null && state.cdc.stream_arn !== streamArn) {
    throw configError(
      `The DynamoDB stream of table ${tableName} changed since the last sync (it was disabled and enabled again: ${state.cdc.stream_arn} → ${streamArn}); changes in between may be lost. Reset the stream ${stream} to take a new snapshot.`,
      { stream },
    );
  }

  // Record the position before anything is scanned: no change made during the snapshot can be missed.
  const startSnapshot = async (generation: number) => {
    const { shards } = await listShards(sctx, streamArn);
    const cdc: CdcState = { stream_arn: streamArn, generation, snapshot_done: false, shards: shardsAtSnapshot(shards) };
    await emitState({ ...state, scan: null, cursor: null, cdc });
    ctx.log('INFO', `Stream ${stream}: snapshot generation ${generation} starts; ${shards.length} shards recorded.`);
  };
  if (state.cdc === null) await startSnapshot(0);

  for (;;) {
    const cdc = state.cdc as CdcState;
    if (!cdc.snapshot_done) {
      const snapshotFinished = (s: StreamState): StreamState => ({ ...s, scan: null, cdc: { ...cdc, snapshot_done: true } });
      const outcome = await readScanStream(ctx, {
        stream,
        table: tableName,
        syncMode: 'incremental',
        cursorField: undefined,
        state,
        segmentsForNewScan: plan.segmentsForNewScan,
        status,
        recordSuffix: snapshotColumnsJson(cdc.generation, new Date()),
        completeState: snapshotFinished,
      });
      if (outcome === 'interrupted') return outcome;
      state = snapshotFinished(state);
    }
    try {
      return await readChanges();
    } catch (err) {
      if (!(err instanceof DataLossError)) throw err;
      if (settings.onDataLoss === 'fail') {
        ctx.log('WARN', `Stream ${stream}: ${err.message}`);
        throw configError(
          `Stream ${stream}: ${err.message}. Changes were lost. Reset the stream to take a new snapshot, or set replication.on_data_loss to "resnapshot".`,
          { stream },
        );
      }
      ctx.log('WARN', `Stream ${stream}: ${err.message}. Changes were lost; taking a new snapshot as replication.on_data_loss asks.`);
      await startSnapshot(cdc.generation + 1);
    }
  }

  async function readChanges(): Promise<ScanOutcome> {
    const deadline = Date.now() + settings.maxStreamReadMs;
    const listing = await listShards(sctx, streamArn as string);
    if (listing.status === 'DISABLED' || listing.status === 'DISABLING') {
      throw configError(`The DynamoDB stream of table ${tableName} is disabled. Enable it again (${enableCommand(tableName)}) and reset the stream ${stream}.`, { stream });
    }
    const cdc = state.cdc as CdcState;
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
    const stateNow = (): StreamState => ({ ...state, cdc: { ...cdc, snapshot_done: true, shards: structuredClone(shards) } });

    const readShard = async (shardId: string) => {
      const shard = shards[shardId]!;
      let iterator = await iteratorFor(shardId, shard.last_sequence);
      let emptyPages = 0;
      while (iterator !== undefined) {
        if (stop.signal.aborted || ctx.interrupt.aborted || Date.now() > deadline) return;
        let page;
        try {
          const current = iterator;
          page = await ctx.scanPermits.use(() =>
            withRetry(() => streams.send(new GetRecordsCommand({ ShardIterator: current, Limit: GET_RECORDS_LIMIT })), {
              what: `GetRecords of ${shardId}`,
              log: ctx.log,
              maxRetries: ctx.settings.maxRetries,
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
        const records = page.Records ?? [];
        const chunk: Message[] = [];
        if (!status.running) {
          status.running = true;
          chunk.push(streamStatusMessage(stream, 'RUNNING'));
        }
        const emittedAt = Date.now();
        for (const record of records) {
          chunk.push(recordMessage(stream, new RawJson(changeToJson(record, cdc.generation)), emittedAt));
          shard.last_sequence = record.dynamodb?.SequenceNumber ?? shard.last_sequence;
        }
        checkpoints.addRecords(records.length);
        iterator = page.NextShardIterator;
        if (iterator === undefined) shard.finished = true; // a closed shard read to its end
        const due = records.length > 0 || shard.finished;
        if (due && (shard.finished || checkpoints.isDue())) {
          chunk.push(streamStateMessage(stream, stateToJson(stateNow()), checkpoints.take()));
        }
        await ctx.queue.push(chunk);
        if (records.length > 0) emptyPages = 0;
        else if (++emptyPages >= EMPTY_PAGES_WHEN_CAUGHT_UP && !closedShards.has(shardId)) return; // an open shard that is caught up
        else if (iterator !== undefined) await sleep(EMPTY_PAGE_PAUSE_MS);
      }
    };

    const iteratorFor = async (shardId: string, after: string | null) => {
      try {
        return await shardIterator(sctx, streamArn as string, shardId, after);
      } catch (err) {
        const name = awsErrorName(err);
        if (name === 'TrimmedDataAccessException' || name === 'ResourceNotFoundException') {
          throw new DataLossError(`shard ${shardId} can no longer be read from ${after === null ? 'its start' : `sequence ${after}`} (${name})`);
        }
        throw err;
      }
    };

    // Rounds: every ready shard is read; a parent read to its end makes its children ready for the next round.
    for (;;) {
      if (ctx.interrupt.aborted || Date.now() > deadline) break;
      const ready = readyShards(shards).filter((id) => !attempted.has(id));
      if (ready.length === 0) break;
      for (const id of ready) attempted.add(id);
      await mapConcurrent(ready, ctx.settings.readConcurrency, (id) =>
        readShard(id).catch((err: unknown) => {
          failure ??= err;
          stop.abort();
        }),
      );
      if (failure !== undefined) throw failure;
    }
    if (!status.running) await ctx.queue.push([streamStatusMessage(stream, 'RUNNING')]);
    await emitState(stateNow());
    if (Date.now() > deadline) ctx.log('INFO', `Stream ${stream}: stopped reading changes at the time limit; the next sync continues from here.`);
    return ctx.interrupt.aborted ? 'interrupted' : 'complete';
  }
}
