// Singer mode of the same executable, through the real CLI against DynamoDB Local: --about, --discover (catalog and
// metadata), syncs in FULL_TABLE, INCREMENTAL and LOG_BASED, attribute selection, kill -9 and resume from the last
// STATE value, and errors as CRITICAL lines on stderr.
import { DeleteItemCommand, PutItemCommand, UpdateItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { itemToJson } from '../support/sdkItemToJson.js';
import { jsonFile, numbersAsText, parseLine, runCli, type CliResult } from '../support/cli.js';
import { connectorConfig, createTable, putItems, testClient, uniqueName } from '../support/dynamo.js';
import { runWatched } from '../support/killable.js';
import { spawnSync } from 'node:child_process';
import { CLI } from '../support/cli.js';

/** For output that is not JSON lines (--about --format markdown). */
const runCliText = (args: string[]) => {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout };
};

const endpoint = inject('ddbEndpoint');
const client = testClient(endpoint);

const BIG = '12345678901234567890123456789012345678';
const TINY = '-0.000000000000000000000000000000000001';

/** An item per i using the awkward types: 38-digit numbers, binary, every set, nested maps and lists. */
const awkwardItem = (i: number): Record<string, AttributeValue> => ({
  pk: { S: `cust#${i % 7}` },
  sk: { N: String(i) },
  big: { N: `${BIG.slice(0, 30)}${String(i).padStart(8, '0')}` },
  tiny: { N: TINY },
  blob: { B: new Uint8Array([0xde, 0xad, i % 256, 0x00]) },
  tags: { SS: ['a', `t${i}`] },
  weights: { NS: ['0.5', BIG] },
  blobs: { BS: [new Uint8Array([1, 2, 3])] },
  nested: { M: { list: { L: [{ N: '1' }, { S: 'x' }, { NULL: true }] }, ok: { BOOL: true } } },
  secret: { S: `ssn-${i}` },
  note: { S: `note ${i}` },
});

const expectedRecord = (item: Record<string, AttributeValue>, omit: string[] = []) =>
  numbersAsText(parseLine(itemToJson(item, '', new Set(omit))));

interface SingerRun {
  code: number | null;
  messages: any[];
  stderr: string;
}

const singer = async (args: string[]): Promise<SingerRun & { raw: CliResult }> => {
  const raw = await runCli(args);
  return { code: raw.code, messages: raw.messages, stderr: raw.stderr, raw };
};

const recordsOf = (messages: any[], stream: string) =>
  messages.filter((m) => m.type === 'RECORD' && m.stream === stream).map((m) => numbersAsText(m.record));
/** The value of the last STATE, as a host stores it (state numbers are plain JSON numbers; cursor values are strings). */
const lastStateValue = (messages: any[]) => JSON.parse(JSON.stringify(messages.filter((m) => m.type === 'STATE').at(-1)?.value, (_k, v) => (v?.isLosslessNumber ? Number(v.value) : v)));

/** Sets metadata on a discovered catalog entry: at the stream ([]) or at one property. */
function setMetadata(catalog: any, stream: string, breadcrumb: string[], values: Record<string, unknown>): void {
  const entry = catalog.streams.find((s: any) => s.tap_stream_id === stream);
  const md = entry.metadata.find((m: any) => JSON.stringify(m.breadcrumb) === JSON.stringify(breadcrumb));
  Object.assign(md.metadata, values);
}

async function discover(config: Record<string, unknown>): Promise<any> {
  const run = await singer(['--config', jsonFile(config), '--discover']);
  expect(run.code).toBe(0);
  expect(run.raw.lines).toHaveLength(1);
  return numbersAsText(run.messages[0]);
}

function expectOnlySingerMessages(run: SingerRun): void {
  for (const m of run.messages) expect(['SCHEMA', 'RECORD', 'STATE', 'ACTIVATE_VERSION']).toContain(m.type);
  expect(run.stderr).not.toMatch(/^\s+at /m);
}

