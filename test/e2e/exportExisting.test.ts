// export.mode existing and Amazon Ion, end to end through the built CLI against DynamoDB Local behind the export
// emulator and a real S3 server: exports laid into the bucket beforehand (several per table, full and incremental,
// DynamoDB JSON and Ion, another table's among them) are loaded with S3 alone: no export requested or described, no
// point-in-time recovery asked about, no Scan; a prefix without an export of the table is a config_error. Ion
// exports give the same records as JSON exports of the same items, whether found or requested (export.format ION).
import { DeleteItemCommand, PutItemCommand, UpdateItemCommand, UpdateContinuousBackupsCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { createSignedJsonRpc, type SdkClientLike } from '../../src/aws/signedJsonRpc.js';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { cdcCatalog, fullRefreshCatalog, jsonFile, numbersAsText, ofType, parseLine, runCli, traces } from '../support/cli.js';
import { connectorConfig, createTable, putItems, scanAllItems, testClient, uniqueName } from '../support/dynamo.js';
import { startExportEmulator, type ExportEmulator } from '../support/exportEmulator.js';
import { lastStateOf, runWatched } from '../support/killable.js';
import { protocolViolations } from '../support/protocol.js';
import { startS3Server, type RunningS3Server } from '../support/s3Server.js';

const ddbEndpoint = inject('ddbEndpoint');
let s3: RunningS3Server;
let emulator: ExportEmulator;
let client: ReturnType<typeof testClient>;
let rpc: ReturnType<typeof createSignedJsonRpc>;

beforeAll(async () => {
  s3 = await startS3Server('exports');
  emulator = await startExportEmulator({ ddbEndpoint, s3Endpoint: s3.endpoint });
  client = testClient(emulator.endpoint);
  rpc = createSignedJsonRpc(client as unknown as SdkClientLike);
});

const rawPut = (table: string, item: string) => rpc.call('DynamoDB_20120810.PutItem', `{"TableName":${JSON.stringify(table)},"Item":${item}}`);

afterAll(async () => {
  rpc?.destroy();
  await emulator?.close();
  await s3?.close();
});

type Row = Record<string, any>;
const CDC_COLUMNS = ['_ab_cdc_cursor', '_ab_cdc_updated_at', '_ab_cdc_deleted_at', '_ab_cdc_deleted_by_ttl'];
const STREAM = { StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' as const } };
/** What a load of exports found in the bucket must never call. */
const NOT_IN_EXISTING_MODE = ['ExportTableToPointInTime', 'DescribeExport', 'ListExports', 'DescribeContinuousBackups', 'Scan'];

function config(table: string, prefix: string, exportExtra: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) {
  return connectorConfig(emulator.endpoint, {
    include_tables: [table],
    export: { s3_bucket: s3.bucket, s3_prefix: prefix, s3_endpoint: s3.endpoint, mode: 'existing', ...exportExtra },
    ...extra,
  });
}

async function read(cfg: Record<string, unknown>, catalog: unknown, state?: unknown) {
  const args = ['read', '--config', jsonFile(cfg), '--catalog', jsonFile(catalog)];
  if (state !== undefined) args.push('--state', jsonFile(state));
  const run = await runCli(args, { timeoutMs: 120_000 });
  const messages = run.messages;
  expect(protocolViolations(messages)).toEqual([]);
  const records: Row[] = ofType(messages, 'RECORD').map((m) => numbersAsText(m.record.data));
  // States as plain JSON (their numbers are small), to be handed to the next sync as they are.
  const states = run.lines.map((l) => JSON.parse(l)).filter((m) => m.type === 'STATE');
  return {
    code: run.code,
    messages,
    records,
    texts: records.map((r) => JSON.stringify(r)),
    /** Each record's data as the connector wrote it (member order included: JSON.parse would reorder it). */
    dataTexts: run.lines.filter((l) => l.startsWith('{"type":"RECORD"')).map((l) => l.slice(l.indexOf('"data":') + 7, l.lastIndexOf(',"emitted_at":'))),
    lastState: states.length > 0 ? [states.at(-1).state] : undefined,
    streamState: states.at(-1)?.state?.stream?.stream_state,
    errors: traces(messages, 'ERROR'),
  };
}

async function readOk(cfg: Record<string, unknown>, catalog: unknown, state?: unknown) {
  const out = await read(cfg, catalog, state);
  expect(out.errors).toEqual([]);
  expect(out.code).toBe(0);
  return out;
}

/** Runs `fn` and returns the requests for `table` it caused that an existing-mode load must not make. */
async function forbiddenCallsDuring(table: string, fn: () => Promise<unknown>): Promise<string[]> {
  const before = emulator.requests.length;
  await fn();
  return emulator.requests
    .slice(before)
    .filter((r) => NOT_IN_EXISTING_MODE.includes(r.operation) && (r.table === table || r.table === undefined))
    .map((r) => r.operation);
}

function mixedItem(i: number): Record<string, AttributeValue> {
  return {
    pk: { S: `acct#${String(i).padStart(3, '0')}` },
    sk: { N: `${i}12345678901234567890123456789012345678`.slice(0, 38) },
    round: { N: i % 2 === 0 ? '600' : '39370' },
    price: { N: '-0.000000000000000000000000000000000001' },
    half: { N: '-0.5' },
    bin: { B: new Uint8Array([0, i % 256, 255, 7]) },
    tags: { SS: ['a', `t${i}`] },
    scores: { NS: ['1', '99999999999999999999999999999999999999', '1.5'] },
    blobs: { BS: [new Uint8Array([1]), new Uint8Array([2, 3])] },
    nested: { M: { list: { L: [{ NULL: true }, { BOOL: false }, { N: '3.14' }, { M: {} }, { L: [] }, { S: '' }] }, 'a-b': { S: 'dash' } } },
    constructor: { S: 'ctor' },
    'quote"and\nnewline': { S: 'odd name' },
    // Integer-like names: the JSON path puts them first, ascending; the Ion path must give the same order.
    '12': { S: 'twelve' },
    '0': { N: String(i) },
    deep: { M: { z: { S: 'z' }, '3': { S: 'three' }, '1': { BOOL: true } } },
  } as Record<string, AttributeValue>;
}

const sorted = (texts: string[]) => [...texts].sort();

describe('export.mode existing, full refresh', () => {
  it('loads the newest full export found under the prefix, equal to the table, with S3 alone; Ion gives the same records as JSON', async () => {
    const table = uniqueName('xe_full');
    await createTable(client, table, { hash: ['pk', 'S'], range: ['sk', 'N'] });
    await putItems(client, table, Array.from({ length: 40 }, (_, i) => mixedItem(i)));
    // An older export with fewer items, another table's export, and the newest ones in each format.
    const older = await emulator.layExport(table, { bucket: s3.bucket, prefix: `${table}/json`, exportTime: new Date(Date.now() - 3600_000) });
    const other = uniqueName('xe_other');
    await createTable(client, other, { hash: ['pk', 'S'] });
    await putItems(client, other, [{ pk: { S: 'not mine' } }]);
    await emulator.layExport(other, { bucket: s3.bucket, prefix: `${table}/json` });
    await emulator.layExport(other, { bucket: s3.bucket, prefix: `${table}/ion`, format: 'ION' });
    await putItems(client, table, Array.from({ length: 259 }, (_, i) => mixedItem(40 + i)));
    // One item written as raw wire JSON: the SDK's marshalling cannot carry an attribute named __proto__.
    await rawPut(table, `{"pk":{"S":"acct#proto"},"sk":{"N":"7"},"__proto__":{"M":{"__proto__":{"S":"deep"},"0":{"N":"1"}}},"b":{"S":"x"},"5":{"S":"five"}}`);
    await emulator.layExport(table, { bucket: s3.bucket, prefix: `${table}/json`, dataFiles: 4 });
    await emulator.layExport(table, { bucket: s3.bucket, prefix: `${table}/ion`, format: 'ION', dataFiles: 4 });

    const byScan = await readOk(connectorConfig(emulator.endpoint, { include_tables: [table] }), fullRefreshCatalog(table));
    expect(byScan.records).toHaveLength(300);
    let byJson!: Awaited<ReturnType<typeof readOk>>;
    let byIon!: Awaited<ReturnType<typeof readOk>>;
    expect(await forbiddenCallsDuring(table, async () => (byJson = await readOk(config(table, `${table}/json`), fullRefreshCatalog(table))))).toEqual([]);
    expect(await forbiddenCallsDuring(table, async () => (byIon = await readOk(config(table, `${table}/ion`), fullRefreshCatalog(table))))).toEqual([]);

    expect(sorted(byJson.texts)).toEqual(sorted(byScan.texts));
    // Byte for byte, member order included.
    const jsonTexts = sorted(byJson.texts);
    const ionTexts = sorted(byIon.texts);
    const firstDiff = ionTexts.findIndex((t, i) => t !== jsonTexts[i]);
    expect([ionTexts[firstDiff], firstDiff]).toEqual([jsonTexts[firstDiff], -1]);
    expect(sorted(byIon.dataTexts)).toEqual(sorted(byJson.dataTexts));
    expect(byIon.dataTexts).toHaveLength(300);
    // DynamoDB keeps its own order of the other names; integer-like ones come first, `__proto__` stays data.
    const proto = byIon.dataTexts.find((t) => t.includes('"pk":"acct#proto"'))!;
    expect(proto.startsWith('{"5":"five",')).toBe(true);
    expect(proto).toContain('"__proto__":{"0":1,"__proto__":"deep"}');
    expect(byIon.dataTexts.find((t) => t.includes('"pk":"acct#001"'))).toMatch(/^\{"0":1,"12":"twelve",.*"deep":\{"1":true,"3":"three","z":"z"\}/);
    const one = byIon.records.find((r) => r.pk === 'acct#001')!;
    expect(one.sk).toBe(mixedItem(1).sk!.N);
    expect(one.round).toBe('39370');
    expect(byIon.records.find((r) => r.pk === 'acct#002')!.round).toBe('600');
    expect(one.price).toBe('-0.000000000000000000000000000000000001');
    expect(one.half).toBe('-0.5');
    expect([...one.scores].sort()).toEqual(['1', '1.5', '99999999999999999999999999999999999999']);
    expect(one.bin).toBe(Buffer.from([0, 1, 255, 7]).toString('base64'));
    expect(one.blobs).toEqual(['AQ==', 'AgM=']);
    expect(Object.keys(one)).toEqual(expect.arrayContaining(['constructor', 'quote"and\nnewline']));

    // export.export_arn pins one export: the older one, with its 40 items.
    const pinned = await readOk(config(table, `${table}/json`, { export_arn: older.arn }), fullRefreshCatalog(table));
    expect(pinned.records).toHaveLength(40);
  });

  it('a prefix without an export of the table is a config_error naming the bucket and the prefix; check says so too', async () => {
    const table = uniqueName('xe_none');
    await createTable(client, table, { hash: ['pk', 'S'] });
    await putItems(client, table, [{ pk: { S: 'a' } }]);
    const other = uniqueName('xe_else');
    await createTable(client, other, { hash: ['pk', 'S'] });
    await emulator.layExport(other, { bucket: s3.bucket, prefix: `${table}/p` });

    const out = await read(config(table, `${table}/p`), fullRefreshCatalog(table));
    expect(out.code).not.toBe(0);
    expect(out.records).toEqual([]);
    expect(out.errors.map((e: any) => e.error.failure_type)).toEqual(['config_error']);
    expect(out.errors[0].error.message).toContain(`bucket ${s3.bucket}`);
    expect(out.errors[0].error.message).toContain(`prefix "${table}/p"`);
    expect(out.errors[0].error.message).toContain(`table ${table}`);

    const checked = await runCli(['check', '--config', jsonFile(config(table, `${table}/p`))]);
    const status = ofType(checked.messages, 'CONNECTION_STATUS')[0].connectionStatus;
    expect(status.status).toBe('FAILED');
    expect(status.message).toContain(`prefix "${table}/p"`);
    await emulator.layExport(table, { bucket: s3.bucket, prefix: `${table}/p`, format: 'ION' });
    const again = await runCli(['check', '--config', jsonFile(config(table, `${table}/p`))]);
    expect(ofType(again.messages, 'CONNECTION_STATUS')[0].connectionStatus.status).toBe('SUCCEEDED');
  });
});

/** S → string, N → its text: what the s3_export test writes. */
const plain = (item: Record<string, AttributeValue>): Row => Object.fromEntries(Object.entries(item).map(([k, v]) => [k, v.S ?? v.N]));

async function tableRows(table: string): Promise<Map<string, Row>> {
  const rows = (await scanAllItems(client, table)).map(plain);
  return new Map(rows.map((r) => [String(r.pk), r] as const).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** append_dedup: per key the row with the greatest cursor, rows marked deleted dropped, CDC columns stripped. */
function dedup(rows: Row[]): Map<string, Row> {
  const latest = new Map<string, Row>();
  for (const row of rows) {
    const previous = latest.get(String(row.pk));
    if (previous === undefined || row._ab_cdc_cursor >= previous._ab_cdc_cursor) latest.set(String(row.pk), row);
  }
  const out = new Map<string, Row>();
  for (const [key, row] of [...latest].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (row._ab_cdc_deleted_at === null) out.set(key, Object.fromEntries(Object.entries(row).filter(([k]) => !CDC_COLUMNS.includes(k))));
  }
  return out;
}

async function changeSome(table: string, round: number): Promise<void> {
  for (let i = 0; i < 8; i++) {
    const k = `k${String(round * 10 + i).padStart(2, '0')}`;
    await client.send(new UpdateItemCommand({ TableName: table, Key: { pk: { S: k } }, UpdateExpression: 'SET v = :v, n = n + :one', ExpressionAttributeValues: { ':v': { S: `round${round}` }, ':one': { N: '1' } } }));
  }
  for (let i = 8; i < 10; i++) await client.send(new DeleteItemCommand({ TableName: table, Key: { pk: { S: `k${String(round * 10 + i).padStart(2, '0')}` } } }));
  await client.send(new PutItemCommand({ TableName: table, Item: { pk: { S: `new${round}` }, n: { N: '99999999999999999999999999999999999999' }, v: { S: 'inserted' } } }));
}

describe('export.mode existing, replication mode s3_export', () => {
  it('the newest full export first, then every newer export in order, nothing when nothing is new: append+dedup equals the table', async () => {
    const table = uniqueName('xe_inc');
    await createTable(client, table, { hash: ['pk', 'S'] }, STREAM);
    await putItems(client, table, Array.from({ length: 40 }, (_, i) => ({ pk: { S: `k${String(i).padStart(2, '0')}` }, n: { N: String(i * 10) }, v: { S: 'first' } })));
    const prefix = `${table}/scheduled`;
    const cfg = config(table, prefix, {}, { replication: { mode: 's3_export' } });
    const catalog = cdcCatalog(table, [['pk']]);
    const rows: Row[] = [];
    // Made beforehand by a schedule: an old full export (superseded), then the full export the first sync starts from.
    await emulator.layExport(table, { bucket: s3.bucket, prefix, exportTime: new Date(Date.now() - 7200_000) });
    const t0 = new Date();
    const f1 = await emulator.layExport(table, { bucket: s3.bucket, prefix, exportTime: t0, format: 'ION' });

    const syncs: Array<Awaited<ReturnType<typeof readOk>>> = [];
    const run = async (state?: unknown) => {
      const calls = await forbiddenCallsDuring(table, async () => syncs.push(await readOk(cfg, catalog, state)));
      expect(calls).toEqual([]);
      return syncs.at(-1)!;
    };

    const first = await run();
    expect(first.records).toHaveLength(40);
    expect(first.records.every((r) => (r._ab_cdc_cursor as string).startsWith('000000-0'))).toBe(true);
    expect(first.streamState).toMatchObject({ last_export: f1.arn, exported_until: t0.toISOString() });
    rows.push(...first.records);
    expect(dedup(rows)).toEqual(await tableRows(table));

    const idle = await run(first.lastState);
    expect(idle.records).toEqual([]);
    expect(idle.streamState.last_export).toBe(f1.arn);

    // An hourly incremental export (Ion), then another (JSON) and a newer full export (a fresh snapshot).
    await changeSome(table, 0);
    const t1 = new Date(Date.now() + 1);
    await new Promise((r) => setTimeout(r, 5));
    await emulator.layExport(table, { bucket: s3.bucket, prefix, type: 'INCREMENTAL_EXPORT', window: { from: t0, to: t1 }, format: 'ION' });
    const second = await run(idle.lastState);
    expect(second.records.length).toBe(11);
    expect(second.records.filter((r) => r._ab_cdc_deleted_at !== null)).toHaveLength(2);
    rows.push(...second.records);
    expect(dedup(rows)).toEqual(await tableRows(table));

    await changeSome(table, 1);
    const t2 = new Date(Date.now() + 1);
    await new Promise((r) => setTimeout(r, 5));
    const i2 = await emulator.layExport(table, { bucket: s3.bucket, prefix, type: 'INCREMENTAL_EXPORT', window: { from: t1, to: t2 } });
    await changeSome(table, 2);
    const t3 = new Date(Date.now() + 1);
    await new Promise((r) => setTimeout(r, 5));
    const i3 = await emulator.layExport(table, { bucket: s3.bucket, prefix, type: 'INCREMENTAL_EXPORT', window: { from: t2, to: t3 }, format: 'ION' });
    const f2 = await emulator.layExport(table, { bucket: s3.bucket, prefix, exportTime: t3 });
    const third = await run(second.lastState);
    // I2's and I3's changes, then F2's rows: every item, ranked after the changes before it. (Deletes are only
    // seen through incremental exports: a full export has no rows for the items that are gone.)
    expect([i2.itemCount, i3.itemCount]).toEqual([11, 11]);
    expect(third.records.length).toBe(i2.itemCount + i3.itemCount + f2.itemCount);
    const snapshotRows = third.records.slice(i2.itemCount + i3.itemCount);
    expect(snapshotRows.every((r) => r._ab_cdc_cursor === snapshotRows[0]!._ab_cdc_cursor && (r._ab_cdc_cursor as string).startsWith('000000-1'))).toBe(true);
    expect(third.records.slice(0, i2.itemCount + i3.itemCount).every((r) => r._ab_cdc_cursor < snapshotRows[0]!._ab_cdc_cursor)).toBe(true);
    expect(third.streamState.last_export).toBe(f2.arn);
    rows.push(...third.records);
    expect(dedup(rows)).toEqual(await tableRows(table));

    const last = await run(third.lastState);
    expect(last.records).toEqual([]);
    expect(emulator.exports().filter((e) => e.table === table)).toEqual([]);
  });
});

describe('export.mode existing, kill -9 and resume', () => {
  it('killed while an Ion export found in the bucket is read: the next sync reads on in it, every item delivered once', async () => {
    const table = uniqueName('xe_kill');
    await createTable(client, table, { hash: ['pk', 'S'], range: ['sk', 'N'] });
    await putItems(client, table, Array.from({ length: 900 }, (_, i) => mixedItem(i)));
    await emulator.layExport(table, { bucket: s3.bucket, prefix: `${table}/k`, format: 'ION', dataFiles: 5 });
    const cfg = config(table, `${table}/k`, {}, { checkpoint_records: 50, read_concurrency: 1 });
    const catalog = fullRefreshCatalog(table);

    const killed = await runWatched(['read', '--config', jsonFile(cfg), '--catalog', jsonFile(catalog)], { killWhen: (_line, seen) => seen >= 300 });
    const killedTexts = ofType(killed.lines.map(parseLine), 'RECORD').map((m) => JSON.stringify(numbersAsText(m.record.data)));
    expect(killedTexts.length).toBeGreaterThanOrEqual(300);
    expect(killedTexts.length).toBeLessThan(900);
    const state = lastStateOf(killed.lines)!;
    expect(state[0].state.stream.stream_state.export.export_arn).toMatch(/\/export\//);
    let resumed!: Awaited<ReturnType<typeof readOk>>;
    expect(await forbiddenCallsDuring(table, async () => (resumed = await readOk(cfg, catalog, state)))).toEqual([]);
    expect(resumed.texts.length).toBeLessThan(900);
    const all = new Set([...killedTexts, ...resumed.texts]);
    expect(all.size).toBe(900);
  });
});

describe('export.format ION, requested exports', () => {
  it('an export the connector requests in Ion gives the same records as one in DynamoDB JSON', async () => {
    const table = uniqueName('xe_req');
    await createTable(client, table, { hash: ['pk', 'S'], range: ['sk', 'N'] });
    await putItems(client, table, Array.from({ length: 120 }, (_, i) => mixedItem(i)));
    await client.send(new UpdateContinuousBackupsCommand({ TableName: table, PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }));
    const requested = (format: string) =>
      connectorConfig(emulator.endpoint, { include_tables: [table], initial_load: 'export', export: { s3_bucket: s3.bucket, s3_prefix: `${table}/req`, s3_endpoint: s3.endpoint, format } });
    const byJson = await readOk(requested('DYNAMODB_JSON'), fullRefreshCatalog(table));
    const byIon = await readOk(requested('ION'), fullRefreshCatalog(table));
    const formats = emulator.requests.filter((r) => r.operation === 'ExportTableToPointInTime' && r.table === table).map((r) => r.body.ExportFormat);
    expect(formats).toEqual(['DYNAMODB_JSON', 'ION']);
    expect(byIon.records).toHaveLength(120);
    expect(sorted(byIon.texts)).toEqual(sorted(byJson.texts));
  });
});
