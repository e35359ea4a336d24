// Streams read through exports to S3: a snapshot by FULL_EXPORT (initial_load export: full refresh and the first
// sync of DynamoDB Streams mode), and replication mode s3_export (one full export, then one INCREMENTAL_EXPORT per
// sync from where the last one ended). The export itself (request, wait, files, resumable positions) is the export
// source's; this module decides which export a sync needs and what the state says once it is read. With
// export.mode existing nothing is requested: the exports are those found under the prefix (a schedule of the user's
// own made them), a snapshot is the newest full one, and s3_export mode loads every export after the last one loaded.
import type { DynamoDBClient, TableDescription } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import {
  MAX_INCREMENTAL_WINDOW_MS,
  MIN_INCREMENTAL_WINDOW_MS,
  newFullExport,
  newIncrementalExport,
  pitrAdvice,
  pointInTimeRecovery,
  readExport,
  writeTimeIso,
  type ExportOutcome,
  type ExportRecordMeta,
  type ExportTarget,
  type PollPolicy,
  type RecordSuffix,
  exportsOfTable,
  listExports,
  noExportError,
  type FoundExport,
} from '../export/index.js';

import { configError } from '../errors/ConnectorError.js';
import { cdcMembersJson, type CdcColumns } from '../pipeline/cdcColumns.js';
import type { SourceContext } from '../pipeline/sourceContext.js';
import type { ExportState, StreamState } from '../state/streamState.js';

export interface ExportClients {
  dynamodb: DynamoDBClient;
  s3: S3Client;
  target: ExportTarget;
  poll?: PollPolicy;
}

export interface ExportStreamPlan {
  stream: string;
  table: TableDescription;
  state: StreamState;
  omit?: ReadonlySet<string>;
}

/** The state without its export part (none in progress). */
function withoutExport(state: StreamState): StreamState {
  const { export: _done, ...rest } = state;
  return rest;
}

function runExport(ctx: SourceContext, clients: ExportClients, plan: ExportStreamPlan, part: ExportState, base: StreamState, recordSuffix?: RecordSuffix, found?: FoundExport): Promise<ExportOutcome> {
  return readExport(ctx, {
    ...(found !== undefined ? { found: { summaryKey: found.summaryKey } } : {}),
    stream: plan.stream,
    table: { name: plan.table.TableName!, arn: plan.table.TableArn! },
    target: clients.target,
    clients: { dynamodb: clients.dynamodb, s3: clients.s3 },
    export: part,
    stateWith: (p) => (p === null ? withoutExport(base) : { ...base, export: p }),
    ...(recordSuffix !== undefined ? { recordSuffix } : {}),
    ...(plan.omit !== undefined ? { omit: plan.omit } : {}),
    ...(clients.poll !== undefined ? { poll: clients.poll } : {}),
  });
}

/**
 * A snapshot of the table by a full export: resumes the full export the state holds, or requests one. Records carry
 * `snapshotSuffix` (CDC columns in Streams mode). The final checkpoint is `completeState` of the state without the
 * export part.
 */
export async function snapshotByExport(
  ctx: SourceContext,
  clients: ExportClients,
  plan: ExportStreamPlan & { snapshotSuffix?: string; completeState?: (state: StreamState) => StreamState },
): Promise<'complete' | 'interrupted'> {
  // A scan position from an earlier scan-based sync is of no use to an export.
  const base: StreamState = { ...plan.state, scan: null };
  const suffix = plan.snapshotSuffix;
  let part = plan.state.export?.kind === 'full' ? plan.state.export : newFullExport();
  let found: FoundExport | undefined;
  if (clients.target.existing !== undefined) {
    const mine = await existingExportsOf(ctx, clients, plan);
    // The full export being read when the last sync stopped, or the newest one.
    found = mine.find((e) => e.exportArn === part.export_arn) ?? newestFull(mine, clients, plan);
    if (found.exportArn !== part.export_arn) part = partOf(found);
  }
  const outcome = await runExport(ctx, clients, plan, part, base, suffix === undefined ? undefined : () => suffix, found);
  if (outcome.status === 'interrupted') return 'interrupted';
  const done = (plan.completeState ?? ((s) => s))(withoutExport(base));
  await ctx.emit([], () => done, 'now');
  return 'complete';
}