describe('Singer mode', () => {
  const table = uniqueName('singer');
  const ITEMS = 60;
  const items = Array.from({ length: ITEMS }, (_, i) => awkwardItem(i));
  const config = connectorConfig(endpoint, {
    include_tables: [table],
    excluded_attributes: [{ tables: 'singer_*', attributes: ['secret'] }],
  });

  beforeAll(async () => {
    await createTable(client, table, { hash: ['pk', 'S'], range: ['sk', 'N'] });
    await putItems(client, table, items);
  });

  it('--about tells name, capabilities and settings, as JSON and as Markdown', async () => {
    const json = await runCli(['--about']);
    expect(json.code).toBe(0);
    const about = json.messages[0];
    expect(about.name).toBe('source-dynamodb');
    expect(about.capabilities).toEqual(expect.arrayContaining(['catalog', 'discover', 'state', 'about']));
    expect(Object.keys(about.settings.properties)).toEqual(expect.arrayContaining(['region', 'credentials', 'replication', 'excluded_attributes']));
    const markdown = await runCliText(['--about', '--format', 'markdown']);
    expect(markdown.code).toBe(0);
    expect(markdown.stdout).toMatch(/## Settings[\s\S]*\| region \|/);
  });

  it('--discover prints a catalog with key metadata, inclusion per property and no excluded attribute', async () => {
    const catalog = await discover(config);
    expect(catalog.streams).toHaveLength(1);
    const entry = catalog.streams[0];
    expect(entry.tap_stream_id).toBe(table);
    expect(entry.stream).toBe(table);
    expect(entry.key_properties).toEqual(['pk', 'sk']);
    const top = entry.metadata.find((m: any) => m.breadcrumb.length === 0).metadata;
    expect(top['table-key-properties']).toEqual(['pk', 'sk']);
    expect(top['selected-by-default']).toBe(true);
    expect(top['valid-replication-keys']).toEqual(expect.arrayContaining(['big', 'note']));
    const inclusion = (name: string) => entry.metadata.find((m: any) => m.breadcrumb[1] === name)?.metadata.inclusion;
    expect(inclusion('pk')).toBe('automatic');
    expect(inclusion('sk')).toBe('automatic');
    expect(inclusion('tags')).toBe('available');
    expect(Object.keys(entry.schema.properties)).toEqual(expect.arrayContaining(['pk', 'sk', 'big', 'blob', 'tags', 'nested', 'note']));
    expect(entry.schema.properties.secret).toBeUndefined();
    expect(inclusion('secret')).toBeUndefined();
  });

  it('FULL_TABLE: SCHEMA before the first RECORD, exact values, deselected and excluded attributes absent', async () => {
    const catalog = await discover(config);
    setMetadata(catalog, table, [], { selected: true });
    setMetadata(catalog, table, ['properties', 'note'], { selected: false });
    const run = await singer(['--config', jsonFile(config), '--catalog', jsonFile(catalog)]);
    expect(run.stderr).not.toContain('CRITICAL');
    expect(run.code).toBe(0);
    expectOnlySingerMessages(run);

    const firstSchema = run.messages.findIndex((m) => m.type === 'SCHEMA');
    const firstRecord = run.messages.findIndex((m) => m.type === 'RECORD');
    expect(firstSchema).toBeGreaterThanOrEqual(0);
    expect(firstSchema).toBeLessThan(firstRecord);
    const schema = run.messages[firstSchema];
    expect(schema.key_properties).toEqual(['pk', 'sk']);
    expect(schema.schema.properties.note).toBeUndefined();

    const got = recordsOf(run.messages, table);
    expect(got).toHaveLength(ITEMS);
    const byKey = new Map(got.map((r: any) => [`${r.pk}|${r.sk}`, r]));
    for (const item of items) {
      expect(byKey.get(`${item.pk!.S}|${item.sk!.N}`)).toEqual(expectedRecord(item, ['note', 'secret']));
    }
    expect(got[0].big).toMatch(/^\d{38}$/);
    expect(got[0].tiny).toBe(TINY);
    for (const m of run.messages.filter((m) => m.type === 'RECORD')) expect(new Date(m.time_extracted).toISOString()).toBe(m.time_extracted);
    // The last STATE leaves the table's scan finished.
    expect(lastStateValue(run.messages).bookmarks[table].scan).toBeNull();
  });

  it('an include-list selection (a closed schema) is pushed down: odd attribute names come through exactly', async () => {
    const odd = uniqueName('singer_odd');
    await createTable(client, odd, { hash: ['id', 'N'] });
    const oddItems = Array.from({ length: 20 }, (_, i) => ({
      id: { N: String(i) },
      'a.b': { S: `dot${i}` },
      'with space': { N: String(i * 2) },
      '#hash': { BOOL: i % 2 === 0 },
      size: { S: 'reserved word' },
      dropped: { S: 'not selected' },
    }));
    await putItems(client, odd, oddItems);
    const oddConfig = connectorConfig(endpoint, { include_tables: [odd] });
    const catalog = await discover(oddConfig);
    setMetadata(catalog, odd, [], { selected: true });
    setMetadata(catalog, odd, ['properties', 'dropped'], { selected: false });
    catalog.streams[0].schema.additionalProperties = false;
    const run = await singer(['--config', jsonFile(oddConfig), '--catalog', jsonFile(catalog)]);
    expect(run.code).toBe(0);
    const got = recordsOf(run.messages, odd);
    expect(got).toHaveLength(20);
    const byId = new Map(got.map((r: any) => [r.id, r]));
    for (const item of oddItems) {
      expect(byId.get(item.id.N)).toEqual(expectedRecord(item, ['dropped']));
    }
  });

  it('a key attribute cannot be deselected: CRITICAL on stderr, non-zero exit', async () => {
    const catalog = await discover(config);
    setMetadata(catalog, table, [], { selected: true });
    setMetadata(catalog, table, ['properties', 'sk'], { selected: false });
    const run = await singer(['--config', jsonFile(config), '--catalog', jsonFile(catalog)]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/^CRITICAL .*sk.*key attribute/m);
    expect(recordsOf(run.messages, table)).toEqual([]);
    expectOnlySingerMessages(run);
  });

  it('a bad config names every bad field on one CRITICAL line, with nothing on stdout', async () => {
    const bad = jsonFile({ region: '', read_capacity_percent: 0, credentials: { auth_type: 'access_keys' } });
    for (const args of [['--config', bad, '--discover'], ['--config', bad, '--catalog', jsonFile({ streams: [] })]]) {
      const run = await singer(args);
      expect(run.code).not.toBe(0);
      expect(run.raw.lines).toEqual([]);
      const critical = run.stderr.split('\n').filter((l) => l.startsWith('CRITICAL'));
      expect(critical).toHaveLength(1);
      expect(critical[0]).toContain('region');
      expect(critical[0]).toContain('read_capacity_percent');
      expect(critical[0]).toContain('credentials');
    }
  });

  it('an unknown argument or a missing --config is a CRITICAL usage error', async () => {
    const missing = await singer(['--discover']);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/^CRITICAL .*--config/m);
    expect(missing.raw.lines).toEqual([]);
  });
});

