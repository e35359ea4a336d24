// A DynamoDB Streams GetRecords response → its records' metadata, and on demand their row texts. The first pass
// only notes, for every record, its metadata (eventName, SequenceNumber, ApproximateCreationDateTime,
// userIdentity) and where its images lie in the bytes; the caller decides from the metadata how many records it
// takes (a bounded sync stops at the first change made after it began), and only those are transcoded
// (wireTranscoder.ts), each image straight from the response's bytes.
import { omittedNames, WIRE, WireTranscoder, type ItemFraming } from './wireTranscoder.js';

export interface ChangeMeta {
  eventName: string | undefined;
  sequenceNumber: string | undefined;
  /** ApproximateCreationDateTime as milliseconds since the epoch (epoch seconds on the wire, rounded as the SDK does). */
  approximateCreationMs: number | undefined;
  userIdentity: { Type?: unknown; PrincipalId?: unknown } | undefined;
}

export class MissingImageError extends Error {}

/** Byte range of a member's value in the response; start -1 when the record has none. */
type Span = [number, number];
const NONE: Span = [-1, -1];

interface Located {
  meta: ChangeMeta;
  newImage: Span;
  oldImage: Span;
  keys: Span;
}

export interface GetRecordsPage {
  changes: ChangeMeta[];
  nextShardIterator: string | undefined;
  /**
   * The row texts of the first `count` changes: a REMOVE's row is `{...OldImage, ...Keys}`, any other change's its
   * NewImage (MissingImageError without one); `suffixOf` gives each row's metadata members (starting with a comma).
   */
  records(count: number, suffixOf: (change: ChangeMeta) => string, omit?: ReadonlySet<string>): string[];
}

export function getRecordsResponse(body: Uint8Array | string): GetRecordsPage {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const t = new WireTranscoder(bytes, 'a GetRecords response');
  const located: Located[] = [];
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
          do located.push(locateRecord(t));
          while (t.tryConsume(WIRE.COMMA));
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
    changes: located.map((l) => l.meta),
    nextShardIterator,
    records(count, suffixOf, omit) {
      const omitted = omittedNames(omit);
      for (const change of located.slice(0, count)) {
        const framing: ItemFraming = { suffix: suffixOf(change.meta), omit: omitted };
        if (change.meta.eventName === 'REMOVE') {
          t.mergedItem(change.oldImage, change.keys, framing);
        } else {
          if (change.newImage[0] < 0) {
            throw new MissingImageError(`A ${change.meta.eventName} stream record has no NewImage: the stream's view type must be NEW_IMAGE or NEW_AND_OLD_IMAGES`);
          }
          t.pos = change.newImage[0];
          t.item(framing, change.newImage[1]);
        }
      }
      return t.takeRecords();
    },
  };
}

/** One element of Records: its metadata parsed, its images located. */
function locateRecord(t: WireTranscoder): Located {
  const meta: ChangeMeta = { eventName: undefined, sequenceNumber: undefined, approximateCreationMs: undefined, userIdentity: undefined };
  const located: Located = { meta, newImage: NONE, oldImage: NONE, keys: NONE };
  t.expect(WIRE.OPEN_BRACE);
  if (t.tryConsume(WIRE.CLOSE_BRACE)) return located;
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
        if (t.keyIs('NewImage')) located.newImage = imageSpan(t);
        else if (t.keyIs('OldImage')) located.oldImage = imageSpan(t);
        else if (t.keyIs('Keys')) located.keys = imageSpan(t);
        else if (t.keyIs('SequenceNumber')) {
          t.expect(WIRE.COLON);
          meta.sequenceNumber = t.stringValue();
        } else if (t.keyIs('ApproximateCreationDateTime')) {
          t.expect(WIRE.COLON);
          const value = t.parseValue();
          if (typeof value === 'number') meta.approximateCreationMs = Math.round(value * 1000);
        } else skipMember(t);
      } while (t.tryConsume(WIRE.COMMA));
      t.expect(WIRE.CLOSE_BRACE);
    } else if (t.keyIs('eventName')) {
      t.expect(WIRE.COLON);
      meta.eventName = t.stringValue();
    } else if (t.keyIs('userIdentity')) {
      t.expect(WIRE.COLON);
      const value = t.parseValue();
      if (typeof value === 'object' && value !== null) meta.userIdentity = value as ChangeMeta['userIdentity'];
    } else skipMember(t);
  } while (t.tryConsume(WIRE.COMMA));
  t.expect(WIRE.CLOSE_BRACE);
  return located;
}

/** A member of no interest: its name and value passed over without decoding either. */
function skipMember(t: WireTranscoder): void {
  t.skipValue();
  t.expect(WIRE.COLON);
  t.skipValue();
}

/** After a member name: the range of its value when it is a map (null counts as absent). */
function imageSpan(t: WireTranscoder): Span {
  t.expect(WIRE.COLON);
  const isMap = t.atObject();
  const start = t.skipValue();
  return isMap ? [start, t.pos] : NONE;
}
