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
import { describeTable, tableKeys } from '../discovery/tables.js';
import { configError, ConnectorError } from '../errors/ConnectorError.js';
import type { Logger } from '../log.js';
import { AIRBYTE_CDC_COLUMNS, type CdcColumns } from '../pipeline/cdcColumns.js';
import type { ReadEvent } from '../pipeline/events.js';
import type { SourceContext } from '../pipeline/sourceContext.js';
import { readScanStream, scanSettingsFor, type ScanSettings } from '../scan/scanStream.js';
import { autoSegments } from '../scan/segments.js';
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
  const plans = planStreams(config, streams, states, log);
  const needsStreams = plans.some((p) => p.incrementalBy === 'dynamodb_streams');
  const cdcColumns = options.cdcColumns ?? AIRBYTE_CDC_COLUMNS;
  const cdcSettings = cdcSettingsOf(config, cdcColumns);
  // Exports found in the bucket (export.mode existing) are what the user wants snapshots from.
  const snapshotsByExport = config.initial_load === 'export' || config.export?.mode === 'existing';
  const gapsByExport = needsStreams && cdcSettings.onDataLoss === 'export';
  const needsExports = gapsByExport || plans.some((p) => p.incrementalBy === 's3_export' || (snapshotsByExport && p.incrementalBy !== 'cursor'));
  const s3 = needsExports ? await createS3Client(config) : undefined;
  const dynamodb = createDynamoDBClient(config);
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
  const output = new StreamOutput(name, sync.queue, sync.output, sync.progress);
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
