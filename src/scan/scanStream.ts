// Reads one table with a parallel Scan: workers take segments from ScanProgress, every Scan request holds a permit
// of the sync-wide semaphore, and each page goes to the orchestrator with the position right after it. Serves full
// refresh, incremental-by-cursor and the snapshots of change data capture alike: the cursor adds a filter and a
// running maximum that is committed only when every segment is finished.
import { ScanCommand, type AttributeValue, type DynamoDBClient, type ScanCommandInput } from '@aws-sdk/client-dynamodb';
import { toConnectorError } from '../aws/errors.js';
import { withRetry } from '../aws/retry.js';
import { itemToJson } from '../convert/attributeValue.js';
import { keyToWire, wireToKey } from '../convert/keyCodec.js';
import type { SourceContext } from '../pipeline/sourceContext.js';
import type { CursorValue, StreamState } from '../state/streamState.js';
import { cursorOf, cursorType, formatCursor, isGreaterCursor } from './cursor.js';
import { projectionOf } from './projection.js';
import { newScan, ScanProgress } from './scanProgress.js';

export interface ScanSettings {
  consistentRead: boolean;
  pageSize: number | undefined;
}

export interface ScanPlan {
  /** The stream name, for errors and logs. */
  stream: string;
  table: string;
  /** Top-level attribute for incremental syncs. */
  cursorField: string | undefined;
  state: StreamState;
  /** TotalSegments for a new scan (a resumed scan keeps its stored number). */
  segmentsForNewScan: number;
  /** JSON members appended to every record (CDC snapshot metadata), starting with a comma. */
  recordSuffix?: string;
  /** Top-level attributes dropped from every record. */
  omit?: ReadonlySet<string>;
  /** Only these attributes are read (a ProjectionExpression); every attribute when undefined. */
  project?: readonly string[];
  /** Turns the state of the finished scan into the stream's next state (CDC: the snapshot is done). */
  completeState?: (state: StreamState) => StreamState;
}

export type ScanOutcome = 'complete' | 'interrupted';

export async function readScanStream(ctx: SourceContext, client: DynamoDBClient, settings: ScanSettings, plan: ScanPlan): Promise<ScanOutcome> {
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

  const stop = new AbortController(); // first failing worker stops its siblings
  let failure: unknown;

  const position = (): StreamState =>
    progress.isComplete()
      ? (plan.completeState ?? ((x) => x))(completedState(plan, progress.maxCursorSeen, committed))
      : { ...plan.state, scan: progress.snapshot(), cursor: committed ? { field: plan.cursorField as string, value: committed } : null };

  const baseInput: ScanCommandInput = {
    TableName: table,
    TotalSegments: progress.totalSegments,
    ConsistentRead: settings.consistentRead,
    ...(settings.pageSize !== undefined ? { Limit: settings.pageSize } : {}),
    ...expressionsOf(plan, lowerBound),
  };

  const worker = async () => {
    for (let assignment = progress.nextSegment(); assignment; assignment = progress.nextSegment()) {
      const { segment } = assignment;
      let startKey = assignment.startKey ? wireToKey(assignment.startKey) : undefined;
      do {
        if (stop.signal.aborted || ctx.interrupt.aborted) return;
        const input: ScanCommandInput = { ...baseInput, Segment: segment, ExclusiveStartKey: startKey };
        const page = await ctx.permits.use(() =>
          withRetry(() => client.send(new ScanCommand(input)), {
            what: `Scan of ${table} segment ${segment}/${progress.totalSegments}`,
            log: ctx.log,
            maxRetries: ctx.maxRetries,
          }),
        );
        const items = page.Items ?? [];
        const records: string[] = new Array(items.length);
        for (let i = 0; i < items.length; i++) {
          const item = items[i]!;
          records[i] = itemToJson(item, plan.recordSuffix, plan.omit);
          if (plan.cursorField !== undefined) {
            const value = cursorOf(item[plan.cursorField]);
            if (value === undefined) continue;
            trackedType ??= cursorType(value);
            if (cursorType(value) === trackedType) progress.noteCursor(value, isGreaterCursor);
            else otherTypeCount++;
          }
        }
        startKey = page.LastEvaluatedKey;
        // Bookkeeping and handing over happen in the same tick, so any STATE built from here on covers these records.
        progress.pageDone(segment, startKey ? keyToWire(startKey) : undefined);
        await ctx.emit(records, position);
      } while (startKey !== undefined);
    }
  };

  const workers = Math.min(ctx.readConcurrency, progress.totalSegments);
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
  await ctx.emit([], position, 'now');
  if (failure !== undefined) throw toConnectorError(failure, 'dynamodb:Scan', `table ${table}`, stream);
  if (!progress.isComplete()) return 'interrupted';
  if (plan.cursorField !== undefined) {
    const value = completedState(plan, progress.maxCursorSeen, committed).cursor?.value;
    ctx.log('INFO', `Stream ${stream} finished; cursor ${plan.cursorField} is now ${value ? formatCursor(value) : 'unset (no values seen)'}.`);
  }
  return 'complete';
}

/** The filter of an incremental scan and the projection of a selection, sharing one ExpressionAttributeNames. */
function expressionsOf(plan: ScanPlan, lowerBound: CursorValue | null): Partial<ScanCommandInput> {
  const names: Record<string, string> = {};
  const out: Partial<ScanCommandInput> = {};
  if (lowerBound !== null && plan.cursorField !== undefined) {
    names['#cursor'] = plan.cursorField;
    out.FilterExpression = '#cursor > :last';
    out.ExpressionAttributeValues = { ':last': lowerBound as AttributeValue };
  }
  if (plan.project !== undefined) {
    const projection = projectionOf(plan.project);
    Object.assign(names, projection.names);
    out.ProjectionExpression = projection.expression;
  }
  if (Object.keys(names).length > 0) out.ExpressionAttributeNames = names;
  return out;
}

function completedState(plan: ScanPlan, maxSeen: CursorValue | null, committed: CursorValue | null): StreamState {
  if (plan.cursorField === undefined) return { ...plan.state, scan: null, cursor: null };
  // The filter only returns values above the committed cursor, so the maximum seen (when any) is the new cursor.
  const value = maxSeen ?? committed;
  return { ...plan.state, scan: null, cursor: value ? { field: plan.cursorField, value } : null };
}
