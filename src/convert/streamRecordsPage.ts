// A DynamoDB Streams GetRecords response → its records' metadata (eventName, SequenceNumber,
// ApproximateCreationDateTime, userIdentity) and their row texts, in one pass over the bytes. An INSERT's or
// MODIFY's NewImage is transcoded (wireTranscoder.ts) where it stands in the record, its metadata members appended
// once the record's end has shown them; a REMOVE's row `{...OldImage, ...Keys}` is written at the record's end from
// where those images lie. The caller then takes the rows of as many records as it wants (a bounded sync stops at the
// first change made after it began): rows of the records after those are dropped, and a record without the image
// its row needs fails only if it is taken.
import { literalEndAt, MemberNames, memberNameIndex, omittedNames, valueEndAt, whitespaceEnd, WIRE, WireTranscoder, type ItemFraming } from './wireTranscoder.js';

export interface ChangeMeta {
  eventName: string | undefined;
  sequenceNumber: string | undefined;
  /** ApproximateCreationDateTime as milliseconds since the epoch (epoch seconds on the wire, rounded as the SDK does). */
  approximateCreationMs: number | undefined;
  userIdentity: { Type?: unknown; PrincipalId?: unknown } | undefined;
}

export class MissingImageError extends Error {}

/** How each change becomes a row. */
export interface ChangeRowFraming {
  /** The row's metadata members (starting with a comma); may throw for a record it cannot describe. A Buffer
   *  returned is copied at once, so the framing may reuse it for the next record. */
  suffixOf(change: ChangeMeta): Buffer | string;
  /** Top-level attributes left out. */
  omit?: ReadonlySet<string> | undefined;
}

/** Byte range of a member's value in the response; start -1 when the record has none. */
type Span = [number, number];

export interface GetRecordsPage {
  changes: ChangeMeta[];
  nextShardIterator: string | undefined;
  /** The rows of the first `count` changes (once per page). */
  records(count: number): string[];
}

export function getRecordsResponse(body: Uint8Array | string, rows: ChangeRowFraming): GetRecordsPage {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const t = new WireTranscoder(bytes, 'a GetRecords response');
  const reader = new RecordReader(t, { suffix: '', omit: omittedNames(rows.omit) }, rows);
  const changes: ChangeMeta[] = [];
  /** Where each record's row ends in the output, or the error its row has instead. */
  const ends: (number | Error)[] = [];
  let nextShardIterator: string | undefined;
  t.expect(WIRE.OPEN_BRACE);
  if (!t.tryConsume(WIRE.CLOSE_BRACE)) {
    do {
      if (t.keyIs('Records')) {
        t.expect(WIRE.COLON);
        if (t.atObject() || !t.tryConsume(WIRE.OPEN_BRACKET)) {
          t.skipValue(); // null
          continue;
        }
        if (!t.tryConsume(WIRE.CLOSE_BRACKET)) {
          do {
            const meta = reader.record();
            changes.push(meta.change);
            ends.push(meta.end);
          } while (t.tryConsume(WIRE.COMMA));
          t.expect(WIRE.CLOSE_BRACKET);
        }
      } else {
        const key = t.readKey();
        t.expect(WIRE.COLON);
        const value = t.parseValue();
        if (key === 'NextShardIterator' && typeof value === 'string') nextShardIterator = value;
      }
    } while (t.tryConsume(WIRE.COMMA));
    t.expect(WIRE.CLOSE_BRACE);
  }
  return {
    changes,
    nextShardIterator,
    records(count) {
      let end = 0;
      for (const e of ends.slice(0, count)) {
        if (e instanceof Error) throw e;
        end = e;
      }
      return t.takeRecordsUpTo(end);
    },
  };
}

// What a member's value is to a record's reader. A CONSTANT member is passed over, and its value is expected to be the
// same in every record of a page (see RecordShape); every other member not named here is passed over as SKIP.
const SKIP = 0;
const CONSTANT = 1;
const EVENT_NAME = 2;
const USER_IDENTITY = 3;
const NEW_IMAGE = 4;
const OLD_IMAGE = 5;
const KEYS = 6;
const SEQUENCE_NUMBER = 7;
const CREATION_TIME = 8;
/** The `dynamodb` member, whose own members are walked. */
const DYNAMODB = 9;

