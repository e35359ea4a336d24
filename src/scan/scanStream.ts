// Reads one stream with a parallel Scan: workers take segments from ScanProgress, every Scan request holds a
// permit of the sync-wide semaphore, and each page goes to the output queue as one chunk — its records followed,
// when a checkpoint is due, by the STATE that covers them. Serves full refresh and incremental-by-cursor alike:
// the cursor adds a filter and a running maximum that is committed only when every segment is finished.
import { ScanCommand, type AttributeValue, type DynamoDBClient, type ScanCommandInput } from '@aws-sdk/client-dynamodb';
import { toConnectorError } from '../aws/errors.js';
import { withRetry } from '../aws/retry.js';
import { itemToJson } from '../convert/attributeValue.js';
import { keyToWire, wireToKey } from '../convert/keyCodec.js';
import type { Logger } from '../log.js';
import { recordMessage, streamStateMessage, streamStatusMessage } from '../protocol/airbyte/build.js';
import { RawJson, type Message, type SyncMode } from '../protocol/airbyte/messages.js';
import { stateToJson, type CursorValue, type StreamState } from '../state/streamState.js';
import type { Semaphore } from '../util/concurrency.js';
import { CheckpointClock } from '../read/checkpointClock.js';
import { cursorOf, cursorType, formatCursor, isGreaterCursor } from './cursor.js';
import type { OutputQueue } from '../read/outputQueue.js';
import { newScan, ScanProgress } from './scanProgress.js';

export interface ScanSettings {
  consistentRead: boolean;
  pageSize: number | undefined;
  maxRetries: number;
  readConcurrency: number;
  checkpointIntervalMs: number;
  checkpointRecords: number;
}

export interface ScanContext {
  client: DynamoDBClient;
  queue: OutputQueue;
  scanPermits: Semaphore;
  log: Logger;
  settings: ScanSettings;
  /** Aborted on SIGTERM/SIGINT: workers stop after the page in hand and the stream checkpoints. */
  interrupt: AbortSignal;
}

export interface ScanPlan {
  stream: string;
  table: string;
  syncMode: SyncMode;
  /** Top-level attribute for incremental syncs. */
  cursorField: string | undefined;
  state: StreamState;
  /** TotalSegments for a new scan (a resumed scan keeps its stored number). */
  segmentsForNewScan: number;
  /** Shared with the caller: whether RUNNING was emitted for this stream in this sync. */
  status: { running: boolean };
  /** JSON members appended to every record (CDC snapshot metadata), starting with a comma. */
  recordSuffix?: string;
  /** Turns the state of the finished scan into the stream's next state (CDC: the snapshot is done). */
  completeState?: (state: StreamState) => StreamState;
}

export type ScanOutcome = 'complete' | 'interrupted';

