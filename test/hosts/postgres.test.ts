// Into a real warehouse: the connector under Meltano loading MeltanoLabs' target-postgres into a PostgreSQL server
// the test starts (test/support/postgres.ts). After snapshots and changes over several runs, the Postgres table is
// the DynamoDB table: one row per primary key (hash + range), deletes marked in _sdc_deleted_at (target-postgres
// upserts a delete as a row with it set), numbers exact in NUMERIC columns, maps and lists as JSONB, binary as base64
// text, sets as arrays; attributes that appear after discover become columns (schema drift).
import { DeleteItemCommand, PutItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'lossless-json';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { connectorConfig, createTable, putItems, testClient, uniqueName } from '../support/dynamo.js';
import { PostgresServer } from '../support/postgres.js';
import { EXECUTABLE, pyairbyte } from './pyairbyte.js';
import { exactNumbers, MeltanoProject, tableItems, withSortedSets } from './singer.js';

const endpoint = inject('ddbEndpoint');
const client = testClient(endpoint);
const BIG = '12345678901234567890123456789012345678';
const SETS = ['colors', 'nums', 'counts'];

let pg: PostgresServer;
beforeAll(async () => {
  pg = await PostgresServer.start();
}, 120_000);
afterAll(() => pg?.stop());

const put = (table: string, value: Record<string, AttributeValue>) => client.send(new PutItemCommand({ TableName: table, Item: value }));
const remove = (table: string, pk: string, sk: number) => client.send(new DeleteItemCommand({ TableName: table, Key: { pk: { S: pk }, sk: { N: String(sk) } } }));

function item(pk: string, sk: number, fields: Record<string, AttributeValue> = {}): Record<string, AttributeValue> {
  return { pk: { S: pk }, sk: { N: String(sk) }, ...fields };
}

/** An item with every kind of value. */
const rich = (pk: string, sk: number, extra: Record<string, AttributeValue> = {}) =>
  item(pk, sk, {
    name: { S: `item ${pk}/${sk} ✓` },
    big: { N: `${BIG.slice(0, 36)}${String(sk).padStart(2, '0')}` },
    price: { N: `${sk}.25` },
    dims: { M: { w: { N: '2.5' }, unit: { S: 'cm' }, deep: { L: [{ N: BIG }, { BOOL: true }] } } },
    tags: { L: [{ S: 'a' }, { S: `t${sk}` }] },
    blob: { B: new Uint8Array([0xde, 0xad, sk % 256, 0]) },
    colors: { SS: ['red', `c${sk}`] },
    // (One set of fractions, one of whole numbers: psycopg 3.3 cannot send a Python list mixing int and Decimal as
    // numeric[], which target-postgres 0.8.1 asks of it.)
    nums: { NS: ['0.5', `${sk}.125`] },
    counts: { NS: [BIG, String(sk + 1)] },
    flag: { BOOL: sk % 2 === 0 },
    score: { N: String(sk * 10) },
    ...extra,
  });

const keyOf = (row: Record<string, any>) => `${row.pk}#${row.sk}`;
const byKey = (rows: Record<string, any>[]) => [...rows].sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : 1));

/** A row as an item's JSON: the _sdc_ columns (the target's and the CDC ones) and SQL NULLs left out. */
function rowAsItem(row: Record<string, any>): Record<string, any> {
  const out: Record<string, any> = {};
  for (const [name, value] of Object.entries(row)) if (!name.startsWith('_sdc_') && value !== null) out[name] = value;
  return withSortedSets(out, SETS);
}

/** The live rows of the loaded table (not marked deleted), as item JSON, numbers as exact text. */
function liveRows(table: string): Record<string, any>[] {
  const text = pg.psql(`select coalesce(json_agg(t), '[]'::json) from dynamodb."${table}" t where "_sdc_deleted_at" is null`).trim();
  return byKey((exactNumbers(parse(text)) as Record<string, any>[]).map(rowAsItem));
}

async function expectTableEqual(table: string): Promise<void> {
  const items = (await tableItems(client, table)).map((i) => withSortedSets(i as Record<string, any>, SETS));
  expect(liveRows(table)).toEqual(byKey(items));
  // One row per primary key, deleted ones included.
  const keys = pg.rows(`select pk, sk, count(*) as n from dynamodb."${table}" group by pk, sk having count(*) > 1`);
  expect(keys).toEqual([]);
}

