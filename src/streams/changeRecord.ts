// A stream record → the JSON text of a destination row: the item's new image (or, for a delete, its keys and old
// image) plus the CDC metadata columns. The row itself is transcoded from the GetRecords response's bytes
// (convert/streamRecordsPage.ts); this module says what the metadata columns hold. The cursor column sorts every
// change of an item in the order DynamoDB applied it: snapshot generation, then phase (snapshot rows before stream
// changes), then the sequence number. ApproximateCreationDateTime is not used for ordering: it is approximate
// (DynamoDB Local rounds it to the minute).
import { MissingImageError, type ChangeMeta, type ChangeRowFraming } from '../convert/streamRecordsPage.js';
import { cdcMembersJson, type CdcColumns } from '../pipeline/cdcColumns.js';

export { MissingImageError };

const SEQUENCE_DIGITS = 40;

export function cdcCursor(generation: number, phase: 'snapshot' | 'stream', sequence = ''): string {
  return `${String(generation).padStart(6, '0')}-${phase === 'snapshot' ? 0 : 1}-${sequence.padStart(SEQUENCE_DIGITS, '0')}`;
}

/** The metadata appended to every snapshot row of a generation. */
export function snapshotColumnsJson(columns: CdcColumns, generation: number, snapshotStartedAt: Date): string {
  return cdcMembersJson(columns, cdcCursor(generation, 'snapshot'), snapshotStartedAt.toISOString(), null, null);
}

/** The metadata members (starting with a comma) of one change's row. */
export function changeColumnsJson(change: ChangeMeta, generation: number, columns: CdcColumns): string {
  const sequence = change.sequenceNumber;
  if (!sequence) throw new Error('A stream record without dynamodb.SequenceNumber');
  const at = change.approximateCreationMs !== undefined ? isoOf(change.approximateCreationMs) : new Date().toISOString();
  const cursor = cdcCursor(generation, 'stream', sequence);
  if (change.eventName === 'REMOVE') {
    const ttl = change.userIdentity?.Type === 'Service' && change.userIdentity.PrincipalId === 'dynamodb.amazonaws.com';
    return cdcMembersJson(columns, cursor, at, at, ttl);
  }
  return cdcMembersJson(columns, cursor, at, null, null);
}

/** The records of a page share a few creation times (rounded to the second or the minute): the last one is kept. */
let lastIso: { ms: number; iso: string } | undefined;

function isoOf(ms: number): string {
  if (lastIso?.ms !== ms) lastIso = { ms, iso: new Date(ms).toISOString() };
  return lastIso.iso;
}

/**
 * How the changes of a generation become rows. An upsert's members differ from one change to the next only in the
 * sequence number and the creation time, and both have a fixed width there (the sequence padded to 40 digits, the
 * time in ISO 8601's 24 characters): so an upsert's suffix is one buffer made once per framing, in which each change
 * overwrites those two fields. It is exactly what changeColumnsJson writes; anything else (a REMOVE, rare; a
 * sequence or a time that does not fit) goes through changeColumnsJson.
 */
export function changeRowFraming(generation: number, columns: CdcColumns, omit?: ReadonlySet<string>): ChangeRowFraming {
  const [cursorHead, upsertMiddle, upsertTail] = upsertSuffixParts(generation, columns);
  const sequenceAt = Buffer.byteLength(cursorHead, 'utf8');
  const atAt = sequenceAt + SEQUENCE_DIGITS + Buffer.byteLength(upsertMiddle, 'utf8');
  const suffix = Buffer.from(cursorHead + '0'.repeat(SEQUENCE_DIGITS) + upsertMiddle + ' '.repeat(ISO_LENGTH) + upsertTail, 'utf8');
  /** The creation time written in the suffix now (NaN: none yet). */
  let msInSuffix = NaN;
  /** Writes the time `ms` into the suffix; false when its ISO text does not have the fixed width. Out of the hot
   *  path: the records of a page share a few creation times. */
  const writeTime = (ms: number): boolean => {
    const at = isoOf(ms);
    if (at.length !== ISO_LENGTH) return false;
    for (let i = 0; i < ISO_LENGTH; i++) suffix[atAt + i] = at.charCodeAt(i);
    msInSuffix = ms;
    return true;
  };
  return {
    suffixOf: (change) => {
      const sequence = change.sequenceNumber;
      const ms = change.approximateCreationMs;
      // A REMOVE (rare), a change without a time (changeColumnsJson stamps it now), or a time or sequence that does
      // not fit: written by changeColumnsJson.
      if (change.eventName === 'REMOVE' || !sequence || sequence.length > SEQUENCE_DIGITS || ms === undefined || (ms !== msInSuffix && !writeTime(ms))) {
        return changeColumnsJson(change, generation, columns);
      }
      // Plain loops: a few dozen bytes per record, where Buffer's fill and write cost more in their own overhead.
      const digitsAt = sequenceAt + SEQUENCE_DIGITS - sequence.length;
      for (let i = sequenceAt; i < digitsAt; i++) suffix[i] = ZERO;
      for (let i = 0; i < sequence.length; i++) {
        const c = sequence.charCodeAt(i);
        if (c < ZERO || c > NINE) return changeColumnsJson(change, generation, columns);
        suffix[digitsAt + i] = c;
      }
      return suffix;
    },
    omit,
  };
}

const ISO_LENGTH = '2000-01-01T00:00:00.000Z'.length;
const ZERO = 0x30;
const NINE = 0x39;

/** cdcMembersJson of an upsert, split around its sequence number and its creation time. */
function upsertSuffixParts(generation: number, columns: CdcColumns): [string, string, string] {
  const SEQUENCE = '\u0000sequence\u0000';
  const AT = '\u0000at\u0000';
  const whole = cdcMembersJson(columns, cdcCursor(generation, 'stream', '').slice(0, -SEQUENCE_DIGITS) + SEQUENCE, AT, null, null);
  const [head, rest] = whole.split(SEQUENCE) as [string, string];
  const [middle, tail] = rest.split(AT) as [string, string];
  return [head, middle, tail];
}
