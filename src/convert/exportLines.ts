// Lines of an export's JSON data file → record texts, straight from the decompressed bytes (no JSON.parse per line).
// Full exports hold {"Item":{…}}; incremental exports hold
// {"Metadata":{"WriteTimestampMicros":{"N":"…"}},"Keys":{…},"NewImage":{…},"OldImage":{…}}, where a line without
// NewImage is a delete whose row is `{...OldImage, ...Keys}`. Values are DynamoDB's wire JSON, transcoded exactly as
// a Scan page's items are (wireTranscoder.ts).
import { encodedSuffix } from './itemsPage.js';
import { MemberNames, omittedNames, WIRE, WireSyntaxError, WireTranscoder, type ItemFraming, type OmittedNames } from './wireTranscoder.js';

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
  kind: 'full' | 'incremental';
  recordSuffix?: RecordSuffix | undefined;
  omit?: ReadonlySet<string> | undefined;
}

/** A line that is not what an export line must be; `what` completes "Line N of … ". */
export class ExportLineError extends Error {
  constructor(readonly what: string) {
    super(what);
  }
}

type Span = readonly [number, number];
const NONE: Span = [-1, -1];

/** Converts the lines of one buffer of whole lines at a time; one per data file. */
export class ExportLineTranscoder {
  private readonly kind: 'full' | 'incremental';
  private readonly recordSuffix: RecordSuffix | undefined;
  private readonly omit: OmittedNames | undefined;
  /** A full export's metadata is the same for every item: built once. */
  private readonly snapshotFraming: ItemFraming;
  private t: WireTranscoder | undefined;

  constructor(conversion: LineConversion) {
    this.kind = conversion.kind;
    this.recordSuffix = conversion.recordSuffix;
    this.omit = omittedNames(conversion.omit);
    this.snapshotFraming = { suffix: encodedSuffix(conversion.kind === 'full' ? (conversion.recordSuffix?.({ kind: 'snapshot' }) ?? '') : ''), omit: this.omit };
  }

  /** Starts on a new buffer; the records of the previous one must have been taken. */
  begin(bytes: Buffer): void {
    this.t = new WireTranscoder(bytes, 'an export line');
  }

  /** Converts the line at [start, end) of the current buffer (without its newline); throws ExportLineError. */
  line(start: number, end: number): void {
    const t = this.t as WireTranscoder;
    t.pos = start;
    t.end = end;
    try {
      if (!t.atObject()) {
        t.skipValue();
        throw new ExportLineError('is not a JSON object');
      }
      if (this.kind === 'full') this.fullLine(t);
      else this.changeLine(t);
      if (!t.atEnd()) throw t.syntaxError('the end of the line');
    } catch (err) {
      if (err instanceof WireSyntaxError) throw new ExportLineError('is not JSON');
      throw err;
    }
  }

  /** The records converted since the last call, in line order. */
  takeRecords(): string[] {
    return this.t?.takeRecords() ?? [];
  }

  private fullLine(t: WireTranscoder): void {
    let found = false;
    t.expect(WIRE.OPEN_BRACE);
    if (!t.tryConsume(WIRE.CLOSE_BRACE)) {
      do {
        if (t.memberIn(ITEM_LINE_MEMBERS) === ITEM) {
          if (!t.atObject()) {
            t.skipValue(); // throws where there is no value at all
            throw new ExportLineError('has no Item');
          }
          if (found) throw new ExportLineError('has more than one Item');
          t.item(this.snapshotFraming);
          found = true;
        } else {
          t.skipValue();
        }
      } while (t.tryConsume(WIRE.COMMA));
      t.expect(WIRE.CLOSE_BRACE);
    }
    if (!found) throw new ExportLineError('has no Item');
  }

  private changeLine(t: WireTranscoder): void {
    let micros: unknown;
    let keys = NONE;
    let newImage = NONE;
    let oldImage = NONE;
    t.expect(WIRE.OPEN_BRACE);
    if (!t.tryConsume(WIRE.CLOSE_BRACE)) {
      do {
        const member = t.memberIn(CHANGE_LINE_MEMBERS);
        if (member === KEYS) keys = mapSpan(t);
        else if (member === NEW_IMAGE) newImage = mapSpan(t);
        else if (member === OLD_IMAGE) oldImage = mapSpan(t);
        else if (member === METADATA) {
          const metadata = t.parseValue() as { WriteTimestampMicros?: { N?: unknown } } | null;
          micros = metadata?.WriteTimestampMicros?.N;
        } else {
          t.skipValue();
        }
      } while (t.tryConsume(WIRE.COMMA));
      t.expect(WIRE.CLOSE_BRACE);
    }
    const after = t.pos;
    if (typeof micros !== 'string' || !/^\d+$/.test(micros)) throw new ExportLineError('has no Metadata.WriteTimestampMicros');
    if (keys[0] < 0) throw new ExportLineError('has no Keys');
    if (newImage[0] >= 0) {
      t.pos = newImage[0];
      t.item(this.changeFraming({ kind: 'upsert', writeTimeMicros: micros }), newImage[1]);
    } else {
      // A delete: the item as it was when the old image is there (NEW_AND_OLD_IMAGES), at least its key.
      t.mergedItem(oldImage, keys, this.changeFraming({ kind: 'delete', writeTimeMicros: micros }));
    }
    t.pos = after;
  }

  private changeFraming(meta: ExportRecordMeta): ItemFraming {
    return { suffix: this.recordSuffix?.(meta) ?? '', omit: this.omit };
  }
}

/** The members an export line's reader looks at (memberIn); every other one is passed over. */
const ITEM_LINE_MEMBERS = new MemberNames(['Item']);
const ITEM = 0;
const CHANGE_LINE_MEMBERS = new MemberNames(['Keys', 'NewImage', 'OldImage', 'Metadata']);
const [KEYS, NEW_IMAGE, OLD_IMAGE, METADATA] = [0, 1, 2, 3];

/** At a member's value: its range when it is an object (anything else counts as absent). */
function mapSpan(t: WireTranscoder): Span {
  const isMap = t.atObject();
  const start = t.skipValue();
  return isMap ? [start, t.pos] : NONE;
}

/** µs since the epoch (digits) → ISO 8601 with microseconds, for metadata columns. */
export function writeTimeIso(micros: string): string {
  const value = BigInt(micros);
  const millis = Number(value / 1000n);
  const rest = (value % 1000n).toString().padStart(3, '0');
  return new Date(millis).toISOString().replace('Z', rest + 'Z');
}
