// The DynamoDB side of an export to S3: ask for it (idempotently), wait for it, and turn what can go wrong into
// messages that say what to enable. The S3 side (manifests, data files) is in manifest.ts and exportReader.ts.
import {
  DescribeContinuousBackupsCommand,
  DescribeExportCommand,
  ExportTableToPointInTimeCommand,
  type DynamoDBClient,
  type ExportDescription,
  type ExportTableToPointInTimeCommandInput,
} from '@aws-sdk/client-dynamodb';
import { createHash } from 'node:crypto';
import { awsErrorName, isAccessDenied, toConnectorError } from '../aws/errors.js';
import { firstLine, withRetry } from '../aws/retry.js';
import type { Config } from '../config/validate.js';
import { ConnectorError, configError } from '../errors/ConnectorError.js';
import type { Logger } from '../log.js';
import type { ExportState } from '../state/streamState.js';
import { abortableSleep } from './abortableSleep.js';
import type { ExportFormat } from './dataFormat.js';

/** AWS's limits on an incremental export's window (ExportFromTime..ExportToTime), for callers that plan windows. */
export const MIN_INCREMENTAL_WINDOW_MS = 15 * 60_000;
export const MAX_INCREMENTAL_WINDOW_MS = 24 * 3600_000;

/** Exports take minutes to hours: DescribeExport is polled with a growing interval up to this cap. */
export const DEFAULT_POLL = { initialMs: 2_000, maxMs: 60_000 };

export interface ExportTarget {
  bucket: string;
  /** Without a trailing slash; undefined for the bucket's root. */
  prefix?: string;
  bucketOwner?: string;
  /** The format of the exports requested (ExportFormat); DYNAMODB_JSON when unset. */
  format?: ExportFormat;
  /**
   * export.mode existing: exports are not requested but found under the prefix (existingExports.ts); `exportArn`
   * pins one of them.
   */
  existing?: { exportArn?: string };
}

export interface ExportApiContext {
  dynamodb: DynamoDBClient;
  log: Logger;
  maxRetries: number;
  interrupt: AbortSignal;
}

export interface PollPolicy {
  initialMs: number;
  maxMs: number;
}

/** The export settings of the config; a config_error when exports are used without a bucket. */
export function exportTargetFromConfig(config: Config): ExportTarget {
  const e = config.export ?? {};
  if (!e.s3_bucket) {
    throw configError('Exports to S3 are configured (initial_load export, replication mode s3_export, on_data_loss export or export.mode existing) but export.s3_bucket is not set.');
  }
  const prefix = (e.s3_prefix ?? '').replace(/\/+$/, '');
  return {
    bucket: e.s3_bucket,
    ...(prefix ? { prefix } : {}),
    ...(e.s3_bucket_owner ? { bucketOwner: e.s3_bucket_owner } : {}),
    ...(e.format === 'ION' ? { format: 'ION' as const } : {}),
    ...(e.mode === 'existing' ? { existing: e.export_arn ? { exportArn: e.export_arn } : {} } : {}),
  };
}

/**
 * Same stream, table, export and destination → same token, so a request sent again after a crash (within AWS's
 * 8 hours) returns the export already started instead of starting a second one.
 */
export function clientTokenFor(tableArn: string, stream: string, part: ExportState, target: ExportTarget): string {
  const identity = [tableArn, stream, part.kind, part.requested_at, part.export_time ?? '', part.window?.from ?? '', part.window?.to ?? '', target.bucket, target.prefix ?? ''];
  // Only a non-default format joins the identity, so the tokens of DynamoDB JSON exports stay what they were.
  if (target.format !== undefined && target.format !== 'DYNAMODB_JSON') identity.push(target.format);
  return 'source-dynamodb-' + createHash('sha256').update(JSON.stringify(identity)).digest('hex').slice(0, 40);
}

export interface ExportRequest {
  stream: string;
  tableArn: string;
  tableName: string;
  target: ExportTarget;
  part: ExportState;
}

