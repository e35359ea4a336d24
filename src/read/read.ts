// read: the orchestrator. Resolves the configured streams and their states up front (anything wrong there stops the
// sync before a record is sent), then runs each stream's source (scan, DynamoDB Streams) concurrently into one
// ordered queue of protocol-neutral events. Each stream goes STARTED → RUNNING → COMPLETE, or INCOMPLETE with an
// error while the other streams finish.
import type { DynamoDBClient, TableDescription } from '@aws-sdk/client-dynamodb';
import type { Writable } from 'node:stream';
import { createDynamoDBClient, createS3Client, createStreamsClient } from '../aws/clients.js';
import { toConnectorError } from '../aws/errors.js';
import { excludedAttributesFor } from '../config/excludedAttributes.js';
import type { Config } from '../config/validate.js';
import { makeTableFilter } from '../discovery/tableFilter.js';
import { cursorIndexEntryFor, cursorLookbackSeconds, resolveCursorIndex, type CursorIndex } from '../discovery/cursorIndex.js';
import { describeTable, tableKeys } from '../discovery/tables.js';
import { configError, ConnectorError } from '../errors/ConnectorError.js';
import type { Logger } from '../log.js';
import { AIRBYTE_CDC_COLUMNS, type CdcColumns } from '../pipeline/cdcColumns.js';
import type { ReadEvent } from '../pipeline/events.js';
import { SchemaDrift } from '../pipeline/schemaDrift.js';
import type { SourceContext } from '../pipeline/sourceContext.js';
import { indexMaxCursor, readQueryStream, type QuerySettings } from '../query/queryStream.js';
import { readScanStream, scanSettingsFor, type ScanSettings } from '../scan/scanStream.js';
import { autoSegments } from '../scan/segments.js';
import { formatCursor } from '../state/cursor.js';
import { emptyState, parseStreamState, type StreamState } from '../state/streamState.js';
import { mapConcurrent, Semaphore } from '../util/concurrency.js';
import { exportTargetFromConfig } from '../export/index.js';
import { readCdcStream, type CdcClients, type CdcSettings } from './cdcSync.js';
import type { ConfiguredStream, IncrementalBy } from './configuredStream.js';
import { readS3ExportStream, snapshotByExport, type ExportClients } from './exportSync.js';
import { OutputQueue } from '../util/outputQueue.js';
import { SyncProgress } from './progress.js';
import { StreamOutput, type OutputSettings } from './streamOutput.js';

/** Records (other events count one each) buffered between the sources and the output before sources wait: a few
 *  pages' worth. */
const QUEUE_CAPACITY = 20_000;
/** Tables described at once to check their cursor indexes before a sync starts. */
const DESCRIBE_CONCURRENCY = 8;

export interface ReadOptions {
  /** Aborted on SIGTERM/SIGINT: streams stop, checkpoint, and the sync ends with an error. */
  interrupt?: AbortSignal;
  /** Names of the CDC metadata columns (each protocol has its convention); Airbyte's by default. */
  cdcColumns?: CdcColumns;
  /** A terminal to draw live progress bars on; without one, progress is logged about every 30 s. */
  progressTerminal?: Writable;
}

interface StreamPlan {
  configured: ConfiguredStream;
  state: StreamState;
  /** Where an incremental stream's changes come from; undefined for full refresh. */
  incrementalBy: IncrementalBy | undefined;
  /** Incremental by cursor through a global secondary index (cursor_indexes), resolved before any record. */
  cursorIndex?: CursorIndex;
}

interface SyncContext {
  config: Config;
  queue: OutputQueue;
  log: Logger;
  interrupt: AbortSignal;
  permits: Semaphore;
  output: OutputSettings;
  dynamodb: DynamoDBClient;
  scanSettings: ScanSettings;
  cdc: (CdcClients & { settings: CdcSettings }) | undefined;
  progress: SyncProgress;
  /** Set when some stream reads an export: initial_load export or replication mode s3_export. */
  exports: ExportClients | undefined;
  /** initial_load export: snapshots by full export instead of scan. */
  snapshotByExport: boolean;
  cdcColumns: CdcColumns;
}

