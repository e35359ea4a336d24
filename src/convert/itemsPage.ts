// A response whose `Items` member lists items (Scan, Query) → one record text per item, and the response's other
// members (LastEvaluatedKey, ConsumedCapacity, Count, ScannedCount) parsed. The items go through the wire
// transcoder (wireTranscoder.ts) straight from the response's bytes.
import { omittedNames, WireTranscoder, type CursorWireValue, type ItemFraming } from './wireTranscoder.js';

export type { CursorWireValue } from './wireTranscoder.js';

export interface PageRecordOptions {
  /** JSON members appended to every record, starting with a comma. */
  recordSuffix?: string | undefined;
  /** Top-level attributes left out. */
  omit?: ReadonlySet<string> | undefined;
  /** A top-level attribute whose S or N value is returned for each record. */
  cursorField?: string | undefined;
  /** What the response is, for error messages (default "a Scan response"). */
  what?: string | undefined;
}

export interface PageRecords {
  records: string[];
  /** With cursorField: each record's cursor value, undefined where absent or neither S nor N. */
  cursorValues: (CursorWireValue | undefined)[] | undefined;
  /** Every other member of the response, parsed. */
  rest: Record<string, unknown>;
}

/** Suffix texts encoded once per distinct text (a sync uses one or two). */
const encodedSuffixes = new Map<string, Buffer>();

export function encodedSuffix(text: string): Buffer {
  let bytes = encodedSuffixes.get(text);
  if (bytes === undefined) {
    bytes = Buffer.from(text, 'utf8');
    if (encodedSuffixes.size < 64) encodedSuffixes.set(text, bytes);
  }
  return bytes;
}

export function itemsResponseToRecords(body: Uint8Array | string, options: PageRecordOptions = {}): PageRecords {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const t = new WireTranscoder(bytes, options.what ?? 'a Scan response');
  const framing: ItemFraming = {
    suffix: encodedSuffix(options.recordSuffix ?? ''),
    omit: omittedNames(options.omit),
    cursorField: options.cursorField !== undefined ? Buffer.from(options.cursorField, 'utf8') : undefined,
  };
  const cursorValues: (CursorWireValue | undefined)[] | undefined = options.cursorField !== undefined ? [] : undefined;
  const rest: Record<string, unknown> = {};
  t.members((key) => {
    if (key === 'Items') {
      t.elements(() => {
        t.item(framing);
        cursorValues?.push(t.cursor);
      });
    } else {
      rest[key] = t.parseValue();
    }
  });
  return { records: t.takeRecords(), cursorValues, rest };
}
