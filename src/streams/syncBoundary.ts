// Where a bounded sync stops reading an open shard: at the first change made after the sync began. Changes made
// later are left for the next sync, so a table under constant writes cannot keep one sync busy until its time limit.
//
// Two signs tell that a change came after the start, and either is enough:
// - its ApproximateCreationDateTime is later than the start plus a margin. DynamoDB rounds that time DOWN (AWS to
//   the second, DynamoDB Local to the minute), so a rounded time is never later than the true one: a change made
//   before the start can never look later than start + margin. The margin absorbs clock skew between this host and
//   DynamoDB. With minute rounding this sign alone can take up to a minute to show, hence the second sign;
// - its sequence number is at or past the first change that a LATEST iterator taken at the start saw (see
//   tipProbe.ts): LATEST points just after every change that existed then.
// A record past the boundary is not emitted and the shard's position stays before it: the next sync reads it.
import type { ChangeMeta } from '../convert/streamRecordsPage.js';

/** Clock skew allowed between this host and DynamoDB when comparing ApproximateCreationDateTime with the start. */
export const START_MARGIN_MS = 5_000;

export interface ShardBoundary {
  /** Milliseconds since the epoch: changes stamped later were made after the sync began. */
  readonly cutoffMs: number;
  /** The first sequence number written after the sync began, once known. */
  firstSequenceAfterStart(): bigint | undefined;
}

export function isAfterSyncStart(change: ChangeMeta, boundary: ShardBoundary): boolean {
  const at = change.approximateCreationMs;
  if (at !== undefined && at > boundary.cutoffMs) return true;
  const first = boundary.firstSequenceAfterStart();
  const sequence = change.sequenceNumber;
  return first !== undefined && sequence !== undefined && BigInt(sequence) >= first;
}

/** How many records of a page (in shard order) come before the boundary: those are emitted, the rest are not. */
export function recordsBeforeBoundary(records: readonly ChangeMeta[], boundary: ShardBoundary): number {
  const index = records.findIndex((r) => isAfterSyncStart(r, boundary));
  return index < 0 ? records.length : index;
}