// ---- replication mode s3_export --------------------------------------------------------------------------------

const MICROS_DIGITS = 20;

/**
 * Sorts every change of an item in write order: phase 0 (the full export's rows) before phase 1 (incremental
 * changes), then the write time in µs, zero-padded so that text order is time order.
 */
export function exportCursor(meta: ExportRecordMeta): string {
  return meta.kind === 'snapshot' ? `000000-0-${''.padStart(MICROS_DIGITS, '0')}` : `000000-1-${meta.writeTimeMicros.padStart(MICROS_DIGITS, '0')}`;
}

/**
 * `snapshotCursor`: for a full export loaded after changes were (a fresh snapshot, export.mode existing), the cursor
 * of its rows is its export time as a change's would be, so that it ranks after the changes before it and before
 * those after it.
 */
function s3ExportSuffix(columns: CdcColumns, snapshotTime: string, snapshotCursor?: string): RecordSuffix {
  return (meta) => {
    if (meta.kind === 'snapshot') return cdcMembersJson(columns, snapshotCursor ?? exportCursor(meta), snapshotTime, null, null);
    const at = writeTimeIso(meta.writeTimeMicros);
    // An incremental export does not say whether a delete was a TTL expiry: null, unknown.
    return cdcMembersJson(columns, exportCursor(meta), at, meta.kind === 'delete' ? at : null, null);
  };
}

/**
 * One sync in s3_export mode: finish the export in progress, if any; then, from where the last export ended,
 * incremental exports of at most 24 hours each up to now. A window shorter than AWS's 15-minute minimum waits for a
 * later sync.
 */
export async function readS3ExportStream(ctx: SourceContext, clients: ExportClients, columns: CdcColumns, plan: ExportStreamPlan): Promise<'complete' | 'interrupted'> {
  if (clients.target.existing !== undefined) return loadExistingExports(ctx, clients, columns, plan);
  let state: StreamState = { ...plan.state, scan: null };
  const tableName = plan.table.TableName!;
  for (;;) {
    let part = state.export;
    if (part === undefined) {
      if (state.exported_until === undefined) {
        ctx.log('INFO', `Stream ${plan.stream}: first sync in s3_export mode; a full export of table ${tableName} is the snapshot.`);
        part = newFullExport();
      } else {
        const from = new Date(state.exported_until);
        const now = Date.now();
        if (now - from.getTime() < MIN_INCREMENTAL_WINDOW_MS) {
          const next = new Date(from.getTime() + MIN_INCREMENTAL_WINDOW_MS);
          ctx.log('INFO', `Stream ${plan.stream}: changes are exported up to ${from.toISOString()}; an incremental export covers at least 15 minutes, so the next sync can export from ${next.toISOString()} on.`);
          const unchanged = state;
          await ctx.emit([], () => unchanged, 'now');
          return 'complete';
        }
        part = newIncrementalExport({ from, to: new Date(Math.min(now, from.getTime() + MAX_INCREMENTAL_WINDOW_MS)) });
      }
    }
    const snapshotTime = part.export_time ?? part.requested_at;
    const outcome = await runExport(ctx, clients, plan, part, state, s3ExportSuffix(columns, snapshotTime));
    if (outcome.status === 'interrupted') return 'interrupted';
    // A full export without ExportTime is of the moment DynamoDB took it; the next window starts there.
    const until = outcome.window !== null ? outcome.window.to : (outcome.exportTime?.toISOString() ?? snapshotTime);
    state = { ...withoutExport(state), exported_until: until };
    const done = state;
    await ctx.emit([], () => done, 'now');
  }
}

// ---- export.mode existing --------------------------------------------------------------------------------------

/** One listing of the prefix per sync, shared by its streams. */
const listings = new WeakMap<ExportClients, Promise<FoundExport[]>>();

