// The one place where an export's format (the summary's outputFormat) picks how its data-file lines become records:
// DynamoDB JSON lines (exportLine.ts) or Amazon Ion text lines (ionLine.ts, loaded only when an Ion export is read).
import { fullExportLineConverter, incrementalLineConverter, type LineConversion } from './exportLine.js';

export type ExportFormat = 'DYNAMODB_JSON' | 'ION';

export const EXPORT_FORMATS: readonly ExportFormat[] = ['DYNAMODB_JSON', 'ION'];

export function isExportFormat(value: string): value is ExportFormat {
  return (EXPORT_FORMATS as readonly string[]).includes(value);
}

/** Turns one line of a data file of an export of this format and kind into the JSON text of a record. */
export async function lineConverterFor(format: ExportFormat, kind: 'full' | 'incremental', conversion: LineConversion): Promise<(line: string) => string> {
  if (format === 'ION') {
    const ion = await import('./ionLine.js');
    return kind === 'full' ? ion.ionFullExportLineConverter(conversion) : ion.ionIncrementalLineConverter(conversion);
  }
  return kind === 'full' ? fullExportLineConverter(conversion) : incrementalLineConverter(conversion);
}