const RECORD_MEMBERS = new MemberNames(['dynamodb', 'eventName', 'userIdentity', 'eventVersion', 'eventSource', 'awsRegion']);
const RECORD_FIELDS = [DYNAMODB, EVENT_NAME, USER_IDENTITY, CONSTANT, CONSTANT, CONSTANT];
const STREAM_RECORD_MEMBERS = new MemberNames(['NewImage', 'OldImage', 'Keys', 'SequenceNumber', 'ApproximateCreationDateTime', 'StreamViewType']);
const STREAM_RECORD_FIELDS = [NEW_IMAGE, OLD_IMAGE, KEYS, SEQUENCE_NUMBER, CREATION_TIME, CONSTANT];
/** The event names there are, returned as these strings without decoding. */
const EVENT_NAMES = new MemberNames(['INSERT', 'MODIFY', 'REMOVE']);

/**
 * How the records of a page are laid out, learnt from one of them: the bytes that stand between the values that
 * differ from record to record (member names, punctuation, CONSTANT values), and which member each of those values
 * is. DynamoDB writes every record of a page alike, so the next record is read by comparing those bytes and reading
 * only the values between them, instead of finding and looking up every member name. Bytes equal from the same
 * point in the record's grammar (just after a whole value, or at its start) hold the same tokens, so a record that
 * matches is read exactly as the walk member by member reads it; one that does not is read that way.
 */
interface RecordShape {
  /** Where each run of fixed bytes lies in the page (in the record it was learnt from), and its length: one run
   *  before each value, and the last one up to the record's closing brace. */
  readonly runAt: number[];
  readonly runLength: number[];
  /** The member each value between two runs is (SKIP, EVENT_NAME, ...). */
  readonly fields: number[];
}

/** Layouts a page's reader keeps: one for its usual records, one for another kind mixed in (a MODIFY among INSERTs). */
const SHAPES_KEPT = 2;

/** What a record's members give its change and its row, as they are read. */
interface RecordParts {
  change: ChangeMeta;
  /** Where the row of the new image starts in the output (-1 while none is written), and where its value lies in
   *  the input. */
  newImageAt: number;
  newImageFrom: number;
  newImageTo: number;
  /** Where the old image's and the keys' values lie in the input; start -1 when the record has none. */
  readonly oldImage: Span;
  readonly keys: Span;
  /** A new image written by a reading given up on (the record turned out to be laid out otherwise): its row, and
   *  where its value lies in the input. The reading that follows takes that row instead of writing it again. */
  keptImageRow: number;
  keptImageFrom: number;
  keptImageTo: number;
}

/** The records of one GetRecords response, read one after another. */
class RecordReader {
  private readonly shapes: RecordShape[] = [];
  /** The values the member-by-member walk of a record passed: start, end and field of each. */
  private readonly values: number[] = [];
  readonly parts: RecordParts = {
    change: newChange(),
    newImageAt: -1,
    newImageFrom: -1,
    newImageTo: -1,
    oldImage: [-1, -1],
    keys: [-1, -1],
    keptImageRow: -1,
    keptImageFrom: -1,
    keptImageTo: -1,
  };

  /** The page's bytes, read four at a time where a record's fixed bytes are compared with a layout's. */
  readonly words: DataView;

  constructor(
    readonly t: WireTranscoder,
    readonly framing: ItemFraming,
    private readonly rows: ChangeRowFraming,
  ) {
    this.words = new DataView(t.src.buffer, t.src.byteOffset, t.src.byteLength);
  }

  /** One element of Records: its metadata read, its row written (or its error noted). */
  record(): { change: ChangeMeta; end: number | Error } {
    const t = this.t;
    const start = whitespaceEnd(t.src, t.pos, t.end);
    if (t.src[start] !== WIRE.OPEN_BRACE) fail(t, start, "'{'");
    const parts = this.parts;
    startParts(parts);
    const shapes = this.shapes;
    let read = false;
    for (let k = 0; k < shapes.length && !read; k++) {
      read = readByShape(this, shapes[k] as RecordShape, start);
      if (!read) restartParts(parts);
      else if (k > 0) shapes.unshift(...shapes.splice(k, 1));
    }
    if (!read) {
      this.values.length = 0;
      readByMembers(this, start, this.values);
      shapes.unshift(shapeOf(start, walk.at, this.values));
      if (shapes.length > SHAPES_KEPT) shapes.length = SHAPES_KEPT;
    }
    // A row kept from a reading given up on that the record turned out not to need; nothing was written after it.
    if (parts.keptImageRow >= 0) t.discardFrom(parts.keptImageRow);
    t.pos = walk.at;
    return this.row(parts);
  }

