// One stream in DynamoDB Streams mode. First sync: record the stream and its shards (STATE), snapshot the table
// with the resumable parallel scan (or a full export to S3, initial_load export), then read the stream from those shards, so every change made during the scan
// is delivered after the snapshot. Later syncs read only the stream. When the stream lost changes the last sync had
// not read, replication.on_data_loss decides: fail, take a new snapshot (a new generation), or fill the gap with an
// incremental export and read the stream again from its oldest change (a new generation without a snapshot).
import type { DynamoDBClient, TableDescription } from '@aws-sdk/client-dynamodb';
import type { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { configError } from '../errors/ConnectorError.js';
import type { CdcColumns } from '../pipeline/cdcColumns.js';
import type { SourceContext } from '../pipeline/sourceContext.js';
import { readScanStream, type ScanSettings } from '../scan/scanStream.js';
import type { CdcState, ExportState, StreamState } from '../state/streamState.js';
import { snapshotColumnsJson } from '../streams/changeRecord.js';
import { DataLossError, readChanges, streamProblem } from '../streams/changeReader.js';
import { shardsAtSnapshot } from '../streams/shardTree.js';
import { listShards } from '../streams/streamApi.js';
import { cdcCursor } from '../streams/changeRecord.js';
import { fillGapByExport, planGapExport, snapshotByExport, type ExportClients } from './exportSync.js';

export interface CdcSettings {
  onDataLoss: 'fail' | 'resnapshot' | 'export';
  maxStreamReadMs: number;
  columns: CdcColumns;
}

export interface CdcPlan {
  stream: string;
  table: TableDescription;
  state: StreamState;
  segmentsForNewScan: number;
  omit?: ReadonlySet<string>;
  project?: readonly string[];
}

export interface CdcClients {
  dynamodb: DynamoDBClient;
  streams: DynamoDBStreamsClient;
  scanSettings: ScanSettings;
  /** initial_load export: snapshots are full exports to S3 instead of scans. */
  exportSnapshot?: ExportClients;
  /** on_data_loss export: a gap in the stream is filled by an incremental export. */
  gapExport?: ExportClients;
}

export async function readCdcStream(ctx: SourceContext, clients: CdcClients, settings: CdcSettings, plan: CdcPlan): Promise<'complete' | 'interrupted'> {
  const { stream } = plan;
  const tableName = plan.table.TableName!;
  const problem = streamProblem(plan.table);
  const streamArn = plan.table.LatestStreamArn;
  if (problem !== undefined || streamArn === undefined) {
    throw configError(`Stream ${stream} is incremental in DynamoDB Streams mode, but ${problem}. Then reset the stream.`, { stream });
  }
  let state = plan.state;
  if (state.cdc !== null && state.cdc.stream_arn !== streamArn) {
    throw configError(
      `The DynamoDB stream of table ${tableName} changed since the last sync (it was disabled and enabled again: ${state.cdc.stream_arn} → ${streamArn}); changes in between may be lost. Reset the stream ${stream} to take a new snapshot.`,
      { stream },
    );
  }

  // Record the position before anything is scanned: no change made during the snapshot can be missed.
  // A gap export (on_data_loss export) takes the place of the snapshot: recorded in the same checkpoint, so a sync
  // killed right after resumes the export rather than scanning the table.
  const startSnapshot = async (generation: number, gap?: ExportState) => {
    const { shards } = await listShards({ streams: clients.streams, log: ctx.log, maxRetries: ctx.maxRetries }, streamArn);
    const cdc: CdcState = { stream_arn: streamArn, generation, snapshot_done: false, shards: shardsAtSnapshot(shards), read_until: new Date().toISOString() };
    const { export: _previous, ...rest } = state;
    state = { ...rest, scan: null, cursor: null, cdc, ...(gap !== undefined ? { export: gap } : {}) };
    const recorded = state;
    await ctx.emit([], () => recorded, 'now');
    ctx.log('INFO', `Stream ${stream}: snapshot generation ${generation} starts; ${shards.length} shards recorded.`);
  };
  if (state.cdc === null) await startSnapshot(0);

  for (;;) {
    const cdc = state.cdc as CdcState;
    if (!cdc.snapshot_done) {
      // Whatever took the snapshot's place (scan, full export, gap export) leaves no position behind.
      const snapshotFinished = ({ export: _done, ...s }: StreamState): StreamState => ({ ...s, scan: null, cdc: { ...cdc, snapshot_done: true } });
      const suffix = snapshotColumnsJson(settings.columns, cdc.generation, new Date());
      const omit = plan.omit !== undefined ? { omit: plan.omit } : {};
      const outcome = state.export?.kind === 'incremental' && clients.gapExport !== undefined
        ? await fillGapByExport(ctx, clients.gapExport, { stream, table: plan.table, state, cursor: cdcCursor(cdc.generation, 'snapshot'), columns: settings.columns, completeState: snapshotFinished, ...omit })
        : clients.exportSnapshot !== undefined
        ? await snapshotByExport(ctx, clients.exportSnapshot, { stream, table: plan.table, state, snapshotSuffix: suffix, completeState: snapshotFinished, ...(plan.omit !== undefined ? { omit: plan.omit } : {}) })
        : await readScanStream(ctx, clients.scanSettings, {
        stream,
        table: tableName,
        cursorField: undefined,
        state,
        segmentsForNewScan: plan.segmentsForNewScan,
        recordSuffix: suffix,
        ...(plan.omit !== undefined ? { omit: plan.omit } : {}),
        ...(plan.project !== undefined ? { project: plan.project } : {}),
        completeState: snapshotFinished,
      });
      if (outcome === 'interrupted') return outcome;
      state = snapshotFinished(state);
    }
    try {
      return await readChanges(ctx, clients.streams, {
        stream,
        tableName,
        streamArn,
        state,
        maxStreamReadMs: settings.maxStreamReadMs,
        columns: settings.columns,
        ...(plan.omit !== undefined ? { omit: plan.omit } : {}),
      });
    } catch (err) {
      if (!(err instanceof DataLossError)) throw err;
      if (settings.onDataLoss === 'fail') {
        ctx.log('WARN', `Stream ${stream}: ${err.message}`);
        throw configError(
          `Stream ${stream}: ${err.message}. Changes were lost. Reset the stream to take a new snapshot, or set replication.on_data_loss to "resnapshot".`,
          { stream },
        );
      }
      if (settings.onDataLoss === 'export' && clients.gapExport !== undefined) {
        const gap = await planGapExport(ctx, clients.gapExport, { stream, tableName, readUntil: cdc.read_until, loss: err.message });
        ctx.log('WARN', `Stream ${stream}: ${err.message}. Changes were lost; an incremental export of ${gap.window!.from} .. ${gap.window!.to} fills the gap, then the stream is read from its oldest change, as replication.on_data_loss asks.`);
        await startSnapshot(cdc.generation + 1, gap);
        continue;
      }
      ctx.log('WARN', `Stream ${stream}: ${err.message}. Changes were lost; taking a new snapshot as replication.on_data_loss asks.`);
      await startSnapshot(cdc.generation + 1);
    }
  }
}
