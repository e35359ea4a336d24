// A DynamoDB Streams GetRecords response → its records' metadata (eventName, SequenceNumber,
// ApproximateCreationDateTime, userIdentity) and their row texts, in one pass over the bytes. An INSERT's or
// MODIFY's NewImage is transcoded (wireTranscoder.ts) where it stands in the record, its metadata members appended
// once the record's end has shown them; a REMOVE's row `{...OldImage, ...Keys}` is written at the record's end from
// where those images lie. The caller then takes the rows of as many records as it wants (a bounded sync stops at the
// first change made after it began): rows of the records after those are dropped, and a record without the image
// its row needs fails only if it is taken.
import { omittedNames, WIRE, WireTranscoder, type ItemFraming } from './wireTranscoder.js';

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
  /** The row's metadata members (starting with a comma); may throw for a record it cannot describe. */
  suffixOf(change: ChangeMeta): string;
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

/** One element of Records: its metadata parsed, its row written (or its error noted). */
function record(t: WireTranscoder, framing: ItemFraming, rows: ChangeRowFraming): { change: ChangeMeta; end: number | Error } {
  const change: ChangeMeta = { eventName: undefined, sequenceNumber: undefined, approximateCreationMs: undefined, userIdentity: undefined };
  let newImageAt = -1;
  let oldImage = NONE;
  let keys = NONE;
  t.expect(WIRE.OPEN_BRACE);
  if (!t.tryConsume(WIRE.CLOSE_BRACE)) {
    do {
      if (t.keyIs('dynamodb')) {
        t.expect(WIRE.COLON);
        if (!t.atObject()) {
          t.skipValue();
          continue;
        }
        t.expect(WIRE.OPEN_BRACE);
        if (t.tryConsume(WIRE.CLOSE_BRACE)) continue;
        do {
          if (t.keyIs('NewImage')) {
            t.expect(WIRE.COLON);
            if (t.atObject() && newImageAt < 0) newImageAt = t.openItem(framing);
            else t.skipValue();
          } else if (t.keyIs('OldImage')) oldImage = imageSpan(t);
          else if (t.keyIs('Keys')) keys = imageSpan(t);
          else if (t.keyIs('SequenceNumber')) {
            t.expect(WIRE.COLON);
            change.sequenceNumber = t.stringValue();
          } else if (t.keyIs('ApproximateCreationDateTime')) {
            t.expect(WIRE.COLON);
            const value = t.numberValue();
            if (value !== undefined) change.approximateCreationMs = Math.round(value * 1000);
          } else t.skipMember();
        } while (t.tryConsume(WIRE.COMMA));
        t.expect(WIRE.CLOSE_BRACE);
      } else if (t.keyIs('eventName')) {
        t.expect(WIRE.COLON);
        change.eventName = t.stringValue();
      } else if (t.keyIs('userIdentity')) {
        t.expect(WIRE.COLON);
        const value = t.parseValue();
        if (typeof value === 'object' && value !== null) change.userIdentity = value as ChangeMeta['userIdentity'];
      } else t.skipMember();
    } while (t.tryConsume(WIRE.COMMA));
    t.expect(WIRE.CLOSE_BRACE);
  }
  // The row: the new image written above, or for a REMOVE the old image and keys merged in its place.
  const remove = change.eventName === 'REMOVE';
  if (remove && newImageAt >= 0) t.discardFrom(newImageAt);
  if (!remove && newImageAt < 0) {
    return { change, end: new MissingImageError(`A ${change.eventName} stream record has no NewImage: the stream's view type must be NEW_IMAGE or NEW_AND_OLD_IMAGES`) };
  }
  let suffix: string;
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

/** After a member name: the range of its value when it is a map (null counts as absent). */
function imageSpan(t: WireTranscoder): Span {
  t.expect(WIRE.COLON);
  const isMap = t.atObject();
  const start = t.skipValue();
  return isMap ? [start, t.pos] : NONE;
}
