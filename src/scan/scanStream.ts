// Reads one table with a parallel Scan: workers take segments from ScanProgress, every Scan request waits for the
// table's read budget, holds a permit of the sync-wide semaphore, goes out on the fast wire path (scan/wireScan.ts)
// and pays its measured cost; each page goes to the orchestrator with the position right after it. Serves full
// refresh, incremental-by-cursor and the snapshots of change data capture alike: the cursor adds a filter and a
// running maximum that is committed only when every segment is finished.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { toConnectorError } from '../aws/errors.js';
import { budgetLimitsOf, ReadBudgets } from '../aws/readBudget.js';
import { isThrottling, withRetry } from '../aws/retry.js';
import { ThrottleWatch } from '../aws/throttleWatch.js';
import type { WireKey } from '../convert/keyCodec.js';
import type { Config } from '../config/validate.js';
import { describeTable } from '../discovery/tables.js';
import type { Logger } from '../log.js';
import type { SourceContext } from '../pipeline/sourceContext.js';
import type { CursorValue, StreamState } from '../state/streamState.js';
import { cursorType, formatCursor, isGreaterCursor } from '../state/cursor.js';
import { projectionOf } from '../aws/projection.js';
import { newScan, ScanProgress } from './scanProgress.js';
import { createWireScanner, type WireScanner, type WireScanRequest } from './wireScan.js';

export interface ScanSettings {
  consistentRead: boolean;
  pageSize: number | undefined;
  /** Sends the Scans; shared by every scan of the sync (its kept-alive sockets too). */
  scanner: WireScanner;
  /** One read budget per table, shared by every scan of the sync. */
  budgets: ReadBudgets;
}

/** The scan settings of a sync; `close()` releases the scanner's sockets when the sync is over. */
export function scanSettingsFor(config: Config, client: DynamoDBClient, log: Logger): ScanSettings & { close(): void } {
  const consistentRead = config.consistent_read ?? false;
  const maxRetries = config.max_retries ?? 10;
  const scanner = createWireScanner(client);
  const budgets = new ReadBudgets({
    limits: budgetLimitsOf(config),
    consistentRead,
    log,
    describe: (table) => describeTable({ client, log, maxRetries }, table),
  });
  return { consistentRead, pageSize: config.page_size, scanner, budgets, close: () => scanner.destroy() };
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

export async function readScanStream(ctx: SourceContext, settings: ScanSettings, plan: ScanPlan): Promise<ScanOutcome> {
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

  const baseRequest: WireScanRequest = {
    TableName: table,
    TotalSegments: progress.totalSegments,
    ConsistentRead: settings.consistentRead,
    ...expressionsOf(plan, lowerBound),
  };
  const pageOptions = {
    ...(plan.recordSuffix !== undefined ? { recordSuffix: plan.recordSuffix } : {}),
    ...(plan.omit !== undefined ? { omit: plan.omit } : {}),
    ...(plan.cursorField !== undefined ? { cursorField: plan.cursorField } : {}),
  };
  const budget = await settings.budgets.forTable(table);
  // Tells the platform when the stream has been waiting on throttling for a while, and when it reads at speed again.
  const watch = new ThrottleWatch({ budgetThrottled: () => budget.isThrottled(), onChange: (resetAt) => ctx.rateLimited?.(resetAt) });

  /**
   * One page, paced by the budget; a retry resends the same start key, so no page is lost or read twice. A throttled
   * page backs off on its own (DynamoDB throttles per partition): the other segments go on. While the table keeps
   * serving other requests between two attempts of a page, its throttles do not use up max_retries.
   */
  const scanPage = (worker: number, segment: number, startKey: WireKey | undefined) => {
    let servedAtLastThrottle: number | undefined;
    const stalled = () => {
      const stalledSince = servedAtLastThrottle !== undefined && budget.served === servedAtLastThrottle;
      servedAtLastThrottle = budget.served;
      return stalledSince;
    };
    return withRetry(
      async () => {
        watch.waitingForBudget(worker);
        const permit = await budget.acquire(settings.pageSize);
        watch.busy(worker);
        try {
          const page = await ctx.permits.use(() =>
            settings.scanner.scan(
              {
                ...baseRequest,
                Segment: segment,
                ...(startKey !== undefined ? { ExclusiveStartKey: startKey } : {}),
                ...(permit.limit !== undefined ? { Limit: permit.limit } : {}),
              },
              pageOptions,
            ),
          );
          budget.pay(permit, page.consumedCapacity, page.scannedCount);
          watch.served();
          ctx.answered?.(false);
          return page;
        } catch (err) {
          const throttled = isThrottling(err);
          budget.failed(permit, throttled);
          ctx.answered?.(throttled);
          throw err;
        }
      },
      {
        what: `Scan of ${table} segment ${segment}/${progress.totalSegments}`,
        log: ctx.log,
        maxRetries: ctx.maxRetries,
        counts: (err) => !isThrottling(err) || stalled(),
        onRetry: (err, delayMs) => (isThrottling(err) ? watch.backingOff(worker, delayMs) : watch.busy(worker)),
      },
    );
  };

  const worker = async (id: number) => {
    for (let assignment = progress.nextSegment(); assignment; assignment = progress.nextSegment()) {
      const { segment } = assignment;
      let startKey = assignment.startKey;
      do {
        if (stop.signal.aborted || ctx.interrupt.aborted) return;
        const page = await scanPage(id, segment, startKey);
        if (page.cursorValues !== undefined) {
          for (const value of page.cursorValues) {
            if (value === undefined) continue;
            trackedType ??= cursorType(value);
            if (cursorType(value) === trackedType) progress.noteCursor(value, isGreaterCursor);
            else otherTypeCount++;
          }
        }
        startKey = page.lastEvaluatedKey;
        // Bookkeeping and handing over happen in the same tick, so any STATE built from here on covers these records.
        progress.pageDone(segment, startKey);
        await ctx.emit(page.records, position);
      } while (startKey !== undefined);
    }
  };

  const workers = Math.min(ctx.readConcurrency, progress.totalSegments);
  watch.start();
  await Promise.all(
    Array.from({ length: workers }, (_, id) =>
      worker(id)
        .catch((err: unknown) => {
          failure ??= err;
          stop.abort();
        })
        .finally(() => watch.done(id)),
    ),
  );
  watch.stop();

  if (otherTypeCount > 0 && trackedType !== undefined) {
    ctx.log(
      'WARN',
      `${otherTypeCount} items of ${table} have a ${plan.cursorField} of another type than the cursor (${trackedType === 'S' ? 'string' : 'number'}): they were emitted, do not move the cursor, and later syncs skip them.`,
    );
  }
  ctx.log('INFO', budget.summary());
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
function expressionsOf(plan: ScanPlan, lowerBound: CursorValue | null): Partial<WireScanRequest> {
  const names: Record<string, string> = {};
  const out: Partial<WireScanRequest> = {};
  if (lowerBound !== null && plan.cursorField !== undefined) {
    names['#cursor'] = plan.cursorField;
    out.FilterExpression = '#cursor > :last';
    // Cursor values are kept in wire form ({S} or {N}), which is what the request carries.
    out.ExpressionAttributeValues = { ':last': lowerBound };
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