/** Where incremental streams find changes when the catalog does not say. */
const configIncrementalBy = (config: Config): IncrementalBy => {
  const mode = config.replication?.mode;
  return mode === 'dynamodb_streams' || mode === 's3_export' ? mode : 'cursor';
};

/**
 * @param streams the streams to read, from the protocol's catalog
 * @param states each stream's raw state blob from the protocol's state input (validated here)
 */
export async function* readStreams(config: Config, streams: readonly ConfiguredStream[], states: ReadonlyMap<string, unknown>, options: ReadOptions = {}): AsyncGenerator<ReadEvent> {
  const queue = new OutputQueue<ReadEvent>(QUEUE_CAPACITY, (event) => (event.type === 'records' ? event.texts.length : 1));
  const log: Logger = (level, message) => queue.pushNow({ type: 'log', level, message });
  const planned = planStreams(config, streams, states, log);
  const needsStreams = planned.some((p) => p.incrementalBy === 'dynamodb_streams');
  const cdcColumns = options.cdcColumns ?? AIRBYTE_CDC_COLUMNS;
  const cdcSettings = cdcSettingsOf(config, cdcColumns);
  // Exports found in the bucket (export.mode existing) are what the user wants snapshots from.
  const snapshotsByExport = config.initial_load === 'export' || config.export?.mode === 'existing';
  const gapsByExport = needsStreams && cdcSettings.onDataLoss === 'export';
  const needsExports =
    gapsByExport ||
    planned.some((p) => p.incrementalBy === 's3_export' || (snapshotsByExport && (p.incrementalBy !== 'cursor' || cursorIndexEntryFor(config, p.configured.name) !== undefined)));
  const s3 = needsExports ? await createS3Client(config) : undefined;
  const dynamodb = createDynamoDBClient(config);
  let plans: StreamPlan[];
  try {
    plans = await withCursorIndexes(config, planned, dynamodb, log);
  } catch (err) {
    dynamodb.destroy();
    s3?.destroy();
    throw err;
  }
  const interrupt = options.interrupt ?? new AbortController().signal;
  const output = outputSettings(config);
  const scanSettings = scanSettingsFor(config, dynamodb, log);
  const exports: ExportClients | undefined = s3 !== undefined ? { dynamodb, s3, target: exportTargetFromConfig(config) } : undefined;
  const cdc = needsStreams
    ? { dynamodb, streams: createStreamsClient(config), scanSettings, settings: cdcSettings, ...(snapshotsByExport && exports !== undefined ? { exportSnapshot: exports } : {}), ...(gapsByExport && exports !== undefined ? { gapExport: exports } : {}) }
    : undefined;
  const progress = new SyncProgress({ log, ...(options.progressTerminal !== undefined ? { terminal: options.progressTerminal } : {}) });
  const sync: SyncContext = { config, queue, log, interrupt, permits: new Semaphore(output.readConcurrency), output, dynamodb, scanSettings, cdc, exports, snapshotByExport: snapshotsByExport, cdcColumns, progress };

  const producer = (async () => {
    let interrupted = false;
    await mapConcurrent(plans, output.readConcurrency, async (plan) => {
      if (interrupt.aborted) return;
      const outcome = await readOneStream(sync, plan);
      if (outcome === 'interrupted') interrupted = true;
    });
    if (interrupted || interrupt.aborted) {
      queue.pushNow({ type: 'error', failureType: 'transient_error', message: 'The sync was interrupted before every stream finished. Run it again with the last STATE to resume.' });
    }
  })()
    .catch((err: unknown) => queue.pushNow({ type: 'error', failureType: 'system_error', message: `Unexpected failure: ${(err as Error)?.message ?? String(err)}` }))
    .finally(() => {
      progress.stop();
      scanSettings.close();
      dynamodb.destroy();
      cdc?.streams.destroy();
      exports?.s3.destroy();
      queue.close();
    });

  yield* queue.drain();
  await producer;
}

