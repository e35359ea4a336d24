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
const NONE: Span = [-1, -1];

export interface GetRecordsPage {
  changes: ChangeMeta[];
  nextShardIterator: string | undefined;
  /** The rows of the first `count` changes (once per page). */
  records(count: number): string[];
}

export function getRecordsResponse(body: Uint8Array | string, rows: ChangeRowFraming): GetRecordsPage {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const t = new WireTranscoder(bytes, 'a GetRecords response');
  const framing: ItemFraming = { suffix: '', omit: omittedNames(rows.omit) };
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
            const meta = record(t, framing, rows);
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

/** The members a record's reader looks at; every other one is passed over. */
const RECORD_MEMBERS = new MemberNames(['dynamodb', 'eventName', 'userIdentity']);
const [DYNAMODB, EVENT_NAME, USER_IDENTITY] = [0, 1, 2];
const STREAM_RECORD_MEMBERS = new MemberNames(['NewImage', 'OldImage', 'Keys', 'SequenceNumber', 'ApproximateCreationDateTime']);
const [NEW_IMAGE, OLD_IMAGE, KEYS, SEQUENCE_NUMBER, CREATION_TIME] = [0, 1, 2, 3, 4];
/** The event names there are, returned as these strings without decoding. */
const EVENT_NAMES = new MemberNames(['INSERT', 'MODIFY', 'REMOVE']);

/**
 * One element of Records: its metadata parsed, its row written (or its error noted). The envelope is walked with the
 * position in a local, over the bytes (its members are most of a record's bytes besides the image); the transcoder
 * is handed the position for what it reads: the new image, the sequence number, the creation time.
 */
function record(t: WireTranscoder, framing: ItemFraming, rows: ChangeRowFraming): { change: ChangeMeta; end: number | Error } {
  const change: ChangeMeta = { eventName: undefined, sequenceNumber: undefined, approximateCreationMs: undefined, userIdentity: undefined };
  const src = t.src;
  const end = t.end;
  let newImageAt = -1;
  let oldImage = NONE;
  let keys = NONE;
  let p = whitespaceEnd(src, t.pos, end);
  if (src[p] !== WIRE.OPEN_BRACE) fail(t, p, "'{'");
  for (let more = firstMember(t, p); more; more = nextMember(t, p)) {
    const member = memberAt(t, walk.at, RECORD_MEMBERS);
    p = walk.at;
    if (member === DYNAMODB && src[p] === WIRE.OPEN_BRACE) {
      for (let inner = firstMember(t, p); inner; inner = nextMember(t, p)) {
        const field = memberAt(t, walk.at, STREAM_RECORD_MEMBERS);
        p = walk.at;
        const isMap = src[p] === WIRE.OPEN_BRACE;
        if (field === NEW_IMAGE && isMap && newImageAt < 0) {
          t.pos = p;
          newImageAt = t.openItem(framing);
          p = t.pos;
        } else if (field === SEQUENCE_NUMBER) {
          t.pos = p;
          change.sequenceNumber = t.stringValue();
          p = t.pos;
        } else if (field === CREATION_TIME) {
          t.pos = p;
          const value = t.numberValue();
          if (value !== undefined) change.approximateCreationMs = Math.round(value * 1000);
          p = t.pos;
        } else {
          const valueEnd = valueAt(t, p);
          if (isMap && field === OLD_IMAGE) oldImage = [p, valueEnd];
          else if (isMap && field === KEYS) keys = [p, valueEnd];
          p = valueEnd;
        }
      }
      p = walk.at; // past the dynamodb member's closing brace
    } else if (member === EVENT_NAME) {
      t.pos = p;
      change.eventName = t.stringValue(EVENT_NAMES);
      p = t.pos;
    } else if (member === USER_IDENTITY) {
      t.pos = p;
      const value = t.parseValue();
      if (typeof value === 'object' && value !== null) change.userIdentity = value as ChangeMeta['userIdentity'];
      p = t.pos;
    } else p = valueAt(t, p);
  }
  p = walk.at;
  t.pos = p;
  // The row: the new image written above, or for a REMOVE the old image and keys merged in its place.
  const remove = change.eventName === 'REMOVE';
  if (remove && newImageAt >= 0) t.discardFrom(newImageAt);
  if (!remove && newImageAt < 0) {
    return { change, end: new MissingImageError(`A ${change.eventName} stream record has no NewImage: the stream's view type must be NEW_IMAGE or NEW_AND_OLD_IMAGES`) };
  }
  let suffix: Buffer | string;
  try {
    suffix = rows.suffixOf(change);
  } catch (err) {
    if (newImageAt >= 0 && !remove) t.discardFrom(newImageAt);
    return { change, end: err as Error };
  }
  if (remove) t.mergedItem(oldImage, keys, { suffix, omit: framing.omit });
  else t.endRecord(suffix);
  return { change, end: t.outputLength };
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
