// Exports made beforehand (export.mode existing): found in the bucket by their manifest-summary.json under
// <s3_prefix>/…/AWSDynamoDB/<ExportId>/, using S3 alone (ListObjectsV2 and GetObject; no DynamoDB export API, so no
// export permission). A summary is written when its export has COMPLETED; one that says otherwise is passed over.
// The exports of a table are put in the order they cover time: a full export at its exportTime, an incremental one
// at its exportToTime.
import { awsErrorName, toConnectorError } from '../aws/errors.js';
import { firstLine, withRetry } from '../aws/retry.js';
import { ConnectorError, configError } from '../errors/ConnectorError.js';
import { mapConcurrent } from '../util/concurrency.js';
import type { ExportTarget } from './exportApi.js';
import type { ExportFormat } from './dataFormat.js';
import { readManifestSummary } from './manifest.js';
import { s3ReadError, type S3ReadContext } from './s3Objects.js';

/** Summaries fetched at once while listing (each is one small GetObject). */
const SUMMARY_READS_AT_ONCE = 8;
const SUMMARY_KEY = /(?:^|\/)AWSDynamoDB\/[^/]+\/manifest-summary\.json$/;

export interface FoundExport {
  exportArn: string;
  /** The key of its manifest-summary.json. */
  summaryKey: string;
  tableArn: string | undefined;
  kind: 'full' | 'incremental';
  format: ExportFormat;
  /** Full exports: the point in time of the table. */
  exportTime: string | undefined;
  /** Incremental exports: [from, to). */
  window: { from: string; to: string } | null;
  /** Where the export ends in time (exportTime or exportToTime), ISO 8601: the order exports are loaded in. */
  until: string;
}

export const s3PrefixText = (target: ExportTarget) => `s3://${target.bucket}/${target.prefix ? target.prefix + '/' : ''}`;

/** Every export under the prefix with a readable summary, in time order. */
export async function listExports(ctx: S3ReadContext, target: ExportTarget): Promise<FoundExport[]> {
  const keys = await listSummaryKeys(ctx, target);
  const found = await mapConcurrent(keys, SUMMARY_READS_AT_ONCE, async (key) => {
    const summary = await readManifestSummary(ctx, target.bucket, key).catch((err: unknown) => {
      // One damaged or foreign summary must not hide the others: it is named and passed over.
      if (err instanceof ConnectorError && err.failureType === 'system_error') {
        ctx.log('WARN', `Skipping s3://${target.bucket}/${key}: ${err.message}`);
        return undefined;
      }
      throw err;
    });
    if (summary === undefined) return undefined;
    if (summary.status !== undefined && summary.status !== 'COMPLETED') return undefined;
    const kind = summary.exportType === 'INCREMENTAL_EXPORT' ? ('incremental' as const) : ('full' as const);
    const window = kind === 'incremental' && summary.exportFromTime !== undefined && summary.exportToTime !== undefined ? { from: summary.exportFromTime, to: summary.exportToTime } : null;
    const until = kind === 'incremental' ? window?.to : summary.exportTime;
    if (until === undefined || Number.isNaN(Date.parse(until))) {
      ctx.log('WARN', `Skipping s3://${target.bucket}/${key}: the summary gives no ${kind === 'incremental' ? 'exportFromTime/exportToTime' : 'exportTime'}.`);
      return undefined;
    }
    const entry: FoundExport = { exportArn: summary.exportArn, summaryKey: key, tableArn: summary.tableArn, kind, format: summary.outputFormat, exportTime: summary.exportTime, window, until: new Date(until).toISOString() };
    return entry;
  });
  return found.filter((e): e is FoundExport => e !== undefined).sort(compareExports);
}

/** Time order; at the same moment the changes up to it before the snapshot of it; then by ARN, for a stable order. */
export function compareExports(a: FoundExport, b: FoundExport): number {
  if (a.until !== b.until) return a.until < b.until ? -1 : 1;
  if (a.kind !== b.kind) return a.kind === 'incremental' ? -1 : 1;
  return a.exportArn < b.exportArn ? -1 : a.exportArn > b.exportArn ? 1 : 0;
}

/** "arn:aws:dynamodb:r:a:table/orders" and "…:table/orders/export/…" → "orders". */
export function tableNameOfArn(arn: string): string | undefined {
  return /:table\/([^/]+)/.exec(arn)?.[1];
}

/**
 * The exports of one table: those whose tableArn is the table's ARN when any is; otherwise those of a table of the
 * same name (the ARN differs when the exports were made in another account or region, or copied there).
 */
export function exportsOfTable(all: readonly FoundExport[], table: { name: string; arn: string | undefined }): FoundExport[] {
  const sameArn = table.arn === undefined ? [] : all.filter((e) => e.tableArn === table.arn);
  if (sameArn.length > 0) return sameArn;
  return all.filter((e) => (e.tableArn !== undefined ? tableNameOfArn(e.tableArn) : tableNameOfArn(e.exportArn)) === table.name);
}

export function noExportError(target: ExportTarget, tableName: string, what: string, stream?: string): ConnectorError {
  return configError(
    `export.mode is existing, but s3://${target.bucket}/${target.prefix ?? ''} (bucket ${target.bucket}, prefix ${target.prefix ? JSON.stringify(target.prefix) : 'none'}) holds ${what} of table ${tableName}. ` +
      'Check export.s3_bucket and export.s3_prefix (the S3Prefix your exports were requested with), or set export.mode to request.',
    stream !== undefined ? { stream } : {},
  );
}

async function listSummaryKeys(ctx: S3ReadContext, target: ExportTarget): Promise<string[]> {
  const { ListObjectsV2Command } = await import('../aws/s3Sdk.js');
  const prefix = target.prefix ? target.prefix + '/' : '';
  const keys: string[] = [];
  let token: string | undefined;
  try {
    do {
      const page = await withRetry(
        () => ctx.s3.send(new ListObjectsV2Command({ Bucket: target.bucket, Prefix: prefix, ...(token !== undefined ? { ContinuationToken: token } : {}), ...(target.bucketOwner ? { ExpectedBucketOwner: target.bucketOwner } : {}) })),
        { what: `ListObjectsV2 of ${s3PrefixText(target)}`, log: ctx.log, maxRetries: ctx.maxRetries },
      );
      for (const object of page.Contents ?? []) if (object.Key !== undefined && SUMMARY_KEY.test(object.Key)) keys.push(object.Key);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
  } catch (err) {
    throw listError(err, target);
  }
  return keys;
}

function listError(err: unknown, target: ExportTarget): ConnectorError {
  const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  if (awsErrorName(err) === 'AccessDenied' || status === 403) {
    return configError(
      `Access denied listing ${s3PrefixText(target)} (${firstLine((err as Error).message)}). Grant s3:ListBucket on arn:aws:s3:::${target.bucket}` +
        `${target.prefix ? ` (condition s3:prefix "${target.prefix}/*")` : ''} and s3:GetObject on arn:aws:s3:::${target.bucket}/${target.prefix ? target.prefix + '/' : ''}* to these credentials.`,
      { cause: err },
    );
  }
  const read = s3ReadError(err, target.bucket, target.prefix ?? '');
  return read.failureType === 'config_error' ? read : toConnectorError(err, 's3:ListBucket', s3PrefixText(target));
}
