// The export source: a full or incremental export of one table, requested (or resumed), waited for and read, its
// records handed to the orchestrator with positions it can checkpoint. The export ARN is checkpointed before the
// first wait, and the request itself is idempotent, so a sync killed at any point resumes the same export and never
// starts a second one. What follows a finished export (a committed cursor, the next window, the stream) is the
// orchestrator's: it gets the outcome and emits the next state itself. An export found in the bucket (export.mode
// existing) is read the same way, without any call to DynamoDB's export API.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import { ConnectorError } from '../errors/ConnectorError.js';
import type { SourceContext } from '../pipeline/sourceContext.js';
import type { ExportState, ExportWindow, StreamState } from '../state/streamState.js';
import {
  DEFAULT_POLL,
  exportIdOf,
  exportFailedError,
  requestExport,
  waitForExport,
  type ExportApiContext,
  type ExportTarget,
  type PollPolicy,
} from './exportApi.js';
import type { RecordSuffix } from '../convert/exportLines.js';
import { dataFileFormatFor } from './dataFormat.js';
import { ExportProgress } from './exportProgress.js';
import { readDataFiles } from './exportReader.js';
import { manifestSummaryKey, readManifestFiles, readManifestSummary } from './manifest.js';
import { openObject, type S3ReadContext } from './s3Objects.js';

export interface ExportPlan {
  /** The stream's name, for messages and the ClientToken. */
  stream: string;
  table: { name: string; arn: string };
  target: ExportTarget;
  clients: { dynamodb: DynamoDBClient; s3: S3Client };
  /** A new export (newFullExport / newIncrementalExport) or the `export` part of the stream's state, to resume. */
  export: ExportState;
  /** The whole stream state with this export part (null: no export in progress, after a FAILED one). */
  stateWith(part: ExportState | null): StreamState;
  /** Metadata members appended to each record (see convert/exportLines.ts). */
  recordSuffix?: RecordSuffix;
  /** Top-level attributes left out of the records. */
  omit?: ReadonlySet<string>;
  poll?: PollPolicy;
  /** An export made beforehand, found under the prefix (export.mode existing): read from its summary, never requested or described. */
  found?: { summaryKey: string };
}

export type ExportOutcome =
  | {
      status: 'complete';
      exportArn: string;
      /** The point in time of a full export (as DynamoDB reports it). */
      exportTime: Date | undefined;
      /** The window of an incremental export. */
      window: ExportWindow | null;
      itemCount: number;
      fileCount: number;
      /** The export part as it ends (every file done): for the orchestrator's final state, if it wants it. */
      part: ExportState;
    }
  | { status: 'interrupted' };

/** A full export of the moment it is requested, or of `exportTime` (which must lie in the recovery window). */
export function newFullExport(exportTime?: Date, now = new Date()): ExportState {
  return { export_arn: null, kind: 'full', requested_at: now.toISOString(), export_time: exportTime ? exportTime.toISOString() : null, window: null, file_count: null, files_done: [], files_in_flight: {} };
}

/** The changes in [from, to): AWS wants 15 minutes to 24 hours, inside the point-in-time recovery window. */
export function newIncrementalExport(window: { from: Date; to: Date }, now = new Date()): ExportState {
  return {
    export_arn: null,
    kind: 'incremental',
    requested_at: now.toISOString(),
    export_time: null,
    window: { from: window.from.toISOString(), to: window.to.toISOString() },
    file_count: null,
    files_done: [],
    files_in_flight: {},
  };
}

export function readFullExport(ctx: SourceContext, plan: ExportPlan): Promise<ExportOutcome> {
  if (plan.export.kind !== 'full') throw new Error('readFullExport needs a full export part');
  return readExport(ctx, plan);
}

export function readIncrementalExport(ctx: SourceContext, plan: ExportPlan): Promise<ExportOutcome> {
  if (plan.export.kind !== 'incremental') throw new Error('readIncrementalExport needs an incremental export part');
  return readExport(ctx, plan);
}