async function readOneStream(sync: SyncContext, plan: StreamPlan): Promise<'complete' | 'interrupted' | 'failed'> {
  const { name, cursorField } = plan.configured;
  // The CDC columns are the connector's own: whatever the catalog says of them, they never count as drift.
  const cdcNames = [sync.cdcColumns.cursor, sync.cdcColumns.updatedAt, sync.cdcColumns.deletedAt, sync.cdcColumns.deletedByTtl];
  const output = new StreamOutput(name, sync.queue, sync.output, sync.progress, SchemaDrift.of(plan.configured.schema, cdcNames));
  const ctx: SourceContext = output.sourceContext({ permits: sync.permits, interrupt: sync.interrupt, log: sync.log, settings: sync.output });
  await sync.queue.push([{ type: 'status', stream: name, status: 'STARTED' }]);
  try {
    const table: TableDescription = await describeTable({ client: sync.dynamodb, log: sync.log, maxRetries: sync.output.maxRetries }, name);
    await sync.queue.push([{ type: 'estimate', stream: name, rows: table.ItemCount ?? 0, bytes: table.TableSizeBytes ?? 0 }]);
    sync.progress.start(name, table.ItemCount);
    const selection = attributeSelection(sync.config, plan.configured, table);
    const segmentsForNewScan = sync.config.scan_segments ?? autoSegments(table.TableSizeBytes);
    const omit = selection.omit !== undefined ? { omit: selection.omit } : {};
    let outcome: 'complete' | 'interrupted';
    if (plan.incrementalBy === 'dynamodb_streams' && sync.cdc !== undefined) {
      outcome = await readCdcStream(ctx, sync.cdc, sync.cdc.settings, { stream: name, table, state: plan.state, segmentsForNewScan, ...selection });
    } else if (plan.incrementalBy === 's3_export' && sync.exports !== undefined) {
      outcome = await readS3ExportStream(ctx, sync.exports, sync.cdcColumns, { stream: name, table, state: plan.state, ...omit });
    } else if (plan.incrementalBy === undefined && sync.snapshotByExport && sync.exports !== undefined) {
      outcome = await snapshotByExport(ctx, sync.exports, { stream: name, table, state: plan.state, ...omit });
    } else if (plan.cursorIndex !== undefined && (plan.state.export !== undefined || plan.state.scan !== null || plan.state.cursor === null)) {
      // The first sync (no cursor yet, or its snapshot unfinished): a scan, or an export with initial_load export.
      outcome = await snapshotForCursorIndex(ctx, sync, { ...plan, cursorIndex: plan.cursorIndex }, table, selection, segmentsForNewScan);
    } else if (plan.cursorIndex !== undefined) {
      // Every later sync Queries the index.
      outcome = await readQueryStream(ctx, querySettings(sync), { stream: name, table: name, index: plan.cursorIndex, state: plan.state, lookbackSeconds: cursorLookbackSeconds(sync.config), ...selection });
    } else {
      outcome = await readScanStream(ctx, sync.scanSettings, { stream: name, table: name, cursorField, state: plan.state, segmentsForNewScan, ...selection });
    }
    await output.finish(outcome === 'complete' ? 'COMPLETE' : 'INCOMPLETE');
    return outcome;
  } catch (err) {
    const error = err instanceof ConnectorError ? err : toConnectorError(err, 'read', `stream ${name}`, name);
    await output.finish('INCOMPLETE', [
      { type: 'error', failureType: error.failureType, message: `Stream ${name} failed: ${error.message}`, stream: name, internalMessage: internalMessage(error) },
    ]);
    return 'failed';
  }
}

const querySettings = (sync: SyncContext): QuerySettings => ({
  client: sync.dynamodb,
  budgets: sync.scanSettings.budgets,
  pageSize: sync.scanSettings.pageSize,
  consistentRead: sync.scanSettings.consistentRead,
});