  /** The row: the new image written while reading, or for a REMOVE the old image and keys merged in its place. */
  private row(parts: RecordParts): { change: ChangeMeta; end: number | Error } {
    const t = this.t;
    const change = parts.change;
    const newImageAt = parts.newImageAt;
    const remove = change.eventName === 'REMOVE';
    if (remove && newImageAt >= 0) t.discardFrom(newImageAt);
    if (!remove && newImageAt < 0) {
      return { change, end: new MissingImageError(`A ${change.eventName} stream record has no NewImage: the stream's view type must be NEW_IMAGE or NEW_AND_OLD_IMAGES`) };
    }
    let suffix: Buffer | string;
    try {
      suffix = this.rows.suffixOf(change);
    } catch (err) {
      if (newImageAt >= 0 && !remove) t.discardFrom(newImageAt);
      return { change, end: err as Error };
    }
    if (remove) t.mergedItem(parts.oldImage, parts.keys, { suffix, omit: this.framing.omit });
    else t.endRecord(suffix);
    return { change, end: t.outputLength };
  }
}

const newChange = (): ChangeMeta => ({ eventName: undefined, sequenceNumber: undefined, approximateCreationMs: undefined, userIdentity: undefined });

function startParts(parts: RecordParts): void {
  parts.keptImageRow = -1;
  parts.keptImageFrom = -1;
  parts.keptImageTo = -1;
  forgetParts(parts);
}

/** After a reading given up on: what it found is forgotten, but a new image it wrote stays written, kept. */
function restartParts(parts: RecordParts): void {
  if (parts.newImageAt >= 0) {
    parts.keptImageRow = parts.newImageAt;
    parts.keptImageFrom = parts.newImageFrom;
    parts.keptImageTo = parts.newImageTo;
  }
  forgetParts(parts);
}

function forgetParts(parts: RecordParts): void {
  parts.change = newChange();
  parts.newImageAt = -1;
  parts.newImageFrom = -1;
  parts.newImageTo = -1;
  parts.oldImage[0] = -1;
  parts.keys[0] = -1;
}

/**
 * Reads the record at `start` as `shape` lays it out; false (walk.at and parts left as they are) when its bytes are
 * not laid out so.
 */
function readByShape(reader: RecordReader, shape: RecordShape, start: number): boolean {
  const t = reader.t;
  const src = t.src;
  const words = reader.words;
  const end = t.end;
  const { runAt, runLength, fields } = shape;
  let p = start;
  for (let i = 0; ; i++) {
    const at = runAt[i] as number;
    const length = runLength[i] as number;
    if (p + length > end) return false;
    let j = 0;
    for (; j + 4 <= length; j += 4) if (words.getInt32(p + j) !== words.getInt32(at + j)) return false;
    for (; j < length; j++) if (src[p + j] !== src[at + j]) return false;
    p += length;
    if (i === fields.length) break;
    // A value starts where the fixed bytes end, as it did in the record the layout was learnt from.
    if (whitespaceEnd(src, p, end) !== p) return false;
    p = readValue(reader, fields[i] as number, p);
  }
  walk.at = p;
  return true;
}

/**
 * Reads the record at `start` member by member (the first record of a page, and any laid out otherwise), noting in
 * `values` every value that is not CONSTANT; walk.at ends just past the record.
 */
function readByMembers(reader: RecordReader, start: number, values: number[]): void {
  const t = reader.t;
  const src = t.src;
  let p = start;
  for (let more = firstMember(t, p); more; more = nextMember(t, p)) {
    const index = memberAt(t, walk.at, RECORD_MEMBERS);
    const field = index < 0 ? SKIP : (RECORD_FIELDS[index] as number);
    p = walk.at;
    if (field === DYNAMODB && src[p] === WIRE.OPEN_BRACE) {
      for (let inner = firstMember(t, p); inner; inner = nextMember(t, p)) {
        const innerIndex = memberAt(t, walk.at, STREAM_RECORD_MEMBERS);
        p = readNoted(reader, innerIndex < 0 ? SKIP : (STREAM_RECORD_FIELDS[innerIndex] as number), walk.at, values);
      }
      p = walk.at; // past the dynamodb member's closing brace
    } else p = readNoted(reader, field === DYNAMODB ? SKIP : field, p, values);
  }
}

function readNoted(reader: RecordReader, field: number, p: number, values: number[]): number {
  const end = readValue(reader, field, p);
  if (field !== CONSTANT) values.push(p, end, field);
  return end;
}

/** The layout of the record read member by member between `start` and `end`, with `values` where its values were. */
function shapeOf(start: number, end: number, values: readonly number[]): RecordShape {
  const runAt = [start];
  const runLength: number[] = [];
  const fields: number[] = [];
  for (let i = 0; i < values.length; i += 3) {
    runLength.push((values[i] as number) - (runAt[runAt.length - 1] as number));
    runAt.push(values[i + 1] as number);
    fields.push(values[i + 2] as number);
  }
  runLength.push(end - (runAt[runAt.length - 1] as number));
  return { runAt, runLength, fields };
}