describe('Singer mode: kill -9 and resume from the last STATE value', () => {
  const table = uniqueName('singer_kill');
  const ITEMS = 2000;

  beforeAll(async () => {
    await createTable(client, table, { hash: ['pk', 'S'], range: ['sk', 'N'] });
    await putItems(client, table, Array.from({ length: ITEMS }, (_, i) => ({ pk: { S: `p${i % 31}` }, sk: { N: String(i) }, pad: { S: 'x'.repeat(100) } })));
  });

  it('loses nothing and does not start over', async () => {
    const config = connectorConfig(endpoint, { include_tables: [table], page_size: 50, read_concurrency: 2, scan_segments: 4, checkpoint_interval_seconds: 0 });
    const catalog = await discover(config);
    setMetadata(catalog, table, [], { selected: true });
    const base = ['--config', jsonFile(config), '--catalog', jsonFile(catalog)];

    const first = await runWatched(base, { killWhen: (_l, seen) => seen >= 700 });
    expect(first.signal).toBe('SIGKILL');
    const firstMessages = first.lines.map(parseLine);
    const firstKeys = recordsOf(firstMessages, table).map((r: any) => r.sk);
    const state = lastStateValue(firstMessages);
    expect(state.bookmarks[table].scan).not.toBeNull();

    const second = await singer([...base, '--state', jsonFile(state)]);
    expect(second.code).toBe(0);
    const secondKeys = recordsOf(second.messages, table).map((r: any) => r.sk);
    expect(new Set([...firstKeys, ...secondKeys]).size).toBe(ITEMS);
    // Resumed, not restarted: the second run reads far less than the table.
    expect(secondKeys.length).toBeLessThan(ITEMS - 500);
  });
});

