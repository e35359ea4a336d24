// read: resolve the catalog and state up front (anything wrong there stops the sync before a record is sent), then
// read the streams concurrently into one ordered queue. Each stream goes STARTED → RUNNING → COMPLETE, or
// INCOMPLETE with an ERROR trace while the other streams finish.
import type { DynamoDBClient, TableDescription } from '@aws-sdk/client-dynamodb';
import type { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { createDynamoDBClient, createStreamsClient } from '../aws/clients.js';
import { readCdcStream, type CdcSettings } from '../streams/cdcStream.js';
import { toConnectorError } from '../aws/errors.js';
import type { Config } from '../config/validate.js';
import { makeTableFilter } from '../discovery/tableFilter.js';
import { describeTable } from '../discovery/tables.js';
import { configError, ConnectorError } from '../errors/ConnectorError.js';
import type { Logger } from '../log.js';
import { errorTraceMessage, estimateTraceMessage, logMessage, streamStatusMessage } from '../protocol/airbyte/build.js';
import type { Message } from '../protocol/airbyte/messages.js';
import { parseStateInput } from '../state/stateInput.js';
import { emptyState, parseStreamState, type StreamState } from '../state/streamState.js';
import { mapConcurrent, Semaphore } from '../util/concurrency.js';
import { parseConfiguredCatalog, type ConfiguredStream } from './catalog.js';
import { OutputQueue } from './outputQueue.js';
import { readScanStream, type ScanContext, type ScanSettings } from '../scan/scanStream.js';
import { autoSegments } from '../scan/segments.js';

/** Messages buffered between the readers and stdout before readers wait: a few pages' worth. */
const QUEUE_CAPACITY = 20_000;

export interface ReadOptions {
  /** Aborted on SIGTERM/SIGINT: streams stop, checkpoint, and the sync ends with an error. */
  interrupt?: AbortSignal;
}

interface StreamPlan {
  configured: ConfiguredStream;
  state: StreamState;
}

export async function* readStreams(config: Config, rawCatalog: unknown, rawState: unknown, options: ReadOptions = {}): AsyncGenerator<Message> {
  const queue = new OutputQueue(QUEUE_CAPACITY);
  const log: Logger = (level, message) => queue.pushNow(logMessage(level, message));
  const cdcSettings = cdcSettingsOf(config);
  const plans = planStreams(config, rawCatalog, rawState, log, cdcSettings !== undefined);
  const client = createDynamoDBClient(config);
  const cdc = cdcSettings && plans.some((p) => p.configured.syncMode === 'incremental') ? { client: createStreamsClient(config), settings: cdcSettings } : undefined;
  const interrupt = options.interrupt ?? new AbortController().signal;
  const settings = scanSettings(config);
  const ctx: ScanContext = { client, queue, log, settings, interrupt, scanPermits: new Semaphore(settings.readConcurrency) };

  const producer = (async () => {
    let interrupted = false;
    await mapConcurrent(plans, settings.readConcurrency, async (plan) => {
      if (interrupt.aborted) return;
      const outcome = await readOneStream(ctx, client, config, plan, cdc);
      if (outcome === 'interrupted') interrupted = true;
    });
    if (interrupted || interrupt.aborted) {
      queue.pushNow(errorTraceMessage('transient_error', 'The sync was interrupted before every stream finished. Run it again with the last STATE to resume.'));
    }
  })()
    .catch((err: unknown) => queue.pushNow(errorTraceMessage('system_error', `Unexpected failure: ${(err as Error)?.message ?? String(err)}`)))
    .finally(() => {
      client.destroy();
      cdc?.client.destroy();
      queue.close();
    });

  yield* queue.drain();
  await producer;
}

interface CdcClient {
  client: DynamoDBStreamsClient;
  settings: CdcSettings;
}

async function readOneStream(
  ctx: ScanContext,
  client: DynamoDBClient,
  config: Config,
  plan: StreamPlan,
  cdc: CdcClient | undefined,
): Promise<'complete' | 'interrupted' | 'failed'> {
  const { name, syncMode, cursorField } = plan.configured;
  await ctx.queue.push([streamStatusMessage(name, 'STARTED')]);
  try {
    const table: TableDescription = await describeTable({ client, log: ctx.log, maxRetries: ctx.settings.maxRetries }, name);
    await ctx.queue.push([estimateTraceMessage(name, table.ItemCount ?? 0, table.TableSizeBytes ?? 0)]);
    const segmentsForNewScan = config.scan_segments ?? autoSegments(table.TableSizeBytes);
    const outcome =
      cdc !== undefined && syncMode === 'incremental'
        ? await readCdcStream(ctx, cdc.client, cdc.settings, { stream: name, table, state: plan.state, segmentsForNewScan })
        : await readScanStream(ctx, {
            stream: name,
            table: name,
            syncMode,
            cursorField,
            state: plan.state,
            segmentsForNewScan,
            status: { running: false },
          });
    await ctx.queue.push([streamStatusMessage(name, outcome === 'complete' ? 'COMPLETE' : 'INCOMPLETE')]);
    return outcome;
  } catch (err) {
    const error = err instanceof ConnectorError ? err : toConnectorError(err, 'read', `stream ${name}`, name);
    await ctx.queue.push([
      streamStatusMessage(name, 'INCOMPLETE'),
      errorTraceMessage(error.failureType, `Stream ${name} failed: ${error.message}`, { stream: name, internalMessage: internalMessage(error) }),
    ]);
    return 'failed';
  }
}

function internalMessage(error: ConnectorError): string {
  const cause = error.details.cause as { name?: string; message?: string } | undefined;
  return cause ? `${cause.name ?? 'Error'}: ${cause.message ?? ''}` : error.message;
}

/** Validates the catalog against the config's table filters and parses each stream's state; throws config_error. */
function planStreams(config: Config, rawCatalog: unknown, rawState: unknown, log: Logger, streamsMode: boolean): StreamPlan[] {
  // In DynamoDB Streams mode the cursor is the source's own (_ab_cdc_cursor): the catalog need not name one.
  const configured = parseConfiguredCatalog(rawCatalog, { sourceDefinedCursor: streamsMode });
  const states = parseStateInput(rawState);
  const included = makeTableFilter({ include: config.include_tables, exclude: config.exclude_tables });
  return configured.map((stream) => {
    if (!included(stream.name)) {
      throw configError(`Stream ${stream.name} is not one of this source's streams: the table filters of the config exclude it. Run discover again and update the catalog.`, { stream: stream.name });
    }
    const raw = states.get(stream.name);
    let state = raw === undefined ? emptyState(stream.syncMode) : parseStreamState(stream.name, raw, stream.syncMode);
    if (stream.syncMode === 'incremental' && (streamsMode ? state.cursor !== null : state.cdc !== null)) {
      throw configError(
        `The state of stream ${stream.name} was written in ${streamsMode ? 'scan' : 'DynamoDB Streams'} replication mode, but the config now uses ${streamsMode ? 'DynamoDB Streams' : 'scan'} mode. Reset the stream, then sync again.`,
        { stream: stream.name },
      );
    }
    if (stream.cursorField !== undefined && state.cursor !== null && state.cursor.field !== stream.cursorField) {
      log('WARN', `Stream ${stream.name}: the cursor field changed from ${state.cursor.field} to ${stream.cursorField}; every item is read again.`);
      state = emptyState(stream.syncMode);
    }
    return { configured: stream, state };
  });
}

function cdcSettingsOf(config: Config): CdcSettings | undefined {
  const replication = config.replication;
  if (replication?.mode !== 'dynamodb_streams') return undefined;
  return { onDataLoss: replication.on_data_loss ?? 'fail', maxStreamReadMs: (replication.max_stream_read_seconds ?? 300) * 1000 };
}

function scanSettings(config: Config): ScanSettings {
  return {
    consistentRead: config.consistent_read ?? false,
    pageSize: config.page_size,
    maxRetries: config.max_retries ?? 10,
    readConcurrency: config.read_concurrency ?? 8,
    checkpointIntervalMs: (config.checkpoint_interval_seconds ?? 15) * 1000,
    checkpointRecords: config.checkpoint_records ?? 10_000,
  };
}
