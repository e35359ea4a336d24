// Incremental syncs that read only what changed: a Query on a global secondary index whose sort key is the cursor,
// one per configured partition value, for the sort keys above where the last sync ended (minus the lookback). No
// Scan, so a sync after 1% of a table changed costs about 1% of a full read. The partition values are read in
// parallel within read_concurrency; every request waits for the table's read budget and pays what DynamoDB says it
// cost. An index that holds whole items (projection ALL) gives the records itself; otherwise each page's keys are
// fetched from the table with BatchGetItem, so records are whole either way.
//
// A pass is resumable like a scan: each partition value keeps its LastEvaluatedKey in the state, and the cursor moves
// to the largest value the pass saw only when every partition value is read to its end.
//
// Both calls go over the signed fast path (wireQuery.ts) and their items are transcoded from the response's bytes,
// so attribute names that are JavaScript property names (`__proto__`, `constructor`) reach the records.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { toConnectorError } from '../aws/errors.js';
import { projectionOf } from '../aws/projection.js';
import type { ReadBudgets, TableReadBudget } from '../aws/readBudget.js';
import { isThrottling, withRetry } from '../aws/retry.js';
import type { WireKey } from '../convert/keyCodec.js';
import type { WireValue } from '../convert/wireValue.js';
import type { SourceContext } from '../pipeline/sourceContext.js';
import { formatCursor, isGreaterCursor } from '../state/cursor.js';
import { addSegment, countSegments, hasSegment, type SegmentRanges } from '../state/segmentRanges.js';
import type { CursorValue, QueryState, StreamState } from '../state/streamState.js';
import { batchGetRecords } from './batchGet.js';
import { queryLowerBound } from './lookback.js';
import { createWireQueryClient, ownMember, type WireQueryClient, type WireQueryRequest } from './wireQuery.js';

/** A page of keys from an index without whole items holds at most this many: each is fetched and held as a whole
 *  item before the page is handed over. */
const KEYS_PAGE_ITEMS = 1000;

/** The index a stream is read through, as resolved against the table (see discovery/cursorIndex.ts). */
export interface QueryIndex {
  name: string;
  partitionKey: string;
  sortKey: string;
  partitionValues: readonly CursorValue[];
  projectsAll: boolean;
  tableKeyNames: readonly string[];
}

export interface QuerySettings {
  client: DynamoDBClient;
  /** The sync's read budgets: Queries and BatchGetItems pay into the table's, like its Scans. */
  budgets: ReadBudgets;
  /** The user's page_size: the Limit of a Query never exceeds it. */
  pageSize: number | undefined;
  /** BatchGetItem reads the table strongly consistent when the config asks for it (an index never can). */
  consistentRead: boolean;
}

export interface QueryPlan {
  stream: string;
  table: string;
  index: QueryIndex;
  /** The stream's state: its committed cursor, and a pass in progress if the last sync left one. */
  state: StreamState;
  lookbackSeconds: number;
  /** Top-level attributes dropped from every record. */
  omit?: ReadonlySet<string>;
  /** Only these attributes are read; every attribute when undefined. */
  project?: readonly string[];
}

export type QueryOutcome = 'complete' | 'interrupted';