describe('Meltano into PostgreSQL (target-postgres)', () => {
  it('LOG_BASED: snapshot then inserts, updates and deletes; attributes and types that appear after discover are not lost', { timeout: 900_000 }, async () => {
    const table = uniqueName('pg_cdc');
    await createTable(client, table, { hash: ['pk', 'S'], range: ['sk', 'N'] }, {
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
    });
    await putItems(client, table, Array.from({ length: 5 }, (_, i) => rich(`p${i % 2}`, i)));
    // One scan segment, one page: the snapshot's drift widens the first SCHEMA, before the target creates the table
    // (target-postgres cannot change a column's type once it exists).
    const project = new MeltanoProject(endpoint, [table], { TAP_DYNAMODB_REPLICATION_MAX_STREAM_READ_SECONDS: '15', TAP_DYNAMODB_SCAN_SEGMENTS: '1', TAP_DYNAMODB_PAGE_SIZE: '1000' });
    // The project keeps the catalog discover gave now; what the table gets later is drift.
    await project.pinCatalog('tap-dynamodb--streams');
    await putItems(client, table, [
      rich('p0', 10, { color: { S: 'green' } }),
      rich('p1', 11, { score: { S: 'n/a' } }),
      rich('p1', 12, { score: { N: BIG } }),
    ]);

    const log1 = await project.runPostgres('tap-dynamodb--streams', pg.port);
    await expectTableEqual(table);
    const types = pg.columnTypes('dynamodb', table);
    expect(types).toMatchObject({
      pk: 'text',
      sk: 'numeric',
      name: 'text',
      big: 'numeric',
      price: 'numeric',
      dims: 'jsonb',
      blob: 'text',
      colors: 'text[]',
      nums: 'numeric[]',
      counts: 'numeric[]',
      flag: 'boolean',
      // Drift: a new attribute became a column; a number attribute holding a string became text, every value kept.
      color: 'text',
      score: 'text',
    });
    expect(pg.rows(`select big from dynamodb."${table}" where pk = 'p1' and sk = 3`)).toEqual([{ big: `${BIG.slice(0, 36)}03` }]);
    expect(pg.rows(`select score from dynamodb."${table}" where sk in (11, 12) order by sk`)).toEqual([{ score: 'n/a' }, { score: BIG }]);
    expect(log1).toMatch(/attribute \\?"color\\?" \(string\) is not in the catalog's schema/);

    // Changes: an update, an insert with an attribute no item had (a column added mid-stream), and a delete.
    await put(table, rich('p1', 1, { name: { S: 'renamed' }, price: { N: '-0.000000000000000000000000000000000001' } }));
    await put(table, rich('p9', 100, { size: { N: '42' }, color: { S: 'blue' } }));
    await remove(table, 'p0', 2);
    await project.runPostgres('tap-dynamodb--streams', pg.port);
    await expectTableEqual(table);
    expect(pg.columnTypes('dynamodb', table)).toMatchObject({ size: 'numeric' });
    const deleted = pg.rows(`select "_sdc_deleted_at" is not null as deleted from dynamodb."${table}" where pk = 'p0' and sk = 2`);
    expect(deleted).toEqual([{ deleted: true }]);

    // A third run with nothing new changes nothing.
    await project.runPostgres('tap-dynamodb--streams', pg.port);
    await expectTableEqual(table);
    project.dispose();
  });

  it('INCREMENTAL, then FULL_TABLE: inserts and updates upserted by the primary key, deletes by table version', { timeout: 900_000 }, async () => {
    const table = uniqueName('pg_inc');
    await createTable(client, table, { hash: ['pk', 'S'], range: ['sk', 'N'] });
    const at = (minute: number) => ({ S: `2026-04-01T08:${String(minute).padStart(2, '0')}:00Z` });
    await putItems(client, table, Array.from({ length: 6 }, (_, i) => rich(`c${i % 3}`, i, { updated_at: at(i) })));
    const project = new MeltanoProject(endpoint, [table]);
    await project.runPostgres('tap-dynamodb--incremental', pg.port);
    await expectTableEqual(table);

    await put(table, rich('c1', 1, { name: { S: 'renamed' }, updated_at: at(40) }));
    await put(table, rich('c9', 100, { updated_at: at(41), note: { S: 'new attribute' } }));
    await project.runPostgres('tap-dynamodb--incremental', pg.port);
    await expectTableEqual(table);

    // A full table copy into the same table upserts every item with the copy's table version; its ACTIVATE_VERSION
    // then marks the rows of deleted items (_sdc_deleted_at), or with hard_delete removes them.
    await put(table, rich('c2', 2, { name: { S: 'changed again' }, updated_at: at(1) }));
    await remove(table, 'c0', 3);
    await project.runPostgres('tap-dynamodb', pg.port);
    await expectTableEqual(table);
    expect(pg.rows(`select "_sdc_deleted_at" is not null as deleted from dynamodb."${table}" where pk = 'c0' and sk = 3`)).toEqual([{ deleted: true }]);
    await remove(table, 'c1', 4);
    await project.runPostgres('tap-dynamodb', pg.port, { TARGET_POSTGRES_HARD_DELETE: 'true' });
    await expectTableEqual(table);
    expect(pg.rows(`select pk, sk from dynamodb."${table}" where "_sdc_deleted_at" is not null or (pk = 'c1' and sk = 4)`)).toEqual([]);
    project.dispose();
  });
});

describe('PyAirbyte into PostgreSQL (PostgresCache)', () => {
  it('reads from DynamoDB Streams into the cache, then only the changes: upserts by key, deletes in _ab_cdc_deleted_at', { timeout: 900_000 }, async () => {
    const table = uniqueName('pyab_pg');
    await createTable(client, table, { hash: ['pk', 'S'], range: ['sk', 'N'] }, {
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
    });
    // PyAirbyte types `number` as DECIMAL(38, 9), and its Postgres cache loads its record files with pandas.read_json:
    // whole numbers beyond 64 bits stop the load ("Value is too big!"), fractions pass through a double. So the
    // numbers here are ones a double holds exactly; 38-digit numbers go to Postgres exactly through target-postgres.
    const WIDE = '123456789012345';
    const pyItem = (pk: string, sk: number, extra: Record<string, AttributeValue> = {}) =>
      item(pk, sk, {
        name: { S: `item ${pk}/${sk} ✓` },
        wide: { N: `${WIDE.slice(0, 13)}${String(sk).padStart(2, '0')}` },
        price: { N: `${sk}.125` },
        dims: { M: { w: { N: '2.5' }, unit: { S: 'cm' } } },
        tags: { L: [{ S: 'a' }, { S: `t${sk}` }] },
        blob: { B: new Uint8Array([0xde, 0xad, sk % 256, 0]) },
        colors: { SS: ['red', `c${sk}`] },
        flag: { BOOL: sk % 2 === 0 },
        ...extra,
      });
    await putItems(client, table, Array.from({ length: 5 }, (_, i) => pyItem(`p${i % 2}`, i)));
    const workDir = mkdtempSync(join(tmpdir(), 'pyairbyte-pg-'));
    const args = {
      executable: EXECUTABLE,
      config: connectorConfig(endpoint, { include_tables: [table], replication: { mode: 'dynamodb_streams', max_stream_read_seconds: 15 } }),
      postgres: { host: '127.0.0.1', port: pg.port, username: 'postgres', password: 'unused', database: 'postgres', schema_name: 'pyairbyte' },
    };
    // PyAirbyte appends a read's records and merges by the primary key across reads: the first read's snapshot and
    // its replay of the stream (at least once) both land, so the table's state is the latest row per key by
    // _ab_cdc_cursor, as with any CDC destination; deletes are rows with _ab_cdc_deleted_at set.
    const latest = (where: string) => {
      const sql = `select * from (select distinct on (pk, sk) * from pyairbyte."${table}" order by pk, sk, "_ab_cdc_cursor" desc) t where ${where}`;
      return exactNumbers(parse(pg.psql(`select coalesce(json_agg(t), '[]'::json) from (${sql}) t`).trim())) as Record<string, any>[];
    };
    const live = () =>
      byKey(
        latest('"_ab_cdc_deleted_at" is null').map((row) => {
          const out: Record<string, any> = {};
          for (const [name, value] of Object.entries(row)) if (!name.startsWith('_airbyte_') && !name.startsWith('_ab_cdc_') && value !== null) out[name] = value;
          return withSortedSets(out, ['colors']);
        }),
      );
    const expectEqual = async () => {
      const items = (await tableItems(client, table)).map((i) => withSortedSets(i as Record<string, any>, ['colors']));
      expect(live()).toEqual(byKey(items));
    };

    const first = await pyairbyte(workDir, args);
    expect(first.check).toBe('SUCCEEDED');
    await expectEqual();
    expect(pg.columnTypes('pyairbyte', table)).toMatchObject({ pk: 'character varying', sk: 'numeric', wide: 'bigint', price: 'numeric', dims: 'json', tags: 'json', colors: 'json', blob: 'character varying', flag: 'boolean' });

    await put(table, pyItem('p1', 1, { name: { S: 'renamed' } }));
    await put(table, pyItem('p9', 100));
    await remove(table, 'p0', 2);
    const second = await pyairbyte(workDir, args);
    expect(second.processed_records).toBe(3);
    await expectEqual();
    expect(latest(`pk = 'p0' and sk = 2`).map((r) => r._ab_cdc_deleted_at !== null)).toEqual([true]);
    // The second read merged each change into its key's rows (PyAirbyte updates them in place): every row of a changed
    // key holds that change.
    expect(pg.rows(`select pk, count(distinct "_ab_cdc_cursor")::int as versions from pyairbyte."${table}" where (pk, sk) in (('p1', 1), ('p9', 100), ('p0', 2)) group by pk, sk order by pk`)).toEqual([
      { pk: 'p0', versions: '1' },
      { pk: 'p1', versions: '1' },
      { pk: 'p9', versions: '1' },
    ]);
    rmSync(workDir, { recursive: true, force: true });
  });
});
