// The connector as a Singer tap under Meltano 4 (integration_tests/meltano: the extractor is an `executable`, no
// pip_url), loading into target-jsonl: `meltano run` twice, the second run from the state Meltano stored itself.
import { DeleteItemCommand, PutItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { describe, expect, inject, it } from 'vitest';
import { createTable, putItems, testClient, uniqueName } from '../support/dynamo.js';
import { itemJson, jsonlRows, MeltanoProject, tableItems } from './singer.js';

const endpoint = inject('ddbEndpoint');
const client = testClient(endpoint);

const keyOf = (row: Record<string, any>) => `${row.pk}#${row.sk}`;
const keysOf = (rows: Record<string, any>[]) => rows.map(keyOf).sort();
const BIG = '12345678901234567890123456789012345678'; // 38 digits: exact only if nothing turns it into a double

const CDC_COLUMNS = ['_sdc_cursor', '_sdc_updated_at', '_sdc_deleted_at', '_sdc_deleted_by_ttl'];
const sortedByKey = (rows: Record<string, any>[]) => [...rows].sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : 1));

/** What a destination deduplicating by key builds: per key the row with the greatest _sdc_cursor, deletes dropped. */
function latestPerKey(rows: Record<string, any>[]): Record<string, any>[] {
  const latest = new Map<string, Record<string, any>>();
  for (const row of rows) {
    const previous = latest.get(keyOf(row));
    if (previous === undefined || row._sdc_cursor >= previous._sdc_cursor) latest.set(keyOf(row), row);
  }
  const live = [...latest.values()].filter((r) => r._sdc_deleted_at === null);
  return sortedByKey(live.map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => !CDC_COLUMNS.includes(k)))));
}

function item(pk: string, sk: number, fields: Record<string, AttributeValue> = {}): Record<string, AttributeValue> {
  return { pk: { S: pk }, sk: { N: String(sk) }, ...fields };
}

const put = (table: string, value: Record<string, AttributeValue>) => client.send(new PutItemCommand({ TableName: table, Item: value }));
const remove = (table: string, pk: string, sk: number) => client.send(new DeleteItemCommand({ TableName: table, Key: { pk: { S: pk }, sk: { N: String(sk) } } }));

