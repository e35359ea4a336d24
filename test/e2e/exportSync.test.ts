// Reads through exports to S3, end to end through the built CLI against DynamoDB Local behind the export emulator
// and a real S3 server (s3rver): initial_load export for full refresh and for the first sync of DynamoDB Streams
// mode, kill -9 while the export is running and while its files are read, and replication mode s3_export fed into
// an append+dedup destination across syncs with inserts, updates and deletes.
import { DeleteItemCommand, PutItemCommand, UpdateContinuousBackupsCommand, UpdateItemCommand, UpdateTableCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { cdcCatalog, jsonFile, numbersAsText, ofType, parseLine, traces } from '../support/cli.js';
import { connectorConfig, createTable, putItems, testClient, uniqueName, scanAllItems } from '../support/dynamo.js';
import { startExportEmulator, type ExportEmulator } from '../support/exportEmulator.js';
import { lastStateOf, runWatched, type WatchOptions } from '../support/killable.js';
import { protocolViolations } from '../support/protocol.js';
import { startS3Server, type RunningS3Server } from '../support/s3Server.js';

const ddbEndpoint = inject('ddbEndpoint');
let s3: RunningS3Server;
let emulator: ExportEmulator;
/** Writes go through the emulator: it stamps each change with its time, which incremental exports select by. */
let client: ReturnType<typeof testClient>;

beforeAll(async () => {
  s3 = await startS3Server('exports');
  emulator = await startExportEmulator({ ddbEndpoint, s3Endpoint: s3.endpoint });
  client = testClient(emulator.endpoint);
});

afterAll(async () => {
  await emulator?.close();
  await s3?.close();
});

type Row = Record<string, any>;
const CDC_COLUMNS = ['_ab_cdc_cursor', '_ab_cdc_updated_at', '_ab_cdc_deleted_at', '_ab_cdc_deleted_by_ttl'];
const STREAM = { StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' as const } };

function config(table: string, extra: Record<string, unknown> = {}) {
  return connectorConfig(emulator.endpoint, {
    include_tables: [table],
    export: { s3_bucket: s3.bucket, s3_prefix: 'airbyte/exports', s3_endpoint: s3.endpoint },
    ...extra,
  });
}

const fullRefresh = (name: string) => ({
  streams: [{ stream: { name, json_schema: {}, supported_sync_modes: ['full_refresh'] }, sync_mode: 'full_refresh', destination_sync_mode: 'overwrite' }],
});

const incremental = (name: string, primaryKey: string[][]) => cdcCatalog(name, primaryKey);

interface Sync {
  code: number | null;
  signal: NodeJS.Signals | null;
  lines: string[];
  messages: any[];
  /** Record data as JSON text with exact numbers, for byte-level comparisons. */
  texts: string[];
  records: Row[];
  lastState: any[] | undefined;
  streamState: any;
  logs: string[];
}

async function sync(cfg: Record<string, unknown>, catalog: unknown, state?: unknown, watch?: WatchOptions): Promise<Sync> {
  const args = ['read', '--config', jsonFile(cfg), '--catalog', jsonFile(catalog)];
  if (state !== undefined) args.push('--state', jsonFile(state));
  const run = await runWatched(args, watch);
  const messages = run.lines.map(parseLine);
  expect(protocolViolations(messages)).toEqual([]);
  const records = ofType(messages, 'RECORD').map((m) => numbersAsText(m.record.data));
  const lastState = lastStateOf(run.lines);
  return {
    code: run.code,
    signal: run.signal,
    lines: run.lines,
    messages,
    texts: records.map((r) => JSON.stringify(r)),
    records,
    lastState,
    streamState: lastState?.[0]?.state?.stream?.stream_state,
    logs: ofType(messages, 'LOG').map((m) => m.log.message as string),
  };
}

async function syncOk(cfg: Record<string, unknown>, catalog: unknown, state?: unknown): Promise<Sync> {
  const out = await sync(cfg, catalog, state);
  expect(traces(out.messages, 'ERROR')).toEqual([]);
  expect(out.code).toBe(0);
  return out;
}

function mixedItem(i: number): Record<string, AttributeValue> {
  return {
    pk: { S: `acct#${i % 37}` },
    sk: { N: `${i}12345678901234567890123456789012345678`.slice(0, 38) },
    price: { N: '-0.000000000000000000000000000000000001' },
    bin: { B: new Uint8Array([0, i % 256, 255, 7]) },
    tags: { SS: ['a', `t${i}`] },
    scores: { NS: ['1', '99999999999999999999999999999999999999'] },
    nested: { M: { list: { L: [{ NULL: true }, { BOOL: false }, { N: '3.14' }] } } },
    secret: { S: 'not for the destination' },
  };
}

async function enablePitr(table: string, since?: Date): Promise<void> {
  if (since !== undefined) emulator.enablePitr(table, since);
  else await client.send(new UpdateContinuousBackupsCommand({ TableName: table, PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }));
}

const exportRequests = (table: string) => emulator.requests.filter((r) => r.operation === 'ExportTableToPointInTime' && r.table === table);
const exportsOf = (table: string) => emulator.exports().filter((e) => e.table === table);

/** S → string, N → its text, BOOL → boolean: what the s3_export tests write. */
function plain(item: Record<string, AttributeValue>): Row {
  return Object.fromEntries(Object.entries(item).map(([k, v]) => [k, v.S ?? v.N ?? v.BOOL]));
}

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

/** A state as the last sync left it, with its s3_export window start moved `ms` into the past. */
function movedBack(state: any[], ms: number): any[] {
  const copy = JSON.parse(JSON.stringify(state));
  const s = copy[0].state.stream.stream_state;
  s.exported_until = new Date(Date.parse(s.exported_until) - ms).toISOString();
  return copy;
}

// ------------------------------------------------------------------------------------------------------------------

describe('initial_load export', () => {
  it('a full refresh by export gives the same records as the scan, excluded attributes left out, from one export', async () => {
    const table = uniqueName('xs_full');
    await createTable(client, table, { hash: ['pk', 'S'], range: ['sk', 'N'] });
    await putItems(client, table, Array.from({ length: 400 }, (_, i) => mixedItem(i)));
    await enablePitr(table);
    emulator.setBehaviour(table, { dataFiles: 4 });
    const exclude = { excluded_attributes: [{ tables: table, attributes: ['secret'] }] };

    const byScan = await syncOk(config(table, exclude), fullRefresh(table));
    const byExport = await syncOk(config(table, { ...exclude, initial_load: 'export' }), fullRefresh(table));

    expect(byExport.texts).toHaveLength(400);
    expect([...byExport.texts].sort()).toEqual([...byScan.texts].sort());
    const one = byExport.records.find((r) => r.tags?.[1] === 't1')!;
    expect(one.sk).toBe(mixedItem(1).sk!.N);
    expect(one.sk).toHaveLength(38);
    expect(one.price).toBe('-0.000000000000000000000000000000000001');
    expect(one.scores).toEqual(['1', '99999999999999999999999999999999999999']);
    expect(one.bin).toBe(Buffer.from([0, 1, 255, 7]).toString('base64'));
    expect(one).not.toHaveProperty('secret');
    expect(exportRequests(table)).toHaveLength(1);
    // A full refresh's final state holds no export: the next sync exports anew.
    expect(byExport.streamState.export).toBeUndefined();
  });

  it('the first sync of DynamoDB Streams mode snapshots by export, then reads the stream: the destination equals the table', async () => {
    const table = uniqueName('xs_cdc');
    await createTable(client, table, { hash: ['pk', 'S'] }, STREAM);
    await putItems(client, table, Array.from({ length: 120 }, (_, i) => ({ pk: { S: `k${String(i).padStart(3, '0')}` }, n: { N: String(i) } })));
    await enablePitr(table);
    const cfg = config(table, { initial_load: 'export', replication: { mode: 'dynamodb_streams', max_stream_read_seconds: 10 } });
    const catalog = incremental(table, [['pk']]);

    const first = await syncOk(cfg, catalog);
    expect(exportRequests(table)).toHaveLength(1);
    const snapshotRows = first.records.filter((r) => (r._ab_cdc_cursor as string).startsWith('000000-0'));
    expect(snapshotRows).toHaveLength(120);
    expect(dedup(first.records)).toEqual(await tableRows(table));

    await client.send(new PutItemCommand({ TableName: table, Item: { pk: { S: 'new' }, n: { N: '1000' } } }));
    await client.send(new UpdateItemCommand({ TableName: table, Key: { pk: { S: 'k001' } }, UpdateExpression: 'SET n = :v', ExpressionAttributeValues: { ':v': { N: '-5' } } }));
    await client.send(new DeleteItemCommand({ TableName: table, Key: { pk: { S: 'k002' } } }));
    const second = await syncOk(cfg, catalog, first.lastState);
    // Later syncs read only the stream: no second export, no snapshot rows.
    expect(exportRequests(table)).toHaveLength(1);
    expect(second.records.filter((r) => (r._ab_cdc_cursor as string).startsWith('000000-0'))).toEqual([]);
    expect(dedup([...first.records, ...second.records])).toEqual(await tableRows(table));
  });
});

describe('kill -9 and resume', () => {
  it('killed while the export runs: the resumed sync waits for the same export and loses nothing', async () => {
    const table = uniqueName('xs_kwait');
    await createTable(client, table, { hash: ['pk', 'S'], range: ['sk', 'N'] });
    await putItems(client, table, Array.from({ length: 150 }, (_, i) => mixedItem(i)));
    await enablePitr(table);
    emulator.setBehaviour(table, { inProgressMs: 3000, dataFiles: 3 });
    const cfg = config(table, { initial_load: 'export' });

    const killed = await sync(cfg, fullRefresh(table), undefined, { killOnLine: (line) => line.startsWith('{"type":"STATE"') && line.includes('"export_arn":"arn:') });
    expect(killed.signal).toBe('SIGKILL');
    expect(killed.records).toEqual([]);
    const resumed = await syncOk(cfg, fullRefresh(table), killed.lastState);
    expect(exportRequests(table).length).toBeGreaterThanOrEqual(1);
    expect(exportsOf(table)).toHaveLength(1);
    expect(new Set(resumed.texts).size).toBe(150);
    expect(resumed.texts).toHaveLength(150);
  });

  it('killed while the files are read: the resumed sync reads on in the same export, every item delivered', async () => {
    const table = uniqueName('xs_kread');
    await createTable(client, table, { hash: ['pk', 'S'], range: ['sk', 'N'] });
    await putItems(client, table, Array.from({ length: 900 }, (_, i) => mixedItem(i)));
    await enablePitr(table);
    emulator.setBehaviour(table, { dataFiles: 5 });
    const cfg = config(table, { initial_load: 'export', checkpoint_records: 50, read_concurrency: 1 });

    const killed = await sync(cfg, fullRefresh(table), undefined, { killWhen: (_line, seen) => seen >= 300 });
    expect(killed.records.length).toBeGreaterThanOrEqual(300);
    expect(killed.records.length).toBeLessThan(900);
    expect(killed.streamState.export.export_arn).toMatch(/^arn:/);
    const resumed = await syncOk(cfg, fullRefresh(table), killed.lastState);
    expect(exportsOf(table)).toHaveLength(1);
    // Everything the killed run checkpointed is not read again; together the two runs hold every item.
    const all = new Set([...killed.texts, ...resumed.texts]);
    expect(all.size).toBe(900);
    expect(resumed.texts.length).toBeLessThan(900);
  });
});

describe('replication mode s3_export', () => {
  it('discover offers incremental streams with the source-defined CDC cursor', async () => {
    const table = uniqueName('xs_disc');
    await createTable(client, table, { hash: ['pk', 'S'] });
    const args = ['discover', '--config', jsonFile(config(table, { replication: { mode: 's3_export' } }))];
    const run = await runWatched(args);
    const catalog = run.lines.map(parseLine).find((m) => m.type === 'CATALOG').catalog;
    const stream = catalog.streams.find((s: any) => s.name === table);
    expect(stream.supported_sync_modes).toEqual(['full_refresh', 'incremental']);
    expect(stream.source_defined_cursor).toBe(true);
    expect(stream.default_cursor_field).toEqual(['_ab_cdc_cursor']);
    for (const column of CDC_COLUMNS) expect(stream.json_schema.properties).toHaveProperty(column);
  });

  it('a full export, then incremental exports per sync: append+dedup equals the table after inserts, updates and deletes', async () => {
    const table = uniqueName('xs_inc');
    await createTable(client, table, { hash: ['pk', 'S'] });
    // The recovery window reaches back a day, as on a table that has had point-in-time recovery for a while.
    await enablePitr(table, new Date(Date.now() - 24 * 3600_000));
    await putItems(client, table, Array.from({ length: 60 }, (_, i) => ({ pk: { S: `k${String(i).padStart(2, '0')}` }, n: { N: String(i) }, v: { S: 'first' } })));
    // The emulator builds incremental exports from the table's stream, enabled only now: the items above were
    // written long before any window (below, windows are moved back in time), as on a real table. An item created
    // and deleted inside one window is left out of an incremental export, as AWS does.
    await client.send(new UpdateTableCommand({ TableName: table, ...STREAM }));
    const cfg = config(table, { replication: { mode: 's3_export' } });
    const catalog = incremental(table, [['pk']]);
    const rows: Row[] = [];

    const first = await syncOk(cfg, catalog);
    expect(first.records).toHaveLength(60);
    expect(first.records.every((r) => (r._ab_cdc_cursor as string).startsWith('000000-0'))).toBe(true);
    expect(first.streamState.exported_until).toBeDefined();
    rows.push(...first.records);
    expect(dedup(rows)).toEqual(await tableRows(table));

    // Right after an export the window is under 15 minutes: nothing is exported, the log says when it can be.
    const tooSoon = await syncOk(cfg, catalog, first.lastState);
    expect(tooSoon.records).toEqual([]);
    expect(tooSoon.logs.some((l) => l.includes('the next sync can export from'))).toBe(true);
    expect(exportRequests(table)).toHaveLength(1);

    let state = first.lastState!;
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 10; i++) {
        const k = round * 20 + i;
        await client.send(new UpdateItemCommand({ TableName: table, Key: { pk: { S: `k${String(k).padStart(2, '0')}` } }, UpdateExpression: 'SET v = :v, n = n + :one', ExpressionAttributeValues: { ':v': { S: `round${round}` }, ':one': { N: '1' } } }));
      }
      for (let i = 10; i < 15; i++) await client.send(new DeleteItemCommand({ TableName: table, Key: { pk: { S: `k${String(round * 20 + i).padStart(2, '0')}` } } }));
      await client.send(new PutItemCommand({ TableName: table, Item: { pk: { S: `new${round}` }, n: { N: '99999999999999999999999999999999999999' }, v: { S: 'inserted' } } }));
      // The same item changed twice within one window: its later change must win.
      await client.send(new UpdateItemCommand({ TableName: table, Key: { pk: { S: `new${round}` } }, UpdateExpression: 'SET v = :v', ExpressionAttributeValues: { ':v': { S: 'updated' } } }));

      // Let the window end 20 minutes before now: the window's start is moved back instead of waiting (the
      // emulator dates the changes as they are written, so the same changes fall into the window either way).
      const next = await syncOk(cfg, catalog, movedBack(state, 20 * 60_000));
      const deletes = next.records.filter((r) => r._ab_cdc_deleted_at !== null);
      expect(deletes.length).toBeGreaterThanOrEqual(5);
      expect(next.records.every((r) => (r._ab_cdc_cursor as string).startsWith('000000-1'))).toBe(true);
      rows.push(...next.records);
      expect(dedup(rows)).toEqual(await tableRows(table));
      state = next.lastState!;
    }
    expect(exportsOf(table).map((e) => e.type)).toEqual(['FULL_EXPORT', 'INCREMENTAL_EXPORT', 'INCREMENTAL_EXPORT']);
  });

  it('a window over 24 hours is split into several exports, each checkpointed', async () => {
    const table = uniqueName('xs_split');
    await createTable(client, table, { hash: ['pk', 'S'] }, STREAM);
    await enablePitr(table, new Date(Date.now() - 3 * 24 * 3600_000));
    await putItems(client, table, [{ pk: { S: 'a' }, n: { N: '1' } }]);
    const cfg = config(table, { replication: { mode: 's3_export' } });
    const catalog = incremental(table, [['pk']]);
    const first = await syncOk(cfg, catalog);
    await client.send(new PutItemCommand({ TableName: table, Item: { pk: { S: 'b' }, n: { N: '2' } } }));

    const next = await syncOk(cfg, catalog, movedBack(first.lastState!, 50 * 3600_000));
    const incrementals = exportsOf(table).filter((e) => e.type === 'INCREMENTAL_EXPORT');
    expect(incrementals).toHaveLength(3);
    const untils = ofType(next.messages, 'STATE').map((m) => m.state.stream.stream_state.exported_until as string | undefined);
    expect(new Set(untils.filter((u) => u !== undefined)).size).toBeGreaterThanOrEqual(3);
    expect(dedup([...first.records, ...next.records])).toEqual(await tableRows(table));
  });
});