export async function readExport(ctx: SourceContext, plan: ExportPlan): Promise<ExportOutcome> {
  const api: ExportApiContext = { dynamodb: plan.clients.dynamodb, log: ctx.log, maxRetries: ctx.maxRetries, interrupt: ctx.interrupt };
  const s3: S3ReadContext = { s3: plan.clients.s3, log: ctx.log, maxRetries: ctx.maxRetries };
  const { table, target, stream } = plan;
  const what = plan.export.kind === 'full' ? 'full export' : `incremental export of ${plan.export.window!.from} .. ${plan.export.window!.to}`;
  let part = plan.export;

  let exportTime: Date | undefined;
  let bucket = target.bucket;
  let summaryKey: string;
  if (plan.found !== undefined) {
    if (part.export_arn === null) throw new Error('An export found in the bucket has its ARN');
    ctx.log('INFO', `Loading the ${what} ${part.export_arn} of table ${table.name}, found at s3://${bucket}/${plan.found.summaryKey}.`);
    summaryKey = plan.found.summaryKey;
  } else {
    if (part.export_arn === null) {
      // Checkpointed first: the request's ClientToken derives from it, so asking again after a crash is harmless.
      const pending = part;
      await ctx.emit([], () => plan.stateWith(pending), 'now');
      const description = await requestExport(api, { stream, tableArn: table.arn, tableName: table.name, target, part });
      part = { ...part, export_arn: description.ExportArn! };
      const started = part;
      await ctx.emit([], () => plan.stateWith(started), 'now');
      ctx.log('INFO', `Requested a ${what} of table ${table.name} to s3://${target.bucket}/${target.prefix ?? ''}: ${description.ExportArn}`);
    } else {
      ctx.log('INFO', `Resuming the ${what} ${part.export_arn} of table ${table.name}.`);
    }
    const description = await waitForExport(api, part.export_arn!, { tableName: table.name, stream }, plan.poll ?? DEFAULT_POLL);
    if (description === 'interrupted') return { status: 'interrupted' };
    if (description.ExportStatus === 'FAILED') {
      // Forgotten, so that the next sync asks for a new export instead of failing on this one again.
      await ctx.emit([], () => plan.stateWith(null), 'now');
      throw exportFailedError(description, table.name, target, stream);
    }
    exportTime = description.ExportTime;
    bucket = description.S3Bucket ?? target.bucket;
    summaryKey = description.ExportManifest ?? manifestSummaryKey(description.S3Prefix ?? target.prefix, part.export_arn!);
  }
  const exportArn = part.export_arn!;
  const summary = await readManifestSummary(s3, bucket, summaryKey, stream);
  if (summary.exportTime !== undefined) exportTime ??= new Date(summary.exportTime);
  const files = await readManifestFiles(s3, bucket, summary.manifestFilesS3Key, stream);
  if (part.file_count !== null && part.file_count !== files.length) {
    throw new ConnectorError('system_error', `The state of stream ${stream} counts ${part.file_count} data files in export ${exportArn}, its manifest ${files.length}. Reset the stream.`, { stream });
  }
  part = { ...part, file_count: files.length };
  const progress = new ExportProgress(part);
  const started = Date.now();
  const left = files.filter((f) => !progress.isDone(f.index));
  ctx.log('INFO', `Export ${exportIdOf(exportArn)} of table ${table.name} is ready: ${summary.itemCount} items in ${files.length} files (${summary.outputFormat}); ${left.length} files to read.`);

  const format = await dataFileFormatFor(summary.outputFormat, { kind: part.kind, recordSuffix: plan.recordSuffix, omit: plan.omit });
  const outcome = await readDataFiles(ctx, {
    stream,
    bucket,
    files,
    progress,
    open: (file) => openObject(s3, bucket, file.key, stream),
    format,
    stateWith: (p) => plan.stateWith(p),
  });
  if (outcome === 'interrupted') return { status: 'interrupted' };
  const seconds = (Date.now() - started) / 1000;
  ctx.log('INFO', `Read export ${exportIdOf(exportArn)} of table ${table.name}: ${left.reduce((n, f) => n + f.itemCount, 0)} lines from ${left.length} files in ${seconds.toFixed(1)} s.`);
  return {
    status: 'complete',
    exportArn,
    exportTime,
    window: part.window,
    itemCount: summary.itemCount,
    fileCount: files.length,
    part: progress.snapshot(),
  };
}