export async function readQueryStream(ctx: SourceContext, settings: QuerySettings, plan: QueryPlan): Promise<QueryOutcome> {
  const { stream, table, index } = plan;
  const committed = plan.state.cursor;
  if (committed === null) throw new Error(`Stream ${stream} has no cursor to query ${index.name} from`);
  const pass = resumablePass(plan) ?? newPass(plan, queryLowerBound(committed.value, plan.lookbackSeconds));
  ctx.log(
    'INFO',
    `Stream ${stream}: ${pass === plan.state.query ? 'resuming the' : 'one'} Query of index ${index.name} per partition value (${index.partitionValues.length}), for ${index.sortKey} above ${formatCursor(pass.lower_bound)}${index.projectsAll ? '' : ', then BatchGetItem for the whole items'}.`,
  );
  const progress = new PassProgress(pass);
  const budget = await settings.budgets.forTable(table);

  const position = (): StreamState => {
    if (!progress.isComplete()) return { ...plan.state, query: progress.snapshot() };
    const { query: _done, ...rest } = plan.state;
    const maxSeen = progress.maxCursorSeen;
    const value = maxSeen !== null && isGreaterCursor(maxSeen, committed.value) ? maxSeen : committed.value;
    return { ...rest, cursor: { field: committed.field, value } };
  };

  const baseRequest = queryRequestOf(plan, pass);
  const fetchProjection = !index.projectsAll && plan.project !== undefined ? projectionOf(plan.project) : undefined;
  const wire = createWireQueryClient(settings.client);
  const batchCtx = { client: wire, budget, permits: ctx.permits, log: ctx.log, maxRetries: ctx.maxRetries, consistentRead: settings.consistentRead };

  /** One page of a partition value: its records, the cursor value of each item, and where the next page starts. */
  const queryPage = (place: number, startKey: WireKey | undefined) => {
    const request: WireQueryRequest = {
      ...baseRequest,
      ExpressionAttributeValues: { ...baseRequest.ExpressionAttributeValues, ':partition': pass.partition_values[place] as CursorValue },
      ...(startKey !== undefined ? { ExclusiveStartKey: startKey } : {}),
    };
    return withRetry(
      async () => {
        const permit = await budget.acquire(index.projectsAll ? settings.pageSize : Math.min(settings.pageSize ?? KEYS_PAGE_ITEMS, KEYS_PAGE_ITEMS));
        const limited = permit.limit !== undefined ? { ...request, Limit: permit.limit } : request;
        try {
          if (index.projectsAll) {
            const page = await ctx.permits.use(() => wire.queryRecords(limited, { cursorField: index.sortKey, omit: plan.omit }));
            budget.pay(permit, page.consumedCapacity, page.scannedCount);
            return { records: page.records, cursors: page.cursorValues, lastEvaluatedKey: page.lastEvaluatedKey, keys: undefined };
          }
          const page = await ctx.permits.use(() => wire.queryItems(limited));
          budget.pay(permit, page.consumedCapacity, page.scannedCount);
          const keys = page.items.map((item) => primaryKeyText(item, index.tableKeyNames));
          const cursors = page.items.map((item) => wireCursorOf(ownMember(item, index.sortKey)));
          return { records: undefined, cursors, lastEvaluatedKey: page.lastEvaluatedKey, keys };
        } catch (err) {
          budget.failed(permit, isThrottling(err));
          throw err;
        }
      },
      { what: `Query of ${table} index ${index.name} for ${formatCursor(pass.partition_values[place] as CursorValue)}`, log: ctx.log, maxRetries: ctx.maxRetries },
    );
  };

  /** The records of a page: the index's own items, or (an index without whole items) the table's by BatchGetItem. */
  const recordsOf = async (page: { records: string[] | undefined; keys: string[] | undefined }): Promise<string[]> => {
    if (page.records !== undefined) return page.records;
    if (page.keys === undefined || page.keys.length === 0) return [];
    return batchGetRecords(batchCtx, { table, keys: page.keys, omit: plan.omit, ...(fetchProjection !== undefined ? { projection: fetchProjection } : {}) });
  };

  const stop = new AbortController(); // the first failing worker stops its siblings
  let failure: unknown;
  const worker = async () => {
    for (let place = progress.next(); place !== undefined; place = progress.next()) {
      let startKey = progress.startKeyOf(place);
      do {
        if (stop.signal.aborted || ctx.interrupt.aborted) return;
        const page = await queryPage(place, startKey);
        const records = await recordsOf(page);
        for (const value of page.cursors) if (value !== undefined) progress.noteCursor(value);
        startKey = page.lastEvaluatedKey;
        // Bookkeeping and handing over in the same tick: any STATE built from here on covers these records.
        progress.pageDone(place, startKey);
        await ctx.emit(records, position);
      } while (startKey !== undefined);
    }
  };
  const workers = Math.min(ctx.readConcurrency, progress.remaining());
  try {
    await Promise.all(
      Array.from({ length: workers }, () =>
        worker().catch((err: unknown) => {
          failure ??= err;
          stop.abort();
        }),
      ),
    );
  } finally {
    wire.destroy();
  }
  ctx.log('INFO', budget.summary());
  // Always leave a STATE that covers everything emitted, so a failed or interrupted stream resumes from here.
  await ctx.emit([], position, 'now');
  if (failure !== undefined) throw toConnectorError(failure, 'dynamodb:Query', `index ${index.name} of table ${table}`, stream);
  if (!progress.isComplete()) return 'interrupted';
  const cursor = position().cursor;
  ctx.log('INFO', `Stream ${stream} finished; cursor ${committed.field} is now ${cursor ? formatCursor(cursor.value) : 'unset'}.`);
  return 'complete';
}