/**
 * The first sync of a stream read through a cursor index. By export (initial_load export): the largest cursor in the
 * index is taken before the export is requested and kept through it, so the Queries of the next sync start below
 * every change the export may not hold. By scan, or when the index is still empty: the cursor is the largest the scan
 * saw.
 */
async function snapshotForCursorIndex(
  ctx: SourceContext,
  sync: SyncContext,
  plan: StreamPlan & { cursorIndex: CursorIndex },
  table: TableDescription,
  selection: { omit?: ReadonlySet<string>; project?: readonly string[] },
  segmentsForNewScan: number,
): Promise<'complete' | 'interrupted'> {
  const { name, cursorField } = plan.configured;
  const omit = selection.omit !== undefined ? { omit: selection.omit } : {};
  if (sync.snapshotByExport && sync.exports !== undefined && plan.state.scan === null) {
    if (plan.state.export !== undefined) return snapshotByExport(ctx, sync.exports, { stream: name, table, state: plan.state, ...omit });
    const max = await indexMaxCursor(ctx, querySettings(sync), { table: name, index: plan.cursorIndex });
    if (max !== null) {
      ctx.log('INFO', `Stream ${name}: the newest ${plan.cursorIndex.sortKey} in index ${plan.cursorIndex.name} is ${formatCursor(max)}; a full export is the first snapshot, Queries from there read the changes after it.`);
      const state: StreamState = { ...plan.state, cursor: { field: plan.cursorIndex.sortKey, value: max } };
      return snapshotByExport(ctx, sync.exports, { stream: name, table, state, ...omit });
    }
    ctx.log('INFO', `Stream ${name}: index ${plan.cursorIndex.name} holds no item yet, so the first snapshot is a scan that finds the largest cursor.`);
  }
  // An export left unfinished when initial_load was export: its cursor only holds together with the export, so the
  // scan that replaces it starts from nothing.
  const { export: unfinished, ...rest } = plan.state;
  const state: StreamState = unfinished !== undefined ? { ...rest, cursor: null } : plan.state;
  return readScanStream(ctx, sync.scanSettings, { stream: name, table: name, cursorField, state, segmentsForNewScan, ...selection });
}

/**
 * Which attributes leave the connector: the config's excluded_attributes and the catalog's deselected ones are
 * dropped from every record; an include-list selection is pushed down to DynamoDB as a projection. Key attributes
 * and the cursor can be neither excluded nor deselected.
 */
function attributeSelection(config: Config, stream: ConfiguredStream, table: TableDescription): { omit?: ReadonlySet<string>; project?: readonly string[] } {
  const keys = tableKeys(table);
  const keyNames = [keys.hashKey, ...(keys.rangeKey === undefined ? [] : [keys.rangeKey])];
  const excluded = excludedAttributesFor(config, stream.name);
  const omit = new Set([...excluded, ...stream.deselected]);
  const required = [...keyNames, ...(stream.cursorField === undefined ? [] : [stream.cursorField])];
  for (const name of required) {
    if (!omit.has(name)) continue;
    const role = keyNames.includes(name) ? 'a key attribute' : 'the replication key (cursor)';
    const by = excluded.has(name) ? 'excluded_attributes excludes' : 'the catalog deselects';
    throw configError(`${by} ${name}, which is ${role} and cannot be left out; select it (or remove it from excluded_attributes).`, { stream: stream.name });
  }
  const out: { omit?: ReadonlySet<string>; project?: readonly string[] } = {};
  if (omit.size > 0) out.omit = omit;
  if (stream.selectedOnly !== undefined) out.project = [...new Set([...required, ...stream.selectedOnly])].filter((n) => !omit.has(n));
  return out;
}

function internalMessage(error: ConnectorError): string {
  const cause = error.details.cause as { name?: string; message?: string } | undefined;
  return cause ? `${cause.name ?? 'Error'}: ${cause.message ?? ''}` : error.message;
}