describe('Singer mode: INCREMENTAL by a 38-digit replication key', () => {
  const table = uniqueName('singer_inc');

  it('returns exactly the items whose key grew past the bookmark', async () => {
    await createTable(client, table, { hash: ['id', 'S'] });
    const base = '99999999999999999999999999999999999';
    await putItems(client, table, Array.from({ length: 30 }, (_, i) => ({ id: { S: `i${i}` }, version: { N: `${base}${String(i).padStart(3, '0')}` } })));
    const config = connectorConfig(endpoint, { include_tables: [table] });
    const catalog = await discover(config);
    setMetadata(catalog, table, [], { selected: true, 'replication-method': 'INCREMENTAL', 'replication-key': 'version' });
    const args = ['--config', jsonFile(config), '--catalog', jsonFile(catalog)];

    const first = await singer(args);
    expect(first.code).toBe(0);
    expect(recordsOf(first.messages, table)).toHaveLength(30);
    const schema = first.messages.find((m) => m.type === 'SCHEMA');
    expect(schema.bookmark_properties).toEqual(['version']);
    const state = lastStateValue(first.messages);
    expect(state.bookmarks[table].cursor.value).toEqual({ N: `${base}029` });

    // Values that differ from the bookmark only in the 38th digit: a double could not tell them apart.
    await client.send(new UpdateItemCommand({ TableName: table, Key: { id: { S: 'i3' } }, UpdateExpression: 'SET version = :v', ExpressionAttributeValues: { ':v': { N: `${base}030` } } }));
    await client.send(new PutItemCommand({ TableName: table, Item: { id: { S: 'new' }, version: { N: `${base}031` } } }));
    await client.send(new UpdateItemCommand({ TableName: table, Key: { id: { S: 'i4' } }, UpdateExpression: 'SET version = :v', ExpressionAttributeValues: { ':v': { N: `${base}029` } } }));

    const second = await singer([...args, '--state', jsonFile(state)]);
    expect(second.code).toBe(0);
    const changed = recordsOf(second.messages, table);
    expect(changed.map((r: any) => r.id).sort()).toEqual(['i3', 'new']);
    expect(changed.find((r: any) => r.id === 'new').version).toBe(`${base}031`);
    expect(lastStateValue(second.messages).bookmarks[table].cursor.value).toEqual({ N: `${base}031` });
  });
});

describe('Singer mode: LOG_BASED from the table stream', () => {
  const table = uniqueName('singer_log');

  it('snapshots, then delivers updates and deletes with _sdc_deleted_at', async () => {
    await createTable(client, table, { hash: ['id', 'S'] }, { StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' } });
    await putItems(client, table, Array.from({ length: 10 }, (_, i) => ({ id: { S: `k${i}` }, n: { N: String(i) } })));
    const config = connectorConfig(endpoint, { include_tables: [table], replication: { mode: 'dynamodb_streams', max_stream_read_seconds: 20 } });
    const catalog = await discover(config);
    setMetadata(catalog, table, [], { selected: true, 'replication-method': 'LOG_BASED' });
    const args = ['--config', jsonFile(config), '--catalog', jsonFile(catalog)];

    const first = await singer(args);
    expect(first.code).toBe(0);
    const schema = first.messages.find((m) => m.type === 'SCHEMA');
    expect(Object.keys(schema.schema.properties)).toEqual(expect.arrayContaining(['_sdc_deleted_at', '_sdc_cursor', '_sdc_updated_at']));
    const snapshot = recordsOf(first.messages, table);
    expect(new Set(snapshot.map((r: any) => r.id)).size).toBe(10);
    for (const r of snapshot) expect(r._sdc_deleted_at).toBeNull();

    await client.send(new UpdateItemCommand({ TableName: table, Key: { id: { S: 'k1' } }, UpdateExpression: 'SET n = :v', ExpressionAttributeValues: { ':v': { N: '100' } } }));
    await client.send(new DeleteItemCommand({ TableName: table, Key: { id: { S: 'k2' } } }));
    const second = await singer([...args, '--state', jsonFile(lastStateValue(first.messages))]);
    expect(second.code).toBe(0);
    const changes = recordsOf(second.messages, table);
    const k1 = changes.filter((r: any) => r.id === 'k1').at(-1);
    const k2 = changes.filter((r: any) => r.id === 'k2').at(-1);
    expect(k1.n).toBe('100');
    expect(k1._sdc_deleted_at).toBeNull();
    expect(typeof k2._sdc_deleted_at).toBe('string');
    expect(new Date(k2._sdc_deleted_at).getTime()).not.toBeNaN();
  });
});
