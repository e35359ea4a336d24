// The two manifests of an export (AWS's layout, under <prefix>/AWSDynamoDB/<ExportId>/): manifest-summary.json, one
// JSON object, and manifest-files.json, one JSON line per data file. Data file keys are always taken from the
// manifest: some incremental exports keep their data files in a folder shared by several exports.
import { createInterface } from 'node:readline';
import { ConnectorError } from '../errors/ConnectorError.js';
import { EXPORT_FORMATS, isExportFormat, type ExportFormat } from './dataFormat.js';
import { openObject, readObjectText, type S3ReadContext } from './s3Objects.js';

export interface ManifestSummary {
  exportArn: string;
  manifestFilesS3Key: string;
  itemCount: number;
  outputFormat: ExportFormat;
  exportType: 'FULL_EXPORT' | 'INCREMENTAL_EXPORT';
  exportTime: string | undefined;
  /** The exported table (absent from summaries that do not name it). */
  tableArn: string | undefined;
  /** Incremental exports: the window [exportFromTime, exportToTime). */
  exportFromTime: string | undefined;
  exportToTime: string | undefined;
  /** A status, when the summary carries one (AWS writes the summary once the export has COMPLETED). */
  status: string | undefined;
}

export interface DataFile {
  /** Its line in manifest-files.json: how the stream state names it. */
  index: number;
  key: string;
  itemCount: number;
}

/** Where AWS puts manifest-summary.json, for an export description that does not name it. */
export function manifestSummaryKey(prefix: string | undefined, exportArn: string): string {
  const exportId = exportArn.slice(exportArn.lastIndexOf('/') + 1);
  return `${prefix ? prefix.replace(/\/+$/, '') + '/' : ''}AWSDynamoDB/${exportId}/manifest-summary.json`;
}

export async function readManifestSummary(ctx: S3ReadContext, bucket: string, key: string, stream?: string): Promise<ManifestSummary> {
  const text = await readObjectText(ctx, bucket, key, stream);
  const bad = (what: string) => new ConnectorError('system_error', `The export manifest s3://${bucket}/${key} ${what}`, stream !== undefined ? { stream } : {});
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw bad('is not JSON');
  }
  if (typeof parsed.manifestFilesS3Key !== 'string' || typeof parsed.exportArn !== 'string') throw bad('names no manifestFilesS3Key or exportArn');
  const format = typeof parsed.outputFormat === 'string' ? parsed.outputFormat : 'DYNAMODB_JSON';
  if (!isExportFormat(format)) throw bad(`is in ${format}; this connector reads ${EXPORT_FORMATS.join(' and ')} exports`);
  const field = (name: string) => (typeof parsed[name] === 'string' ? (parsed[name] as string) : undefined);
  return {
    exportArn: parsed.exportArn,
    manifestFilesS3Key: parsed.manifestFilesS3Key,
    itemCount: typeof parsed.itemCount === 'number' ? parsed.itemCount : 0,
    outputFormat: format,
    exportType: parsed.exportType === 'INCREMENTAL_EXPORT' ? 'INCREMENTAL_EXPORT' : 'FULL_EXPORT',
    exportTime: field('exportTime'),
    tableArn: field('tableArn'),
    exportFromTime: field('exportFromTime'),
    exportToTime: field('exportToTime'),
    status: field('exportStatus') ?? field('status'),
  };
}

/** Streamed line by line: a large export lists thousands of files. */
export async function readManifestFiles(ctx: S3ReadContext, bucket: string, key: string, stream?: string): Promise<DataFile[]> {
  const body = await openObject(ctx, bucket, key, stream);
  const files: DataFile[] = [];
  const lines = createInterface({ input: body, crlfDelay: Infinity });
  let lineNumber = 0;
  for await (const line of lines) {
    lineNumber++;
    if (line.trim() === '') continue;
    let entry: Record<string, unknown>;
    try {
      entry = JSON.parse(line) as Record<string, unknown>;
    } catch {
      throw new ConnectorError('system_error', `Line ${lineNumber} of the export manifest s3://${bucket}/${key} is not JSON`);
    }
    if (typeof entry.dataFileS3Key !== 'string' || !Number.isInteger(entry.itemCount) || (entry.itemCount as number) < 0) {
      throw new ConnectorError('system_error', `Line ${lineNumber} of the export manifest s3://${bucket}/${key} has no dataFileS3Key or itemCount`);
    }
    files.push({ index: files.length, key: entry.dataFileS3Key, itemCount: entry.itemCount as number });
  }
  return files;
}