export async function readScanStream(ctx: ScanContext, plan: ScanPlan): Promise<ScanOutcome> {
  const { stream, table } = plan;
  const committed = plan.state.cursor?.value ?? null;
  const resumed = plan.state.scan !== null;
  const progress = new ScanProgress(plan.state.scan ?? newScan(plan.segmentsForNewScan, committed));
  if (resumed) {
    ctx.log('INFO', `Resuming the scan of ${table}: ${progress.totalSegments} segments, position from the last state.`);
  }
  const lowerBound = progress.cursorLowerBound;
  // The cursor's type is fixed by the committed value, or by the first value this scan sees.
  let trackedType = lowerBound ? cursorType(lowerBound) : progress.maxCursorSeen ? cursorType(progress.maxCursorSeen) : undefined;
  let otherTypeCount = 0;

  const checkpoints = new CheckpointClock(ctx.settings.checkpointRecords, ctx.settings.checkpointIntervalMs);
  const stop = new AbortController(); // first failing worker stops its siblings
  let failure: unknown;

  const stateMessage = (): Message => {
    const state: StreamState = progress.isComplete()
      ? (plan.completeState ?? ((x) => x))(completedState(plan, progress.maxCursorSeen, committed))
      : { ...plan.state, scan: progress.snapshot(), cursor: committed ? { field: plan.cursorField as string, value: committed } : null };
    return streamStateMessage(stream, stateToJson(state), checkpoints.take());
  };

  const baseInput: ScanCommandInput = {
    TableName: table,
    TotalSegments: progress.totalSegments,
    ConsistentRead: ctx.settings.consistentRead,
    ...(ctx.settings.pageSize !== undefined ? { Limit: ctx.settings.pageSize } : {}),
    ...(lowerBound !== null && plan.cursorField !== undefined
      ? {
          FilterExpression: '#cursor > :last',
          ExpressionAttributeNames: { '#cursor': plan.cursorField },
          ExpressionAttributeValues: { ':last': lowerBound as AttributeValue },
        }
      : {}),
  };

  const worker = async () => {
    for (let assignment = progress.nextSegment(); assignment; assignment = progress.nextSegment()) {
      const { segment } = assignment;
      let startKey = assignment.startKey ? wireToKey(assignment.startKey) : undefined;
      do {
        if (stop.signal.aborted || ctx.interrupt.aborted) return;
        const input: ScanCommandInput = { ...baseInput, Segment: segment, ExclusiveStartKey: startKey };
        const page = await ctx.scanPermits.use(() =>
          withRetry(() => ctx.client.send(new ScanCommand(input)), {
            what: `Scan of ${table} segment ${segment}/${progress.totalSegments}`,
            log: ctx.log,
            maxRetries: ctx.settings.maxRetries,
          }),
        );
        const emittedAt = Date.now();
        const items = page.Items ?? [];
        const chunk: Message[] = [];
        if (!plan.status.running) {
          plan.status.running = true;
          chunk.push(streamStatusMessage(stream, 'RUNNING'));
        }
        for (const item of items) {
          chunk.push(recordMessage(stream, new RawJson(itemToJson(item, plan.recordSuffix)), emittedAt));
          if (plan.cursorField !== undefined) {
            const value = cursorOf(item[plan.cursorField]);
            if (value === undefined) continue;
            trackedType ??= cursorType(value);
            if (cursorType(value) === trackedType) progress.noteCursor(value, isGreaterCursor);
            else otherTypeCount++;
          }
        }
        checkpoints.addRecords(items.length);
        startKey = page.LastEvaluatedKey;
        // Bookkeeping and enqueueing happen in the same tick, so any STATE built from here on covers these records.
        progress.pageDone(segment, startKey ? keyToWire(startKey) : undefined);
        if (checkpoints.isDue()) chunk.push(stateMessage());
        await ctx.queue.push(chunk);
      } while (startKey !== undefined);
    }
  };

  const workers = Math.min(ctx.settings.readConcurrency, progress.totalSegments);
  await Promise.all(
    Array.from({ length: workers }, () =>
      worker().catch((err: unknown) => {
        failure ??= err;
        stop.abort();
      }),
    ),
  );

  if (otherTypeCount > 0 && trackedType !== undefined) {
    ctx.log(
      'WARN',
      `${otherTypeCount} items of ${table} have a ${plan.cursorField} of another type than the cursor (${trackedType === 'S' ? 'string' : 'number'}): they were emitted, do not move the cursor, and later syncs skip them.`,
    );
  }
  // Always leave a STATE that covers everything emitted, so a failed or interrupted stream resumes from here.
  const finalState = stateMessage();
  await ctx.queue.push([finalState]);
  if (failure !== undefined) throw toConnectorError(failure, 'dynamodb:Scan', `table ${table}`, stream);
  if (!progress.isComplete()) return 'interrupted';
  if (plan.cursorField !== undefined) {
    const value = completedState(plan, progress.maxCursorSeen, committed).cursor?.value;
    ctx.log('INFO', `Stream ${stream} finished; cursor ${plan.cursorField} is now ${value ? formatCursor(value) : 'unset (no values seen)'}.`);
  }
  return 'complete';
}

function completedState(plan: ScanPlan, maxSeen: CursorValue | null, committed: CursorValue | null): StreamState {
  if (plan.cursorField === undefined) return { ...plan.state, scan: null, cursor: null };
  // The filter only returns values above the committed cursor, so the maximum seen (when any) is the new cursor.
  const value = maxSeen ?? committed;
  return { ...plan.state, scan: null, cursor: value ? { field: plan.cursorField, value } : null };
}