/**
 * The largest sort key the index holds now, over every partition value: one Query per value, newest first, one item.
 * Taken before a snapshot by export is requested, it is a cursor that every later change passes.
 */
export async function indexMaxCursor(ctx: SourceContext, settings: QuerySettings, plan: { table: string; index: QueryIndex }): Promise<CursorValue | null> {
  const { table, index } = plan;
  const budget = await settings.budgets.forTable(table);
  let max: CursorValue | null = null;
  const wire = createWireQueryClient(settings.client);
  try {
    for (const value of index.partitionValues) {
      const page = await withRetry(
        async () => {
          const permit = await budget.acquire(1);
          try {
            const out = await ctx.permits.use(() =>
              wire.queryItems({
                TableName: table,
                IndexName: index.name,
                KeyConditionExpression: '#partition = :partition',
                ExpressionAttributeNames: { '#partition': index.partitionKey, '#cursor': index.sortKey },
                ExpressionAttributeValues: { ':partition': value },
                ProjectionExpression: '#cursor',
                ScanIndexForward: false,
                Limit: 1,
              }),
            );
            budget.pay(permit, out.consumedCapacity, out.scannedCount);
            return out;
          } catch (err) {
            budget.failed(permit, isThrottling(err));
            throw err;
          }
        },
        { what: `Query of the newest ${index.sortKey} in ${table} index ${index.name}`, log: ctx.log, maxRetries: ctx.maxRetries },
      ).catch((err: unknown) => {
        throw toConnectorError(err, 'dynamodb:Query', `index ${index.name} of table ${table}`, plan.table);
      });
      const item = page.items[0];
      const newest = item !== undefined ? wireCursorOf(ownMember(item, index.sortKey)) : undefined;
      if (newest !== undefined && (max === null || isGreaterCursor(newest, max))) max = newest;
    }
  } finally {
    wire.destroy();
  }
  return max;
}

/** The pass the last sync left unfinished, when it was for the same index and the same partition values. */
function resumablePass(plan: QueryPlan): QueryState | undefined {
  const pass = plan.state.query;
  if (pass === undefined) return undefined;
  const same =
    pass.index === plan.index.name &&
    pass.partition_values.length === plan.index.partitionValues.length &&
    pass.partition_values.every((v, i) => JSON.stringify(v) === JSON.stringify(plan.index.partitionValues[i]));
  if (same) return pass;
  // Another index or other partition values: every value is read again from the same bound, so nothing is lost.
  return { ...newPass(plan, pass.lower_bound), max_cursor_seen: pass.max_cursor_seen };
}

function newPass(plan: QueryPlan, bound: CursorValue): QueryState {
  return {
    index: plan.index.name,
    partition_values: [...plan.index.partitionValues],
    lower_bound: bound,
    completed: [],
    positions: {},
    max_cursor_seen: null,
  };
}

