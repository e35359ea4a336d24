// Shard lineage of a DynamoDB stream, as pure functions over DescribeStream listings and the stored shard state.
// Shards close and split; a child may be read only after its parent has been read to its end, so every change of
// an item is delivered in the order DynamoDB applied it. Finished shards that DynamoDB no longer lists are pruned;
// an unfinished shard that vanished held changes nobody read: that is data loss, reported, never skipped.
import type { ShardState } from '../state/streamState.js';

export interface ListedShard {
  id: string;
  parent: string | null;
  /** Has an EndingSequenceNumber: no new records will be added. */
  closed: boolean;
}

export interface Reconciled {
  shards: Record<string, ShardState>;
  /** Unfinished shards of the state that DynamoDB no longer lists, and parents of new shards never seen at all. */
  lost: string[];
}

/** Merges a fresh listing into the stored shards: new shards start unread, vanished finished shards are pruned. */
export function reconcileShards(stored: Record<string, ShardState>, listed: readonly ListedShard[]): Reconciled {
  const listedIds = new Set(listed.map((s) => s.id));
  const shards: Record<string, ShardState> = {};
  const lost: string[] = [];
  for (const [id, shard] of Object.entries(stored)) {
    if (listedIds.has(id)) shards[id] = { ...shard };
    else if (!shard.finished) lost.push(id);
  }
  for (const shard of listed) {
    if (shards[shard.id] !== undefined) continue;
    // A new shard descends from a shard we tracked or from one still listed. A parent that is neither appeared
    // and expired between two syncs: its changes were never read.
    if (shard.parent !== null && stored[shard.parent] === undefined && !listedIds.has(shard.parent)) lost.push(shard.parent);
    shards[shard.id] = { parent: shard.parent, last_sequence: null, finished: false };
  }
  return { shards, lost: [...new Set(lost)].sort() };
}

/** The shards of a listing taken when a snapshot starts: closed ones hold only changes the snapshot already sees. */
export function shardsAtSnapshot(listed: readonly ListedShard[]): Record<string, ShardState> {
  const shards: Record<string, ShardState> = {};
  for (const s of listed) shards[s.id] = { parent: s.parent, last_sequence: null, finished: s.closed };
  return shards;
}

/** Unfinished shards whose parent is finished or untracked (trimmed or pruned long ago), in a stable order. */
export function readyShards(shards: Record<string, ShardState>): string[] {
  return Object.entries(shards)
    .filter(([, s]) => !s.finished && (s.parent === null || shards[s.parent] === undefined || shards[s.parent]!.finished))
    .map(([id]) => id)
    .sort();
}

/** Every unfinished shard in an order where each parent comes before its children (for reporting and tests). */
export function lineageOrder(shards: Record<string, ShardState>): string[] {
  const done = new Set<string>();
  const order: string[] = [];
  const visit = (id: string, path: Set<string>) => {
    if (done.has(id) || path.has(id)) return;
    path.add(id);
    const parent = shards[id]?.parent;
    if (parent && shards[parent]) visit(parent, path);
    done.add(id);
    order.push(id);
  };
  for (const id of Object.keys(shards).sort()) visit(id, new Set());
  return order.filter((id) => !shards[id]!.finished);
}
