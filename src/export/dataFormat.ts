// The one place where an export's format (the summary's outputFormat) picks its data-file reader (a DataFileFormat):
// DynamoDB JSON (jsonDataFile.ts) or Amazon Ion text (ionDataFile.ts, loaded only when an Ion export is read: ion-js
// is a large module that JSON-only syncs never need).
import type { LineConversion } from '../convert/exportLines.js';
import type { DataFileFormat } from './dataFileFormat.js';
import { jsonDataFileFormat } from './jsonDataFile.js';

export type ExportFormat = 'DYNAMODB_JSON' | 'ION';

export const EXPORT_FORMATS: readonly ExportFormat[] = ['DYNAMODB_JSON', 'ION'];

export function isExportFormat(value: string): value is ExportFormat {
  return (EXPORT_FORMATS as readonly string[]).includes(value);
}

/** The reader of the data files of an export of this format, for its kind and conversion. */
export async function dataFileFormatFor(format: ExportFormat, conversion: LineConversion): Promise<DataFileFormat> {
  if (format === 'ION') return (await import('./ionDataFile.js')).ionDataFileFormat(conversion);
  return jsonDataFileFormat(conversion);
}