/**
 * Every attribute name goes through ExpressionAttributeNames, every value through ExpressionAttributeValues. An index
 * of whole items answers with the selection itself; a KEYS_ONLY or INCLUDE index only needs to give the table's keys
 * and the cursor, so its pages are small enough to parse.
 */
function queryRequestOf(plan: QueryPlan, pass: QueryState): WireQueryRequest {
  const names: Record<string, string> = { '#partition': plan.index.partitionKey, '#cursor': plan.index.sortKey };
  const values: Record<string, WireValue> = { ':bound': pass.lower_bound };
  const request: WireQueryRequest = {
    TableName: plan.table,
    IndexName: plan.index.name,
    KeyConditionExpression: '#partition = :partition AND #cursor > :bound',
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  };
  const projected = plan.index.projectsAll ? plan.project : [...plan.index.tableKeyNames, plan.index.sortKey];
  if (projected !== undefined) {
    const projection = projectionOf(projected);
    Object.assign(names, projection.names);
    request.ProjectionExpression = projection.expression;
  }
  return request;
}

/** An index item's table key as wire JSON text, for BatchGetItem (names taken as data: no object keyed by them). */
function primaryKeyText(item: Record<string, unknown>, keyNames: readonly string[]): string {
  const members = keyNames.map((name) => {
    const value = ownMember(item, name);
    if (value === undefined) throw new Error(`An index item lacks the table key attribute ${name}`);
    return `${JSON.stringify(name)}:${JSON.stringify(value)}`;
  });
  return `{${members.join(',')}}`;
}

/** An S or N value of parsed wire JSON as a cursor; undefined for anything else. */
function wireCursorOf(value: unknown): CursorValue | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as { S?: unknown; N?: unknown };
  if (typeof v.S === 'string') return { S: v.S };
  if (typeof v.N === 'string') return { N: v.N };
  return undefined;
}

/** Which partition values are done, where the started ones are, and the largest cursor the pass has seen. */
class PassProgress {
  private completed: SegmentRanges;
  private readonly positions: Map<number, WireKey>;
  private readonly taken = new Set<number>();
  private maxSeen: CursorValue | null;

  constructor(private readonly pass: QueryState) {
    this.completed = pass.completed;
    this.positions = new Map(Object.entries(pass.positions).map(([place, key]) => [Number(place), key]));
    this.maxSeen = pass.max_cursor_seen;
  }

  /** The next partition value no worker has taken, by its place in the list. */
  next(): number | undefined {
    for (let place = 0; place < this.pass.partition_values.length; place++) {
      if (hasSegment(this.completed, place) || this.taken.has(place)) continue;
      this.taken.add(place);
      return place;
    }
    return undefined;
  }

  remaining(): number {
    return this.pass.partition_values.length - countSegments(this.completed);
  }

  startKeyOf(place: number): WireKey | undefined {
    return this.positions.get(place);
  }

  noteCursor(value: CursorValue): void {
    if (this.maxSeen === null || isGreaterCursor(value, this.maxSeen)) this.maxSeen = value;
  }

  get maxCursorSeen(): CursorValue | null {
    return this.maxSeen;
  }

  pageDone(place: number, lastEvaluatedKey: WireKey | undefined): void {
    if (lastEvaluatedKey !== undefined) {
      this.positions.set(place, lastEvaluatedKey);
      return;
    }
    this.positions.delete(place);
    this.completed = addSegment(this.completed, place);
  }

  isComplete(): boolean {
    return this.remaining() === 0;
  }

  snapshot(): QueryState {
    const positions: Record<string, WireKey> = {};
    for (const [place, key] of [...this.positions].sort((a, b) => a[0] - b[0])) positions[String(place)] = key;
    return { ...this.pass, completed: this.completed, positions, max_cursor_seen: this.maxSeen };
  }
}
