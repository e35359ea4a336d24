// Shard lineage as pure functions: a DescribeStream response recorded from DynamoDB Local (one shard, open, then
// closed when the stream was disabled), and constructed trees of the shapes real DynamoDB produces (splits,
// grandchildren, trimmed parents) that DynamoDB Local never does.
import type { DescribeStreamCommandOutput, StreamDescription } from '@aws-sdk/client-dynamodb-streams';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lineageOrder, readyShards, reconcileShards, shardsAtSnapshot, type ListedShard } from '../../src/streams/shardTree.js';
import { listShards } from '../../src/streams/streamApi.js';
import type { ShardState } from '../../src/state/streamState.js';

const fixture = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'describe-stream.ddblocal.json'), 'utf8')) as {
  open: StreamDescription;
  disabled: StreamDescription;
  reenabled: StreamDescription;
};

/** Maps a recorded response the way the connector does, through its own listShards with a client that replays it. */
async function listed(description: StreamDescription): Promise<{ shards: ListedShard[]; status: string | undefined }> {
  const requests: unknown[] = [];
  const streams = {
    send: async (command: { input: unknown }) => {
      requests.push(command.input);
      return { StreamDescription: description, $metadata: {} } as DescribeStreamCommandOutput;
    },
  };
  const out = await listShards({ streams: streams as never, log: () => {}, maxRetries: 0 }, description.StreamArn!);
  expect(requests).toEqual([{ StreamArn: description.StreamArn, ExclusiveStartShardId: undefined }]);
  return out;
}

const shard = (parent: string | null, finished = false, last_sequence: string | null = null): ShardState => ({ parent, last_sequence, finished });
const open = (id: string, parent: string | null = null): ListedShard => ({ id, parent, closed: false });
const closed = (id: string, parent: string | null = null): ListedShard => ({ id, parent, closed: true });

describe('shard tree over a DescribeStream recorded from DynamoDB Local', () => {
  const shardId = fixture.open.Shards![0]!.ShardId!;

  it('maps the listing: one open shard, closed (EndingSequenceNumber) once the stream is disabled', async () => {
    expect(fixture.open.Shards).toHaveLength(1);
    expect(await listed(fixture.open)).toEqual({ shards: [{ id: shardId, parent: null, closed: false }], status: 'ENABLED' });
    expect(await listed(fixture.disabled)).toEqual({ shards: [{ id: shardId, parent: null, closed: true }], status: 'DISABLED' });
  });

  it('a snapshot records the open shard unread and ready; a closed shard as finished', async () => {
    const atSnapshot = shardsAtSnapshot((await listed(fixture.open)).shards);
    expect(atSnapshot).toEqual({ [shardId]: shard(null) });
    expect(readyShards(atSnapshot)).toEqual([shardId]);
    expect(lineageOrder(atSnapshot)).toEqual([shardId]);

    const closedAtSnapshot = shardsAtSnapshot((await listed(fixture.disabled)).shards);
    expect(closedAtSnapshot).toEqual({ [shardId]: shard(null, true) });
    expect(readyShards(closedAtSnapshot)).toEqual([]);
    expect(lineageOrder(closedAtSnapshot)).toEqual([]);
  });

  it('reconciling keeps the progress of a listed shard and does not change the stored state', async () => {
    const stored = { [shardId]: shard(null, false, '000000000000000000003') };
    const before = structuredClone(stored);
    const out = reconcileShards(stored, (await listed(fixture.disabled)).shards);
    expect(out).toEqual({ shards: { [shardId]: shard(null, false, '000000000000000000003') }, lost: [] });
    expect(stored).toEqual(before);
    out.shards[shardId]!.last_sequence = '000000000000000000006';
    expect(stored[shardId]!.last_sequence).toBe('000000000000000000003'); // a copy, not the stored object
  });

  it('the shards of a re-enabled stream do not contain the old unfinished shard: it is reported lost', async () => {
    const reenabledId = fixture.reenabled.Shards![0]!.ShardId!;
    expect(reenabledId).not.toBe(shardId);
    const out = reconcileShards({ [shardId]: shard(null, false, '000000000000000000002') }, (await listed(fixture.reenabled)).shards);
    expect(out.lost).toEqual([shardId]);
    expect(out.shards).toEqual({ [reenabledId]: shard(null) });
  });
});