export async function requestExport(api: ExportApiContext, request: ExportRequest): Promise<ExportDescription> {
  const { part, target } = request;
  const input: ExportTableToPointInTimeCommandInput = {
    TableArn: request.tableArn,
    S3Bucket: target.bucket,
    ExportFormat: target.format ?? 'DYNAMODB_JSON',
    ClientToken: clientTokenFor(request.tableArn, request.stream, part, target),
    ...(target.prefix ? { S3Prefix: target.prefix } : {}),
    ...(target.bucketOwner ? { S3BucketOwner: target.bucketOwner } : {}),
  };
  if (part.kind === 'full') {
    input.ExportType = 'FULL_EXPORT';
    if (part.export_time !== null) input.ExportTime = new Date(part.export_time);
  } else {
    input.ExportType = 'INCREMENTAL_EXPORT';
    input.IncrementalExportSpecification = {
      ExportFromTime: new Date(part.window!.from),
      ExportToTime: new Date(part.window!.to),
      ExportViewType: 'NEW_AND_OLD_IMAGES',
    };
  }
  try {
    const out = await withRetry(() => api.dynamodb.send(new ExportTableToPointInTimeCommand(input)), {
      what: `ExportTableToPointInTime of ${request.tableName}`,
      log: api.log,
      maxRetries: api.maxRetries,
    });
    if (!out.ExportDescription?.ExportArn) throw new ConnectorError('system_error', `ExportTableToPointInTime of ${request.tableName} returned no export ARN`);
    return out.ExportDescription;
  } catch (err) {
    throw exportRequestError(err, request.tableName, target, request.stream);
  }
}

export async function describeExport(api: ExportApiContext, exportArn: string, stream?: string): Promise<ExportDescription> {
  try {
    const out = await withRetry(() => api.dynamodb.send(new DescribeExportCommand({ ExportArn: exportArn })), {
      what: `DescribeExport of ${exportArn}`,
      log: api.log,
      maxRetries: api.maxRetries,
    });
    return out.ExportDescription ?? {};
  } catch (err) {
    if (awsErrorName(err) === 'ExportNotFoundException') {
      return { ExportArn: exportArn, ExportStatus: 'FAILED', FailureCode: 'ExportNotFound', FailureMessage: firstLine((err as Error).message) };
    }
    throw toConnectorError(err, 'dynamodb:DescribeExport', `export ${exportArn}`, stream);
  }
}

/**
 * Polls until the export has ended (COMPLETED or FAILED; an export DynamoDB does not know counts as FAILED).
 * Resolves 'interrupted' when the sync is asked to stop first.
 */
export async function waitForExport(
  api: ExportApiContext,
  exportArn: string,
  info: { tableName: string; stream?: string },
  poll: PollPolicy = DEFAULT_POLL,
): Promise<ExportDescription | 'interrupted'> {
  let delay = poll.initialMs;
  for (;;) {
    const description = await describeExport(api, exportArn, info.stream);
    const status = description.ExportStatus;
    if (status === 'COMPLETED' || status === 'FAILED') return description;
    const since = description.StartTime ? `, started ${description.StartTime.toISOString()}` : '';
    api.log('INFO', `Export ${exportIdOf(exportArn)} of table ${info.tableName} is ${status ?? 'IN_PROGRESS'}${since}; next look in ${Math.round(delay / 1000)} s.`);
    if (await abortableSleep(delay, api.interrupt)) return 'interrupted';
    delay = Math.min(poll.maxMs, Math.round(delay * 1.5));
  }
}

export interface PointInTimeRecovery {
  enabled: boolean;
  earliest: Date | undefined;
  latest: Date | undefined;
}