describe('DynamoDB Streams mode, on_data_loss export', () => {
  const LOST_SHARD = 'shardId-00000000000000000000-deadbeef';

  it('fills a gap in the stream with an incremental export, no full snapshot; without point-in-time recovery it fails', async () => {
    const table = uniqueName('xs_gap');
    await createTable(client, table, { hash: ['pk', 'S'] });
    await putItems(client, table, Array.from({ length: 80 }, (_, i) => ({ pk: { S: `k${String(i).padStart(2, '0')}` }, n: { N: String(i) } })));
    // The stream is enabled after the items were written: they are older than any export window below.
    await client.send(new UpdateTableCommand({ TableName: table, ...STREAM }));
    await enablePitr(table, new Date(Date.now() - 3600_000));
    const cfg = config(table, { replication: { mode: 'dynamodb_streams', max_stream_read_seconds: 10, on_data_loss: 'export' } });
    const catalog = incremental(table, [['pk']]);

    const first = await syncOk(cfg, catalog);
    expect(first.records).toHaveLength(80);
    expect(first.streamState.cdc.read_until).toBeDefined();
    expect(exportRequests(table)).toHaveLength(0);

    await client.send(new UpdateItemCommand({ TableName: table, Key: { pk: { S: 'k01' } }, UpdateExpression: 'SET n = :v', ExpressionAttributeValues: { ':v': { N: '-1' } } }));
    await client.send(new DeleteItemCommand({ TableName: table, Key: { pk: { S: 'k02' } } }));
    await client.send(new PutItemCommand({ TableName: table, Item: { pk: { S: 'new' }, n: { N: '12345678901234567890123456789012345678' } } }));
    // The stream lost a shard the last sync had not finished, as after 24 hours without a sync.
    const lost = JSON.parse(JSON.stringify(first.lastState));
    lost[0].state.stream.stream_state.cdc.shards[LOST_SHARD] = { parent: null, last_sequence: '1', finished: false };

    const recovered = await syncOk(cfg, catalog, lost);
    const warnings = ofType(recovered.messages, 'LOG').filter((m) => m.log.level === 'WARN').map((m) => m.log.message as string);
    expect(warnings.some((w) => w.includes(LOST_SHARD) && w.includes('incremental export'))).toBe(true);
    expect(exportsOf(table).map((e) => e.type)).toEqual(['INCREMENTAL_EXPORT']);
    // The export holds the three changed items, not the table; the stream is then read again from its oldest change.
    const gapRows = recovered.records.filter((r) => (r._ab_cdc_cursor as string).startsWith('000001-0'));
    expect(gapRows.map((r) => r.pk).sort()).toEqual(['k01', 'k02', 'new']);
    expect(gapRows.find((r) => r.pk === 'k02')!._ab_cdc_deleted_at).not.toBeNull();
    expect(recovered.records.length).toBeLessThan(80);
    expect(recovered.streamState.cdc).toMatchObject({ generation: 1, snapshot_done: true });
    expect(recovered.streamState.cdc.shards).not.toHaveProperty(LOST_SHARD);
    expect(recovered.streamState.export).toBeUndefined();
    expect(dedup([...first.records, ...recovered.records])).toEqual(await tableRows(table));

    await client.send(new PutItemCommand({ TableName: table, Item: { pk: { S: 'later' }, n: { N: '7' } } }));
    const next = await syncOk(cfg, catalog, recovered.lastState);
    expect(next.records.map((r) => [r.pk, (r._ab_cdc_cursor as string).slice(0, 9)])).toEqual([['later', '000001-1-']]);
    expect(dedup([...first.records, ...recovered.records, ...next.records])).toEqual(await tableRows(table));

    // Without point-in-time recovery nothing can fill the gap: a config_error, as with on_data_loss fail.
    await client.send(new UpdateContinuousBackupsCommand({ TableName: table, PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: false } }));
    const failed = await sync(cfg, catalog, lost);
    const errors = traces(failed.messages, 'ERROR');
    expect(errors).toHaveLength(1);
    expect(errors[0].error.failure_type).toBe('config_error');
    expect(errors[0].error.message).toMatch(/point-in-time recovery/);
    expect(failed.records).toEqual([]);
  });
});