describe('shard tree over constructed lineages', () => {
  // P split into C1 and C2; C1 later closed into G.
  const P = 'shardId-00000001000000000000-00000001';
  const C1 = 'shardId-00000001000000000001-0000000a';
  const C2 = 'shardId-00000001000000000002-0000000b';
  const G = 'shardId-00000001000000000003-0000000c';
  const listing = [closed(P), closed(C1, P), open(C2, P), open(G, C1)];

  it('new shards start unread; only the root is ready; children follow their parent', () => {
    const { shards, lost } = reconcileShards({}, listing);
    expect(lost).toEqual([]);
    expect(shards).toEqual({ [P]: shard(null), [C1]: shard(P), [C2]: shard(P), [G]: shard(C1) });
    expect(readyShards(shards)).toEqual([P]);
    const order = lineageOrder(shards);
    expect([...order].sort()).toEqual([P, C1, C2, G].sort());
    expect(order.indexOf(P)).toBeLessThan(order.indexOf(C1));
    expect(order.indexOf(P)).toBeLessThan(order.indexOf(C2));
    expect(order.indexOf(C1)).toBeLessThan(order.indexOf(G));
  });

  it('a parent read to its end makes both children of the split ready; the grandchild waits for its parent', () => {
    const shards = { [P]: shard(null, true, '100'), [C1]: shard(P), [C2]: shard(P), [G]: shard(C1) };
    expect(readyShards(shards)).toEqual([C1, C2]);
    expect(lineageOrder(shards)).toEqual([C1, C2, G]);
    shards[C1] = shard(P, true, '200');
    expect(readyShards(shards)).toEqual([C2, G]);
    expect(lineageOrder(shards)).toEqual([C2, G]);
  });

  it('lineage order puts parents first even when ids sort the other way', () => {
    const shards = { b: shard('c'), a: shard('b'), c: shard(null) };
    expect(lineageOrder(shards)).toEqual(['c', 'b', 'a']);
    expect(readyShards(shards)).toEqual(['c']);
  });

  it('at a snapshot, a child whose parent was trimmed long ago (never in the state) is ready', () => {
    const shards = shardsAtSnapshot([open(C1, 'shardId-trimmed-long-ago'), open(G, C1)]);
    expect(readyShards(shards)).toEqual([C1]);
    expect(lineageOrder(shards)).toEqual([C1, G]);
  });

  it('after the snapshot, a new shard whose parent was never seen reports that parent lost', () => {
    // Between two syncs C1 appeared (child of P), closed into G, and expired: nobody read C1's changes.
    const stored = { [P]: shard(null, true, '100') };
    const { lost } = reconcileShards(stored, [open(G, C1)]);
    expect(lost).toEqual([C1]);
    // A new shard whose parent is still listed, or tracked, is not a loss.
    expect(reconcileShards(stored, [closed(C1, P), open(G, C1)]).lost).toEqual([]);
  });

  it('a snapshot marks closed shards finished, so the open children of a closed parent are ready at once', () => {
    const shards = shardsAtSnapshot(listing);
    expect(shards).toEqual({ [P]: shard(null, true), [C1]: shard(P, true), [C2]: shard(P), [G]: shard(C1) });
    expect(readyShards(shards)).toEqual([C2, G]);
  });

  it('finished shards DynamoDB no longer lists are pruned, and their children become ready', () => {
    const stored = { [P]: shard(null, true, '100'), [C1]: shard(P, false, '150'), [C2]: shard(P) };
    const { shards, lost } = reconcileShards(stored, [closed(C1, P), open(C2, P), open(G, C1)]);
    expect(lost).toEqual([]);
    expect(Object.keys(shards).sort()).toEqual([C1, C2, G].sort());
    expect(shards[C1]).toEqual(shard(P, false, '150')); // progress kept, parent link kept though the parent is gone
    expect(shards[G]).toEqual(shard(C1));
    expect(readyShards(shards)).toEqual([C1, C2]);
  });

  it('an unfinished shard that vanished is reported lost (sorted), never silently dropped', () => {
    const vanished2 = 'shardId-00000000000000000000-deadbeef';
    const stored = { [P]: shard(null, true, '100'), [C1]: shard(P, false, '150'), [vanished2]: shard(null, false, '1'), [C2]: shard(P) };
    const { shards, lost } = reconcileShards(stored, [open(C2, P)]);
    expect(lost).toEqual([vanished2, C1].sort());
    expect(shards).toEqual({ [C2]: shard(P) });
  });

  it('a stored shard keeps its stored parent and progress over what the listing says', () => {
    const { shards } = reconcileShards({ [C2]: shard(P, true, '999') }, [open(C2, 'other-parent')]);
    expect(shards[C2]).toEqual(shard(P, true, '999'));
  });

  it('a cycle in a corrupt state does not hang lineageOrder', () => {
    const shards = { x: shard('y'), y: shard('x') };
    expect([...lineageOrder(shards)].sort()).toEqual(['x', 'y']);
    expect(readyShards(shards)).toEqual([]);
  });
});