/** The exports of the stream's table under the prefix (only the pinned one, when export.export_arn is set), in time order. */
async function existingExportsOf(ctx: SourceContext, clients: ExportClients, plan: ExportStreamPlan): Promise<FoundExport[]> {
  let listing = listings.get(clients);
  if (listing === undefined) {
    listing = listExports({ s3: clients.s3, log: ctx.log, maxRetries: ctx.maxRetries }, clients.target);
    listings.set(clients, listing);
  }
  const tableName = plan.table.TableName!;
  let mine = exportsOfTable(await listing, { name: tableName, arn: plan.table.TableArn });
  const pinned = clients.target.existing?.exportArn;
  if (pinned !== undefined) {
    mine = mine.filter((e) => e.exportArn === pinned);
    if (mine.length === 0) throw noExportError(clients.target, tableName, `no export ${pinned} (export.export_arn)`, plan.stream);
  }
  if (mine.length === 0) throw noExportError(clients.target, tableName, 'no export', plan.stream);
  return mine;
}

function newestFull(mine: readonly FoundExport[], clients: ExportClients, plan: ExportStreamPlan): FoundExport {
  const full = mine.filter((e) => e.kind === 'full').at(-1);
  if (full === undefined) throw noExportError(clients.target, plan.table.TableName!, `only incremental exports and no full export (a snapshot to start from)`, plan.stream);
  return full;
}

/** The export part of the state for an export found in the bucket (its ARN known from the start). */
function partOf(found: FoundExport, now = new Date()): ExportState {
  return {
    export_arn: found.exportArn,
    kind: found.kind,
    requested_at: now.toISOString(),
    export_time: found.kind === 'full' ? found.until : null,
    window: found.window,
    file_count: null,
    files_done: [],
    files_in_flight: {},
  };
}

/** The export after the last one loaded: by its place in the listing, or by time when that one is gone from the bucket. */
function nextExport(mine: readonly FoundExport[], state: StreamState): FoundExport | undefined {
  const last = state.last_export === undefined ? -1 : mine.findIndex((e) => e.exportArn === state.last_export);
  const until = state.exported_until!;
  return last >= 0 ? mine[last + 1] : mine.find((e) => e.until > until);
}

/**
 * s3_export mode over exports found in the bucket: the newest full export on the first sync; then, in time order,
 * every export after the last one loaded: incremental ones as changes, a newer full one as a fresh snapshot. The
 * state names the last export loaded, so a sync with no newer export reads nothing.
 */
async function loadExistingExports(ctx: SourceContext, clients: ExportClients, columns: CdcColumns, plan: ExportStreamPlan): Promise<'complete' | 'interrupted'> {
  const mine = await existingExportsOf(ctx, clients, plan);
  let state: StreamState = { ...plan.state, scan: null };
  for (;;) {
    const inProgress = state.export;
    let found = inProgress?.export_arn ? mine.find((e) => e.exportArn === inProgress.export_arn) : undefined;
    let part: ExportState;
    if (found !== undefined && inProgress !== undefined) {
      part = inProgress;
    } else {
      // An export part of another mode (or of an export deleted since) cannot be resumed from the bucket.
      if (inProgress !== undefined) state = withoutExport(state);
      found = state.exported_until === undefined ? newestFull(mine, clients, plan) : nextExport(mine, state);
      if (found === undefined) {
        ctx.log('INFO', `Stream ${plan.stream}: no export of table ${plan.table.TableName} newer than ${state.last_export ?? state.exported_until}; nothing to load.`);
        const unchanged = state;
        await ctx.emit([], () => unchanged, 'now');
        return 'complete';
      }
      if (found.kind === 'incremental' && state.exported_until !== undefined && found.window!.from > state.exported_until) {
        ctx.log('WARN', `Stream ${plan.stream}: export ${found.exportArn} starts at ${found.window!.from}, but changes are loaded up to ${state.exported_until} only: changes in between are in no export under the prefix.`);
      }
      part = partOf(found);
    }
    const fresh = found.kind === 'full' && state.exported_until !== undefined;
    const suffix = s3ExportSuffix(columns, found.until, fresh ? exportCursor({ kind: 'upsert', writeTimeMicros: (BigInt(Date.parse(found.until)) * 1000n).toString() }) : undefined);
    const outcome = await runExport(ctx, clients, plan, part, state, suffix, found);
    if (outcome.status === 'interrupted') return 'interrupted';
    state = { ...withoutExport(state), exported_until: found.until, last_export: found.exportArn };
    const done = state;
    await ctx.emit([], () => done, 'now');
  }
}