/** Passes over the value at `p`, noting its range in `span` when it is a map; returns where it ends. */
function mapSpan(t: WireTranscoder, p: number, span: Span): number {
  const end = valueAt(t, p);
  if (t.src[p] === WIRE.OPEN_BRACE) {
    span[0] = p;
    span[1] = end;
  }
  return end;
}

/** Reads the value at `p` as the member `field`; returns where it ends. */
function readValue(reader: RecordReader, field: number, p: number): number {
  const t = reader.t;
  const parts = reader.parts;
  switch (field) {
    case NEW_IMAGE:
      if (t.src[p] !== WIRE.OPEN_BRACE || parts.newImageAt >= 0) return valueAt(t, p);
      parts.newImageFrom = p;
      if (p === parts.keptImageFrom) {
        parts.newImageAt = parts.keptImageRow;
        parts.newImageTo = parts.keptImageTo;
        parts.keptImageRow = -1;
        parts.keptImageFrom = -1;
        return parts.newImageTo;
      }
      if (parts.keptImageRow >= 0) {
        // A row kept for an image elsewhere in the record (never the case: a reading finds the image where the one
        // given up on did) is dropped before this one is written.
        t.discardFrom(parts.keptImageRow);
        parts.keptImageRow = -1;
        parts.keptImageFrom = -1;
      }
      t.pos = p;
      parts.newImageAt = t.openItem(reader.framing);
      parts.newImageTo = t.pos;
      return t.pos;
    case OLD_IMAGE:
      return mapSpan(t, p, parts.oldImage);
    case KEYS:
      return mapSpan(t, p, parts.keys);
    case SEQUENCE_NUMBER:
      t.pos = p;
      parts.change.sequenceNumber = t.stringValue();
      return t.pos;
    case CREATION_TIME: {
      t.pos = p;
      const value = t.numberValue();
      if (value !== undefined) parts.change.approximateCreationMs = Math.round(value * 1000);
      return t.pos;
    }
    case EVENT_NAME:
      t.pos = p;
      parts.change.eventName = t.stringValue(EVENT_NAMES);
      return t.pos;
    case USER_IDENTITY: {
      t.pos = p;
      const value = t.parseValue();
      if (typeof value === 'object' && value !== null) parts.change.userIdentity = value as ChangeMeta['userIdentity'];
      return t.pos;
    }
    default:
      return valueAt(t, p);
  }
}

// The envelope walk, by positions: record() goes member by member without allocating, so where the walk is goes
// through this one object (the walk is synchronous, and an object's members are walked to their end before the
// walk goes back to the members of the object around it).
const walk = { at: 0 };

/** At an object's opening brace (`p`): true with walk.at at its first member's name, false with walk.at past an
 *  empty object. */
function firstMember(t: WireTranscoder, p: number): boolean {
  const at = whitespaceEnd(t.src, p + 1, t.end);
  if (t.src[at] === WIRE.CLOSE_BRACE) {
    walk.at = at + 1;
    return false;
  }
  walk.at = at;
  return true;
}

/** Just after a member's value (`p`): true with walk.at at the next member's name, false with walk.at past the
 *  object's closing brace. */
function nextMember(t: WireTranscoder, p: number): boolean {
  const src = t.src;
  const at = whitespaceEnd(src, p, t.end);
  if (src[at] === WIRE.COMMA) {
    walk.at = whitespaceEnd(src, at + 1, t.end);
    return true;
  }
  if (src[at] !== WIRE.CLOSE_BRACE) fail(t, at, "',' or '}'");
  walk.at = at + 1;
  return false;
}

/** At a member's name (`p`): which of `names` it is (-1: another one), with walk.at where its value starts. */
function memberAt(t: WireTranscoder, p: number, names: MemberNames): number {
  const src = t.src;
  const end = t.end;
  if (src[p] !== WIRE.QUOTE) fail(t, p, 'a member name');
  const nameEnd = literalEndAt(src, p, end);
  if (nameEnd < 0) fail(t, p, 'the end of a string');
  const colon = whitespaceEnd(src, nameEnd, end);
  if (src[colon] !== WIRE.COLON) fail(t, colon, "':'");
  walk.at = whitespaceEnd(src, colon + 1, end);
  return memberNameIndex(src, p, nameEnd, names);
}

/** Just past the value at `p`. */
function valueAt(t: WireTranscoder, p: number): number {
  const end = valueEndAt(t.src, p, t.end);
  if (end < 0) fail(t, p, 'a value');
  return end;
}

function fail(t: WireTranscoder, at: number, wanted: string): never {
  t.pos = at;
  throw t.syntaxError(wanted);
}