/** Validates the streams against the config's table filters and parses each stream's state; throws config_error. */
function planStreams(config: Config, streams: readonly ConfiguredStream[], states: ReadonlyMap<string, unknown>, log: Logger): StreamPlan[] {
  const included = makeTableFilter({ include: config.include_tables, exclude: config.exclude_tables });
  const seen = new Set<string>();
  return streams.map((stream) => {
    if (seen.has(stream.name)) throw configError(`Stream ${stream.name} appears twice in the catalog.`, { stream: stream.name });
    seen.add(stream.name);
    if (!included(stream.name)) {
      throw configError(`Stream ${stream.name} is not one of this source's streams: the table filters of the config exclude it. Run discover again and update the catalog.`, { stream: stream.name });
    }
    const incrementalBy = stream.syncMode === 'incremental' ? (stream.incrementalBy ?? configIncrementalBy(config)) : undefined;
    const fromStream = incrementalBy === 'dynamodb_streams';
    const raw = states.get(stream.name);
    let state = raw === undefined ? emptyState(stream.syncMode) : parseStreamState(stream.name, raw, stream.syncMode);
    if (incrementalBy !== undefined && writtenBy(state) !== incrementalBy && writtenBy(state) !== undefined) {
      const how = { cursor: 'by a cursor', dynamodb_streams: 'from DynamoDB Streams', s3_export: 'from exports to S3' };
      throw configError(
        `The state of stream ${stream.name} was written by incremental syncs ${how[writtenBy(state)!]}, but this sync reads it ${how[incrementalBy]}. Reset the stream, then sync again.`,
        { stream: stream.name },
      );
    }
    if (stream.cursorField !== undefined && state.cursor !== null && state.cursor.field !== stream.cursorField) {
      log('WARN', `Stream ${stream.name}: the cursor field changed from ${state.cursor.field} to ${stream.cursorField}; every item is read again.`);
      state = emptyState(stream.syncMode);
    }
    return { configured: stream, state, incrementalBy };
  });
}

/**
 * Streams incremental by cursor on a table with a cursor_indexes entry: its index is checked against the table
 * (exists, sort key is the stream's cursor, partition values of its key's type) before any record is read.
 */
async function withCursorIndexes(config: Config, plans: StreamPlan[], client: DynamoDBClient, log: Logger): Promise<StreamPlan[]> {
  const maxRetries = config.max_retries ?? 10;
  return mapConcurrent(plans, DESCRIBE_CONCURRENCY, async (plan) => {
    const entry = plan.incrementalBy === 'cursor' ? cursorIndexEntryFor(config, plan.configured.name) : undefined;
    if (entry === undefined) return plan;
    const description = await describeTable({ client, log, maxRetries }, plan.configured.name);
    const index = resolveCursorIndex(description, entry, plan.configured.cursorField);
    if (index instanceof ConnectorError) throw index;
    return { ...plan, cursorIndex: index };
  });
}

/** Which incremental method wrote a state; undefined when nothing tells (an empty state). */
function writtenBy(state: StreamState): IncrementalBy | undefined {
  if (state.cdc !== null) return 'dynamodb_streams';
  if (state.cursor !== null) return 'cursor';
  if (state.exported_until !== undefined || state.export !== undefined) return 's3_export';
  return undefined;
}


/** The DynamoDB Streams settings of the config, or their defaults when the config is in another mode (a Singer
 *  catalog can ask for LOG_BASED per stream). */
function cdcSettingsOf(config: Config, columns: CdcColumns): CdcSettings {
  const replication = config.replication?.mode === 'dynamodb_streams' ? config.replication : undefined;
  return { onDataLoss: replication?.on_data_loss ?? 'fail', maxStreamReadMs: (replication?.max_stream_read_seconds ?? 300) * 1000, columns };
}

function outputSettings(config: Config): OutputSettings {
  return {
    maxRetries: config.max_retries ?? 10,
    readConcurrency: config.read_concurrency ?? 8,
    checkpointIntervalMs: (config.checkpoint_interval_seconds ?? 15) * 1000,
    checkpointRecords: config.checkpoint_records ?? 10_000,
  };
}