// ---- DynamoDB Streams mode, on_data_loss export ----------------------------------------------------------------

/**
 * The export that fills a gap in a DynamoDB stream: the changes from `readUntil` (every change before it has been
 * read) to now, at most 24 hours per export (fillGapByExport continues with the next window). A config_error when
 * point-in-time recovery does not reach back that far: then nothing can fill the gap.
 */
export async function planGapExport(ctx: SourceContext, clients: ExportClients, plan: { stream: string; tableName: string; readUntil: string | undefined; loss: string }): Promise<ExportState> {
  const { stream, tableName } = plan;
  const lost = `Stream ${stream}: ${plan.loss}. Changes were lost`;
  if (plan.readUntil === undefined) {
    throw configError(`${lost}, and the state does not say since when (it was written by an older version). Reset the stream to take a new snapshot.`, { stream });
  }
  const now = Date.now();
  // AWS exports at least 15 minutes: a shorter gap is widened backwards (changes already read are sent again).
  const from = new Date(Math.min(Date.parse(plan.readUntil), now - MIN_INCREMENTAL_WINDOW_MS));
  const pitr = await pointInTimeRecovery({ dynamodb: clients.dynamodb, log: ctx.log, maxRetries: ctx.maxRetries, interrupt: ctx.interrupt }, tableName, stream);
  if (!pitr.enabled || pitr.earliest === undefined || pitr.earliest.getTime() > from.getTime()) {
    const reach = pitr.enabled ? `point-in-time recovery of table ${tableName} reaches back to ${pitr.earliest?.toISOString() ?? 'an unknown time'} only` : `point-in-time recovery of table ${tableName} is off`;
    throw configError(`${lost} since ${from.toISOString()}, and ${reach}, so no export can fill the gap. Reset the stream to take a new snapshot. ${pitrAdvice(tableName)}`, { stream });
  }
  return newIncrementalExport({ from, to: new Date(Math.min(now, from.getTime() + MAX_INCREMENTAL_WINDOW_MS)) });
}

/**
 * Reads the gap export(s) the state holds. Rows carry `cursor` (the new generation's snapshot cursor: above every
 * change read before the gap, below every change read from the stream afterwards), the write time, and the delete
 * time for deletes. The last window reaches now; the final checkpoint is `completeState` without the export part.
 */
export async function fillGapByExport(
  ctx: SourceContext,
  clients: ExportClients,
  plan: ExportStreamPlan & { cursor: string; columns: CdcColumns; completeState: (state: StreamState) => StreamState },
): Promise<'complete' | 'interrupted'> {
  let state = plan.state;
  const suffix: RecordSuffix = (meta) => {
    if (meta.kind === 'snapshot') throw new Error('A gap export is incremental');
    const at = writeTimeIso(meta.writeTimeMicros);
    return cdcMembersJson(plan.columns, plan.cursor, at, meta.kind === 'delete' ? at : null, null);
  };
  for (;;) {
    const part = state.export!;
    const outcome = await runExport(ctx, clients, plan, part, state, suffix);
    if (outcome.status === 'interrupted') return 'interrupted';
    const window = part.window!;
    const from = Date.parse(window.from);
    const to = Date.parse(window.to);
    if (to - from < MAX_INCREMENTAL_WINDOW_MS) break;
    // A gap over 24 hours: the next window, checkpointed before it is requested.
    const now = Date.now();
    const next = newIncrementalExport({ from: new Date(Math.min(to, now - MIN_INCREMENTAL_WINDOW_MS)), to: new Date(Math.min(now, to + MAX_INCREMENTAL_WINDOW_MS)) });
    state = { ...state, export: next };
  }
  const done = plan.completeState(withoutExport(state));
  await ctx.emit([], () => done, 'now');
  return 'complete';
}