describe('Meltano', () => {
  it('INCREMENTAL by a replication key: the first run loads every item, the second only what changed', { timeout: 600_000 }, async () => {
    const table = uniqueName('meltano_inc');
    await createTable(client, table, { hash: ['pk', 'S'], range: ['sk', 'N'] });
    const at = (minute: number) => `2026-04-01T08:${String(minute).padStart(2, '0')}:00Z`;
    const initial = Array.from({ length: 6 }, (_, i) =>
      item(`c${i % 3}`, i, { name: { S: `item ${i}` }, amount: { N: BIG }, price: { N: `${i}.25` }, updated_at: { S: at(i) } }),
    );
    await putItems(client, table, initial);
    const project = new MeltanoProject(endpoint, [table]);

    const first = await project.run('tap-dynamodb--incremental', 'first');
    const rows1 = jsonlRows(first.output, table);
    expect(keysOf(rows1)).toEqual(keysOf(initial.map(itemJson)));
    expect(rows1.find((r) => keyOf(r) === 'c2#5')).toEqual(itemJson(initial[5]!));
    const state1 = await project.state('tap-dynamodb--incremental');
    expect(JSON.stringify(state1.singer_state.bookmarks[table])).toContain(at(5));

    // Changes: an update (newer updated_at), an insert, a delete (invisible to a cursor), and an item written now
    // with an older updated_at (not a change by the replication key).
    const updated = item('c1', 1, { name: { S: 'item 1, renamed' }, amount: { N: '-0.5' }, updated_at: { S: at(40) } });
    const inserted = item('c9', 100, { name: { S: 'new ✓' }, updated_at: { S: at(41) } });
    await put(table, updated);
    await put(table, inserted);
    await remove(table, 'c0', 3);
    await put(table, item('c8', 1, { name: { S: 'late' }, updated_at: { S: '2026-03-01T00:00:00Z' } }));

    const second = await project.run('tap-dynamodb--incremental', 'second');
    const rows2 = jsonlRows(second.output, table);
    expect(rows2.map(keyOf).sort()).toEqual(['c1#1', 'c9#100']);
    expect(rows2.find((r) => keyOf(r) === 'c1#1')).toEqual(itemJson(updated));
    expect(rows2.find((r) => keyOf(r) === 'c9#100')).toEqual(itemJson(inserted));
    const state2 = await project.state('tap-dynamodb--incremental');
    expect(JSON.stringify(state2.singer_state.bookmarks[table])).toContain(at(41));

    // Nothing changed: a third run loads nothing.
    const third = await project.run('tap-dynamodb--incremental', 'third');
    expect(jsonlRows(third.output, table)).toEqual([]);
    project.dispose();
  });

  it('LOG_BASED from DynamoDB Streams: a snapshot first, then inserts, updates and deletes (with _sdc_deleted_at)', { timeout: 600_000 }, async () => {
    const table = uniqueName('meltano_cdc');
    await createTable(client, table, { hash: ['pk', 'S'], range: ['sk', 'N'] }, {
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
    });
    const initial = Array.from({ length: 5 }, (_, i) => item('p', i, { v: { N: String(i) }, label: { S: `v${i}` }, big: { N: BIG } }));
    await putItems(client, table, initial);
    const project = new MeltanoProject(endpoint, [table], { TAP_DYNAMODB_REPLICATION_MAX_STREAM_READ_SECONDS: '20' });

    // The first run: a snapshot of every item, then the stream from its start (writes made before the snapshot come
    // again: at least once, and the latest _sdc_cursor per key wins). Deduplicated that way, it is the table.
    const first = await project.run('tap-dynamodb--streams', 'first');
    const rows1 = jsonlRows(first.output, table);
    expect([...new Set(keysOf(rows1))]).toEqual(keysOf(initial.map(itemJson)));
    for (const row of rows1) {
      expect(row._sdc_deleted_at).toBeNull();
      expect(typeof row._sdc_cursor).toBe('string');
      expect(row._sdc_updated_at).toMatch(/^\d{4}-\d\d-\d\dT/);
    }
    expect(latestPerKey(rows1)).toEqual(sortedByKey(initial.map(itemJson)));
    const state1 = await project.state('tap-dynamodb--streams');
    expect(state1.singer_state.bookmarks).toHaveProperty(table);

    const updated = item('p', 1, { v: { N: '100' }, label: { S: 'updated' } });
    const inserted = item('p', 7, { v: { N: '7' }, label: { S: 'inserted' } });
    await put(table, updated);
    await put(table, inserted);
    await remove(table, 'p', 3);

    const second = await project.run('tap-dynamodb--streams', 'second');
    const rows2 = jsonlRows(second.output, table);
    const changes = rows2.map((r) => `${r._sdc_deleted_at === null ? 'upsert' : 'delete'} ${keyOf(r)}`);
    expect(changes).toEqual(['upsert p#1', 'upsert p#7', 'delete p#3']);
    const byChange = new Map(rows2.map((r) => [keyOf(r), r]));
    expect(byChange.get('p#1')).toMatchObject(itemJson(updated));
    expect(byChange.get('p#7')).toMatchObject(itemJson(inserted));
    const deleted = byChange.get('p#3')!;
    expect(deleted._sdc_deleted_at).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(deleted._sdc_deleted_by_ttl).toBe(false);
    // Changes come in the order DynamoDB applied them, after the snapshot.
    const cursors = rows2.map((r) => r._sdc_cursor as string);
    expect(cursors).toEqual([...cursors].sort());
    expect(cursors[0]! > rows1.map((r) => r._sdc_cursor as string).sort().at(-1)!).toBe(true);
    // Both runs, deduplicated by key, are the table now.
    expect(latestPerKey([...rows1, ...rows2])).toEqual(sortedByKey(await tableItems(client, table)));
    project.dispose();
  });
});
