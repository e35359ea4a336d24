// One line of an export data file → the JSON text of one record. Full exports hold {"Item":{…}}; incremental
// exports hold {"Metadata":{"WriteTimestampMicros":{"N":"…"}},"Keys":{…},"NewImage":{…},"OldImage":{…}}, where a
// line without NewImage is a delete. Values are DynamoDB's wire JSON, converted exactly like a Scan page.
import { wireItemToJson, type WireItem } from '../convert/wireJson.js';

export type ChangeKind = 'upsert' | 'delete';

/** What the orchestrator learns about each record to build its metadata columns. */
export type ExportRecordMeta =
  /** A full export's item: the table as of the export time. */
  | { kind: 'snapshot' }
  /** An incremental export's change; the write time in µs since the epoch, as digits (exact). */
  | { kind: ChangeKind; writeTimeMicros: string };

/** Returns extra JSON members for the record, starting with a comma ("" for none). */
export type RecordSuffix = (meta: ExportRecordMeta) => string;

export interface LineConversion {
  recordSuffix?: RecordSuffix | undefined;
  omit?: ReadonlySet<string> | undefined;
}

export class ExportLineError extends Error {}

export function fullExportLineConverter(options: LineConversion): (line: string) => string {
  // A snapshot's metadata is the same for every item: built once.
  const suffix = options.recordSuffix?.({ kind: 'snapshot' }) ?? '';
  return (line) => {
    const parsed = parseLine(line) as { Item?: WireItem };
    if (typeof parsed.Item !== 'object' || parsed.Item === null) throw new ExportLineError('has no Item');
    return wireItemToJson(parsed.Item, suffix, options.omit);
  };
}

interface ChangeLine {
  Metadata?: { WriteTimestampMicros?: { N?: string } };
  Keys?: WireItem;
  NewImage?: WireItem;
  OldImage?: WireItem;
}

export function incrementalLineConverter(options: LineConversion): (line: string) => string {
  return (line) => {
    const parsed = parseLine(line) as ChangeLine;
    const micros = parsed.Metadata?.WriteTimestampMicros?.N;
    if (typeof micros !== 'string' || !/^\d+$/.test(micros)) throw new ExportLineError('has no Metadata.WriteTimestampMicros');
    if (typeof parsed.Keys !== 'object' || parsed.Keys === null) throw new ExportLineError('has no Keys');
    if (parsed.NewImage !== undefined) {
      const suffix = options.recordSuffix?.({ kind: 'upsert', writeTimeMicros: micros }) ?? '';
      return wireItemToJson(parsed.NewImage, suffix, options.omit);
    }
    // A delete: the item as it was when the old image is there (NEW_AND_OLD_IMAGES), at least its key.
    const suffix = options.recordSuffix?.({ kind: 'delete', writeTimeMicros: micros }) ?? '';
    return wireItemToJson(parsed.OldImage !== undefined ? { ...parsed.OldImage, ...parsed.Keys } : parsed.Keys, suffix, options.omit);
  };
}

/** µs since the epoch (digits) → ISO 8601 with microseconds, for metadata columns. */
export function writeTimeIso(micros: string): string {
  const value = BigInt(micros);
  const millis = Number(value / 1000n);
  const rest = (value % 1000n).toString().padStart(3, '0');
  return new Date(millis).toISOString().replace('Z', rest + 'Z');
}

function parseLine(line: string): unknown {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    throw new ExportLineError('is not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new ExportLineError('is not a JSON object');
  return parsed;
}