/** Whether exports are possible for the table, and which times they can cover. */
export async function pointInTimeRecovery(api: ExportApiContext, tableName: string, stream?: string): Promise<PointInTimeRecovery> {
  try {
    const out = await withRetry(() => api.dynamodb.send(new DescribeContinuousBackupsCommand({ TableName: tableName })), {
      what: `DescribeContinuousBackups of ${tableName}`,
      log: api.log,
      maxRetries: api.maxRetries,
    });
    const pitr = out.ContinuousBackupsDescription?.PointInTimeRecoveryDescription;
    return { enabled: pitr?.PointInTimeRecoveryStatus === 'ENABLED', earliest: pitr?.EarliestRestorableDateTime, latest: pitr?.LatestRestorableDateTime };
  } catch (err) {
    throw toConnectorError(err, 'dynamodb:DescribeContinuousBackups', `table ${tableName}`, stream);
  }
}

export const pitrAdvice = (tableName: string) =>
  `Enable point-in-time recovery on table ${tableName} (console: the table's Backups tab; CLI: aws dynamodb update-continuous-backups ` +
  `--table-name ${tableName} --point-in-time-recovery-specification PointInTimeRecoveryEnabled=true). It covers changes from the moment it is enabled.`;

const s3Location = (target: ExportTarget) => `s3://${target.bucket}/${target.prefix ? target.prefix + '/' : ''}`;

const s3WriteAdvice = (target: ExportTarget) =>
  `The credentials need s3:PutObject, s3:PutObjectAcl and s3:AbortMultipartUpload on arn:aws:s3:::${target.bucket}/${target.prefix ? target.prefix + '/' : ''}*` +
  (target.bucketOwner ? `, and the bucket policy of account ${target.bucketOwner} must allow them.` : '.');

export function exportRequestError(err: unknown, tableName: string, target: ExportTarget, stream?: string): ConnectorError {
  if (err instanceof ConnectorError) return err;
  const name = awsErrorName(err);
  const detail = firstLine((err as Error)?.message);
  const details = { cause: err, ...(stream !== undefined ? { stream } : {}) };
  if (name === 'PointInTimeRecoveryUnavailableException' || name === 'ContinuousBackupsUnavailableException') {
    return configError(`Table ${tableName} cannot be exported to S3: point-in-time recovery is off (${name}). ${pitrAdvice(tableName)}`, details);
  }
  if (name === 'InvalidExportTimeException') {
    return configError(`The export of table ${tableName} asks for a time outside its point-in-time recovery window (${detail}). Point-in-time recovery covers at most 35 days back and nothing before it was enabled.`, details);
  }
  if (isAccessDenied(err)) {
    return configError(`Access denied: dynamodb:ExportTableToPointInTime on table ${tableName} is not allowed for these credentials (${detail}). Grant it; ${s3WriteAdvice(target)}`, details);
  }
  return toConnectorError(err, 'dynamodb:ExportTableToPointInTime', `table ${tableName}`, stream);
}

/** A FAILED export: the bucket's permissions or existence are the user's to fix; anything else is worth a retry. */
export function exportFailedError(description: ExportDescription, tableName: string, target: ExportTarget, stream?: string): ConnectorError {
  const code = description.FailureCode ?? 'UNKNOWN';
  const message = description.FailureMessage ?? 'no message';
  const details = stream !== undefined ? { stream } : {};
  const what = `The export ${description.ExportArn ?? ''} of table ${tableName} to ${s3Location(target)} failed: ${code}: ${message}.`;
  if (/AccessDenied|Forbidden|KMS/i.test(code)) return configError(`${what} ${s3WriteAdvice(target)}`, details);
  if (/NoSuchBucket|InvalidBucket/i.test(code)) return configError(`${what} Check export.s3_bucket (and export.s3_bucket_owner for a bucket of another account).`, details);
  return new ConnectorError('transient_error', `${what} The next sync requests a new export.`, details);
}

/** "arn:…/export/01234567890123-a1b2c3d4" → "01234567890123-a1b2c3d4". */
export function exportIdOf(exportArn: string): string {
  return exportArn.slice(exportArn.lastIndexOf('/') + 1);
}
