// DynamoDB Streams (CDC) mode end to end, through the built CLI on DynamoDB Local: discover and check, a first sync
// (snapshot, then the stream) with changes made before, during and after it, resumes after SIGKILL in both phases,
// a disabled or replaced stream, and lost shards. What a destination sees is checked the way append+dedup would
// build it: per primary key the record with the greatest _ab_cdc_cursor, deletes dropped; that must be the table.
import {
  DeleteItemCommand,
  DescribeTableCommand,
  PutItemCommand,
  UpdateTableCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { describe, expect, inject, it } from 'vitest';
import { cdcCatalog, jsonFile, numbersAsText, ofType, parseLine, runCli, traces } from '../support/cli.js';
import { sendError } from '../support/faultProxy.js';
import { connectorConfig, createTable, putItems, testClient, uniqueName, scanAllItems } from '../support/dynamo.js';
import { runWatched, type WatchOptions } from '../support/killable.js';
import { protocolViolations } from '../support/protocol.js';
import { reply, sendUpstream, startLocalProxy } from '../support/upstream.js';

const endpoint = inject('ddbEndpoint');
const client = testClient(endpoint);

const STREAM = { StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' as const } };
const CDC_COLUMNS = ['_ab_cdc_cursor', '_ab_cdc_updated_at', '_ab_cdc_deleted_at', '_ab_cdc_deleted_by_ttl'];
/** GetRecords returns at most this many records a page: what one kill in the stream phase can make us read twice. */
const STREAM_PAGE = 1000;

type Row = Record<string, any>;

// ---- the connector side ---------------------------------------------------------------------------------------

function cdcConfig(table: string, extra: Record<string, unknown> = {}, replication: Record<string, unknown> = {}) {
  return connectorConfig(endpoint, {
    include_tables: [table],
    replication: { mode: 'dynamodb_streams', max_stream_read_seconds: 20, ...replication },
    ...extra,
  });
}


interface Sync {
  code: number | null;
  signal: NodeJS.Signals | null;
  lines: string[];
  messages: any[];
  records: Row[];
  /** What Airbyte would store and pass back: the last STATE message, verbatim; undefined when there was none. */
  lastState: unknown[] | undefined;
  streamState: any;
}

interface SyncOptions {
  state?: unknown;
  config?: Record<string, unknown>;
  replication?: Record<string, unknown>;
  watch?: WatchOptions;
  /** cursor_field of the configured stream; absent by default. */
  cursorField?: string[];
}

const STACK_FRAME = /\bat (?:async )?\S+ \(|\.[cm]?js:\d+:\d+/;
const expectNoStackTraces = (lines: string[]) => expect(lines.filter((l) => STACK_FRAME.test(l))).toEqual([]);

async function sync(table: string, primaryKey: string[][], options: SyncOptions = {}): Promise<Sync> {
  const args = ['read', '--config', jsonFile(cdcConfig(table, options.config, options.replication)), '--catalog', jsonFile(cdcCatalog(table, primaryKey, options.cursorField))];
  if (options.state !== undefined) args.push('--state', jsonFile(options.state));
  const run = await runWatched(args, options.watch);
  const messages = run.lines.map(parseLine);
  expect(protocolViolations(messages)).toEqual([]);
  expectNoStackTraces(run.lines);
  const stateLines = run.lines.filter((l) => l.startsWith('{"type":"STATE"'));
  const lastState = stateLines.length === 0 ? undefined : [JSON.parse(stateLines[stateLines.length - 1]!)];
  return {
    ...run,
    messages,
    records: ofType(messages, 'RECORD').map((m) => numbersAsText(m.record.data)),
    lastState,
    streamState: (lastState?.[0] as any)?.state.stream.stream_state,
  };
}

/** A sync that must succeed. */
async function syncOk(table: string, primaryKey: string[][], options: SyncOptions = {}): Promise<Sync> {
  const out = await sync(table, primaryKey, options);
  expect(traces(out.messages, 'ERROR')).toEqual([]);
  expect(out.code).toBe(0);
  expect(out.lastState).toBeDefined();
  return out;
}

/** A sync that must fail with one config_error trace and a non-zero exit code; returns the error's message. */
async function syncConfigError(table: string, primaryKey: string[][], options: SyncOptions = {}): Promise<{ message: string; out: Sync }> {
  const out = await sync(table, primaryKey, options);
  expect(out.code).not.toBe(0);
  expect(out.signal).toBeNull();
  const errors = traces(out.messages, 'ERROR');
  expect(errors).toHaveLength(1);
  expect(errors[0].error.failure_type).toBe('config_error');
  const statuses = traces(out.messages, 'STREAM_STATUS').map((t) => t.stream_status.status);
  expect(statuses[statuses.length - 1]).toBe('INCOMPLETE');
  return { message: errors[0].error.message as string, out };
}

const phaseOf = (row: Row) => (row._ab_cdc_cursor as string).slice(0, 8); // "000000-0" snapshot, "000000-1" stream
const isSnapshot = (row: Row) => (row._ab_cdc_cursor as string)[7] === '0';
const stripCdc = (row: Row) => Object.fromEntries(Object.entries(row).filter(([k]) => !CDC_COLUMNS.includes(k)));

/** append_dedup: per primary key the row with the greatest cursor (string order), rows marked deleted dropped. */
function dedup(rows: Row[], keyOf: (row: Row) => string): Map<string, Row> {
  const latest = new Map<string, Row>();
  for (const row of rows) {
    const key = keyOf(row);
    const previous = latest.get(key);
    if (previous === undefined || row._ab_cdc_cursor >= previous._ab_cdc_cursor) latest.set(key, row);
  }
  const out = new Map<string, Row>();
  for (const [key, row] of [...latest].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (row._ab_cdc_deleted_at === null) out.set(key, stripCdc(row));
  }
  return out;
}

// ---- the table side (read directly, never through the connector) -----------------------------------------------

/** S → string, N → its text (as numbersAsText gives connector numbers), BOOL → boolean: all these tests write. */
function plain(item: Record<string, AttributeValue>): Row {
  return Object.fromEntries(
    Object.entries(item).map(([name, value]) => {
      if (value.S !== undefined) return [name, value.S];
      if (value.N !== undefined) return [name, value.N];
      if (value.BOOL !== undefined) return [name, value.BOOL];
      throw new Error(`test tables hold only S, N and BOOL, not ${JSON.stringify(value)}`);
    }),
  );
}

async function tableContents(table: string, keyOf: (row: Row) => string): Promise<Map<string, Row>> {
  const rows = (await scanAllItems(client, table)).map(plain);
  return new Map(rows.map((r) => [keyOf(r), r] as const).sort(([a], [b]) => (a < b ? -1 : 1)));
}

async function expectDestinationIsTable(table: string, rows: Row[], keyOf: (row: Row) => string) {
  const expected = await tableContents(table, keyOf);
  const actual = dedup(rows, keyOf);
  expect(actual.size).toBe(expected.size);
  expect(actual).toEqual(expected);
}

/** Record copies beyond the first of the same change (same key and cursor). */
function duplicates(rows: Row[], keyOf: (row: Row) => string): number {
  return rows.length - new Set(rows.map((r) => `${keyOf(r)}@${r._ab_cdc_cursor}`)).size;
}

const put = (table: string, item: Record<string, AttributeValue>) => client.send(new PutItemCommand({ TableName: table, Item: item }));
const del = (table: string, key: Record<string, AttributeValue>) => client.send(new DeleteItemCommand({ TableName: table, Key: key }));
const latestStreamArn = async (table: string) => (await client.send(new DescribeTableCommand({ TableName: table }))).Table!.LatestStreamArn;

// ------------------------------------------------------------------------------------------------------------------

describe('discover and check in DynamoDB Streams mode', () => {
  const prefix = uniqueName('cdc_disc');
  const streamed = `${prefix}_full`;
  const noStream = `${prefix}_none`;
  const keysOnly = `${prefix}_keys`;
  const setup = Promise.all([
    createTable(client, streamed, { hash: ['pk', 'S'] }, STREAM).then(() => putItems(client, streamed, [{ pk: { S: 'a' }, n: { N: '1' } }])),
    createTable(client, noStream, { hash: ['pk', 'S'] }),
    createTable(client, keysOnly, { hash: ['pk', 'S'] }, { StreamSpecification: { StreamEnabled: true, StreamViewType: 'KEYS_ONLY' } }),
  ]);
  const config = (include: string[]) => jsonFile(cdcConfig('unused', { include_tables: include }));

  it('advertises incremental with the source-defined CDC cursor only for tables with a full-row stream', async () => {
    await setup;
    const result = await runCli(['discover', '--config', config([`${prefix}_*`])]);
    expect(protocolViolations(result.messages)).toEqual([]);
    expectNoStackTraces(result.lines);
    expect(result.code).toBe(0);
    const streams = new Map<string, any>(ofType(result.messages, 'CATALOG')[0].catalog.streams.map((s: any) => [s.name, s]));
    expect([...streams.keys()].sort()).toEqual([streamed, noStream, keysOnly].sort());

    const full = streams.get(streamed);
    expect(full.supported_sync_modes).toEqual(['full_refresh', 'incremental']);
    expect(full.source_defined_cursor).toBe(true);
    expect(full.default_cursor_field).toEqual(['_ab_cdc_cursor']);
    expect(full.source_defined_primary_key).toEqual([['pk']]);
    for (const column of CDC_COLUMNS) expect(full.json_schema.properties).toHaveProperty(column);

    for (const name of [noStream, keysOnly]) {
      const stream = streams.get(name);
      expect(stream.supported_sync_modes).toEqual(['full_refresh']);
      expect(stream.source_defined_cursor).toBeFalsy();
      expect(stream.json_schema.properties).not.toHaveProperty('_ab_cdc_cursor');
    }
    const warnings = ofType(result.messages, 'LOG').filter((m) => m.log.level === 'WARN').map((m) => m.log.message as string);
    expect(warnings.filter((w) => w.includes(noStream))).toHaveLength(1);
    expect(warnings.filter((w) => w.includes(keysOnly))).toHaveLength(1);
    expect(warnings.join('\n')).toContain('KEYS_ONLY');
    expect(warnings.filter((w) => w.includes(streamed))).toEqual([]);
  });

  it('check fails listing every included table without a usable stream, with the command that fixes it', async () => {
    await setup;
    const result = await runCli(['check', '--config', config([`${prefix}_*`])]);
    expect(protocolViolations(result.messages)).toEqual([]);
    expectNoStackTraces(result.lines);
    const statuses = ofType(result.messages, 'CONNECTION_STATUS');
    expect(statuses).toHaveLength(1);
    const status = statuses[0].connectionStatus;
    expect(status.status).toBe('FAILED');
    expect(status.message).toContain('2 of 3 tables');
    expect(status.message).toContain(
      `aws dynamodb update-table --table-name ${noStream} --stream-specification StreamEnabled=true,StreamViewType=NEW_AND_OLD_IMAGES`,
    );
    expect(status.message).toContain(
      `aws dynamodb update-table --table-name ${keysOnly} --stream-specification StreamEnabled=true,StreamViewType=NEW_AND_OLD_IMAGES`,
    );
    expect(status.message).toContain('KEYS_ONLY');
    expect(status.message).not.toContain(`${streamed} `);

    const ok = await runCli(['check', '--config', config([streamed])]);
    expect(ofType(ok.messages, 'CONNECTION_STATUS')[0].connectionStatus).toEqual({ status: 'SUCCEEDED' });
    expect(ok.code).toBe(0);
  });
});

describe('snapshot, then the stream: changes before, during and after the first sync', () => {
  const table = uniqueName('cdc_flow');
  const PK = [['pk'], ['sk']];
  const keyOf = (r: Row) => `${r.pk}|${r.sk}`;
  const key = (i: number) => ({ pk: { S: `p${i % 7}` }, sk: { N: String(i) } });
  const item = (i: number, v: number) => ({ ...key(i), v: { N: String(v) }, pad: { S: 'x'.repeat(100) } });
  const ITEMS = 2500;
  const all: Row[] = [];
  let state: unknown[] | undefined;
  let streamArn: string | undefined;

  it('first sync: every change made before and during the snapshot reaches the destination', async () => {
    await createTable(client, table, { hash: ['pk', 'S'], range: ['sk', 'N'] }, STREAM);
    streamArn = await latestStreamArn(table);
    await putItems(client, table, Array.from({ length: ITEMS }, (_, i) => item(i, 0)));
    // Before the first sync: updates, deletes, inserts.
    await putItems(client, table, Array.from({ length: 10 }, (_, i) => item(i, 1)));
    for (let i = 10; i < 20; i++) await del(table, key(i));
    await putItems(client, table, Array.from({ length: 5 }, (_, i) => item(5000 + i, 1)));

    // During the snapshot (a slow one: one segment, 10 items a page): early and late keys, an item changed twice,
    // one deleted and inserted again, one inserted and deleted.
    let recordsSeen = 0;
    let recordsWhenWritten = -1;
    let writes: Promise<void> | undefined;
    const during = async () => {
      for (const i of [20, 21, 22, 2490, 2491, 2492]) await put(table, item(i, 2));
      for (const i of [30, 31, 2480, 2481]) await del(table, key(i));
      for (let i = 6000; i < 6005; i++) await put(table, item(i, 2));
      await put(table, item(40, 5));
      await put(table, item(40, 6));
      await del(table, key(41));
      await put(table, item(41, 7));
      await put(table, item(7000, 1));
      await del(table, key(7000));
      recordsWhenWritten = recordsSeen;
    };
    const first = await syncOk(table, PK, {
      config: { page_size: 10, scan_segments: 1 },
      watch: {
        onLine: (line) => {
          if (!line.startsWith('{"type":"RECORD"')) return;
          recordsSeen++;
          writes ??= during();
        },
      },
    });
    await writes;
    const rows = first.records;
    all.push(...rows);
    state = first.lastState;

    // The writes were done while snapshot rows were still coming out.
    expect(recordsWhenWritten).toBeGreaterThan(0);
    expect(rows.slice(recordsWhenWritten).filter(isSnapshot).length).toBeGreaterThan(0);

    // Snapshot rows (phase 0) first, then stream changes (phase 1); cursors agree with that order.
    const firstChange = rows.findIndex((r) => !isSnapshot(r));
    expect(firstChange).toBeGreaterThan(0);
    expect(rows.slice(firstChange).every((r) => !isSnapshot(r))).toBe(true);
    expect(new Set(rows.map(phaseOf))).toEqual(new Set(['000000-0', '000000-1']));
    const snapshotRows = rows.slice(0, firstChange);
    const changes = rows.slice(firstChange);
    const maxSnapshot = snapshotRows.map((r) => r._ab_cdc_cursor).sort().at(-1);
    const minChange = changes.map((r) => r._ab_cdc_cursor).sort()[0];
    expect(maxSnapshot < minChange).toBe(true);
    expect(new Set(snapshotRows.map((r) => r._ab_cdc_cursor)).size).toBe(1);
    // Stream changes come out in the order DynamoDB applied them (one shard here).
    expect(changes.map((r) => r._ab_cdc_cursor)).toEqual(changes.map((r) => r._ab_cdc_cursor).sort());

    // Deletes carry both keys and the time of the delete.
    const removes = rows.filter((r) => r._ab_cdc_deleted_at !== null);
    const removedKeys = new Set(removes.map(keyOf));
    for (const i of [10, 19, 30, 31, 2480, 2481, 41, 7000]) expect(removedKeys).toContain(`p${i % 7}|${i}`);
    for (const r of removes) {
      expect(typeof r.pk).toBe('string');
      expect(r.sk).toMatch(/^\d+$/);
      expect(r._ab_cdc_deleted_at).toMatch(/^\d{4}-\d\d-\d\dT/);
      expect(r._ab_cdc_deleted_by_ttl).toBe(false);
      expect(isSnapshot(r)).toBe(false);
    }
    for (const r of snapshotRows) expect(r).toMatchObject({ _ab_cdc_deleted_at: null, _ab_cdc_deleted_by_ttl: null });

    await expectDestinationIsTable(table, all, keyOf);
    expect(first.streamState.cdc).toMatchObject({ stream_arn: streamArn, generation: 0, snapshot_done: true });
    expect(first.streamState.scan).toBeNull();
    const statuses = traces(first.messages, 'STREAM_STATUS').map((t) => t.stream_status.status);
    expect(statuses).toEqual(['STARTED', 'RUNNING', 'COMPLETE']);
  });

  it('a sync without changes returns no records and a STATE (the catalog naming the source-defined cursor)', async () => {
    expect(state).toBeDefined();
    const again = await syncOk(table, PK, { state, cursorField: ['_ab_cdc_cursor'] });
    expect(again.records).toEqual([]);
    // The position is unchanged; only the count of empty pages read past it may grow (see changeReader.ts), and
    // the time up to which every change has been read moves on to this sync's start.
    const before = (state![0] as any).state.stream.stream_state.cdc;
    expect(Date.parse(again.streamState.cdc.read_until)).toBeGreaterThan(Date.parse(before.read_until));
    const withoutEmptyPages = ({ read_until: _until, ...cdc }: any) => ({
      ...cdc,
      shards: Object.fromEntries(Object.entries(cdc.shards).map(([id, s]: [string, any]) => [id, { parent: s.parent, last_sequence: s.last_sequence, finished: s.finished }])),
    });
    expect(withoutEmptyPages(again.streamState.cdc)).toEqual(withoutEmptyPages(before));
    state = again.lastState;
  });

  it('a sync after changes returns exactly those changes', async () => {
    expect(state).toBeDefined();
    for (const i of [1, 100, 2000]) await put(table, item(i, 9));
    for (const i of [200, 201]) await del(table, key(i));
    await put(table, item(8000, 1));
    const later = await syncOk(table, PK, { state });
    all.push(...later.records);
    expect(later.records.map((r) => `${r._ab_cdc_deleted_at === null ? 'upsert' : 'delete'} ${keyOf(r)} ${r.v}`)).toEqual([
      'upsert p1|1 9',
      'upsert p2|100 9',
      'upsert p5|2000 9',
      'delete p4|200 0',
      'delete p5|201 0',
      'upsert p6|8000 1',
    ]);
    expect(later.records.every((r) => phaseOf(r) === '000000-1')).toBe(true);
    await expectDestinationIsTable(table, all, keyOf);
    state = later.lastState;

    const none = await syncOk(table, PK, { state });
    expect(none.records).toEqual([]);
  });
});

describe('resume after SIGKILL', () => {
  const PK = [['pk']];
  const keyOf = (r: Row) => String(r.pk);
  const key = (i: number) => ({ pk: { S: `k${String(i).padStart(5, '0')}` } });
  const item = (i: number, v: number) => ({ ...key(i), v: { N: String(v) } });
  const PAGE_SIZE = 25;
  const SEGMENTS = 2;
  const resumeConfig = { page_size: PAGE_SIZE, scan_segments: SEGMENTS, read_concurrency: SEGMENTS, checkpoint_interval_seconds: 0 };

  it('in the snapshot phase and in the stream phase: every change is delivered, duplicates bounded', async () => {
    const table = uniqueName('cdc_resume');
    // Kill points sit ≥ 700 records before the next STATE: a killed CLI's output already in the pipe (≤ 64 KiB, plus
    // the chunk being read) still reaches us, and must not include the STATE the kill was meant to prevent.
    const ITEMS = 2500;
    await createTable(client, table, { hash: ['pk', 'S'] }, STREAM);
    await putItems(client, table, Array.from({ length: ITEMS }, (_, i) => item(i, 0)));
    const all: Row[] = [];
    let kills = 0;
    const run = async (state: unknown, killWhen?: WatchOptions['killWhen']) => {
      const out = await sync(table, PK, { state, config: resumeConfig, watch: { killWhen } });
      all.push(...out.records);
      if (killWhen) {
        expect(out.signal).toBe('SIGKILL');
        kills++;
      }
      return out;
    };

    // 1. Killed in the snapshot.
    const r1 = await run(undefined, (_line, seen) => seen >= 200);
    expect(r1.streamState.cdc.snapshot_done).toBe(false);
    expect(r1.streamState.scan).not.toBeNull();
    await put(table, item(0, 1)); // changes between runs are not lost either
    await del(table, key(1));

    // 2. Resumed; killed again in the snapshot.
    const r2 = await run(r1.lastState, (_line, seen) => seen >= 300);
    expect(r2.streamState.cdc.snapshot_done).toBe(false);
    expect(r2.streamState.cdc.stream_arn).toBe(r1.streamState.cdc.stream_arn);
    await put(table, item(2, 1));

    // 3. Resumed; killed at the first stream change: the snapshot is done and must not be taken again.
    const isChangeLine = (line: string) => !line.includes('"_ab_cdc_cursor":"000000-0-');
    const r3 = await run(r2.lastState, (line) => isChangeLine(line));
    expect(r3.streamState.cdc.snapshot_done).toBe(true);
    expect(r3.streamState.scan).toBeNull();

    // 4. Resumed; killed in the stream phase (2500+ changes from the shard's start), in its second page.
    const r4 = await run(r3.lastState, (_line, seen) => seen >= STREAM_PAGE + 200);
    expect(r4.records.filter(isSnapshot)).toEqual([]);
    expect(r4.streamState.cdc.snapshot_done).toBe(true);
    expect(Object.values(r4.streamState.cdc.shards).some((s: any) => s.last_sequence !== null)).toBe(true);
    await put(table, item(3, 1));

    // 5. Resumed to the end.
    const r5 = await run(r4.lastState);
    expect(r5.code).toBe(0);
    expect(traces(r5.messages, 'ERROR')).toEqual([]);
    expect(r5.records.filter(isSnapshot)).toEqual([]); // the snapshot was not taken again

    await expectDestinationIsTable(table, all, keyOf);
    const snapshotRows = all.filter(isSnapshot);
    expect(snapshotRows.length).toBeLessThanOrEqual(ITEMS + 2 * PAGE_SIZE * SEGMENTS);
    expect(duplicates(all, keyOf)).toBeLessThanOrEqual(2 * PAGE_SIZE * SEGMENTS + 2 * STREAM_PAGE);
    expect(kills).toBe(4);

    // 6. A later sync of many changes, killed twice in the stream: each change arrives, in order, at least once.
    const ROUNDS = 3;
    const CHANGED = 700;
    for (let round = 1; round <= ROUNDS; round++) await putItems(client, table, Array.from({ length: CHANGED }, (_, i) => item(i, 10 + round)));
    for (let i = 1000; i < 1050; i++) await del(table, key(i));
    const before = all.length;
    let state = r5.lastState;
    for (const at of [1200, 300]) {
      const killed = await run(state, (_line, seen) => seen >= at);
      expect(killed.records.filter(isSnapshot)).toEqual([]);
      state = killed.lastState ?? state;
    }
    const last = await run(state);
    expect(last.code).toBe(0);
    const later = all.slice(before);
    for (let i = 0; i < CHANGED; i++) {
      const values = later.filter((r) => r.pk === key(i).pk.S && r._ab_cdc_deleted_at === null).sort((a, b) => (a._ab_cdc_cursor < b._ab_cdc_cursor ? -1 : 1));
      expect([...new Set(values.map((r) => r.v))]).toEqual(['11', '12', '13']);
    }
    const deleted = new Set(later.filter((r) => r._ab_cdc_deleted_at !== null).map(keyOf));
    for (let i = 1000; i < 1050; i++) expect(deleted).toContain(key(i).pk.S);
    expect(later.length - (ROUNDS * CHANGED + 50)).toBe(duplicates(later, keyOf));
    expect(duplicates(later, keyOf)).toBeLessThanOrEqual(2 * STREAM_PAGE);
    await expectDestinationIsTable(table, all, keyOf);
  });
});

describe('a stream that was disabled or replaced', () => {
  it('disabled: config_error telling to enable it and reset; re-enabled (a new stream): config_error telling to reset', async () => {
    const table = uniqueName('cdc_disabled');
    const PK = [['pk']];
    await createTable(client, table, { hash: ['pk', 'S'] }, STREAM);
    await putItems(client, table, Array.from({ length: 20 }, (_, i) => ({ pk: { S: `a${i}` } })));
    const first = await syncOk(table, PK);
    const oldArn = first.streamState.cdc.stream_arn;

    await client.send(new UpdateTableCommand({ TableName: table, StreamSpecification: { StreamEnabled: false } }));
    const disabled = await syncConfigError(table, PK, { state: first.lastState });
    expect(disabled.message).toContain(table);
    expect(disabled.message).toMatch(/enable/i);
    expect(disabled.message).toContain('StreamEnabled=true,StreamViewType=NEW_AND_OLD_IMAGES');
    expect(disabled.message).toMatch(/reset/i);
    expect(disabled.out.records).toEqual([]);

    await client.send(new UpdateTableCommand({ TableName: table, ...STREAM }));
    const newArn = await latestStreamArn(table);
    expect(newArn).not.toBe(oldArn);
    const replaced = await syncConfigError(table, PK, { state: first.lastState });
    expect(replaced.message).toMatch(/stream .*changed/i);
    expect(replaced.message).toMatch(/reset/i);
    expect(replaced.message).toContain(oldArn);
    expect(replaced.out.records).toEqual([]);
  });
});

describe('changes lost from the stream', () => {
  const LOST_SHARD = 'shardId-00000000000000000000-deadbeef';
  const PK = [['pk']];
  const keyOf = (r: Row) => String(r.pk);

  it('fail: config_error naming lost changes; resnapshot: a warning, a new snapshot (generation 1), the table in the end', async () => {
    const table = uniqueName('cdc_lost');
    await createTable(client, table, { hash: ['pk', 'S'] }, STREAM);
    await putItems(client, table, Array.from({ length: 30 }, (_, i) => ({ pk: { S: `a${i}` }, v: { N: '0' } })));
    const first = await syncOk(table, PK);
    const all = [...first.records];
    const lostState = structuredClone(first.lastState) as any[];
    lostState[0].state.stream.stream_state.cdc.shards[LOST_SHARD] = { parent: null, last_sequence: '1', finished: false };
    await putItems(client, table, [{ pk: { S: 'a1' }, v: { N: '1' } }, { pk: { S: 'b1' }, v: { N: '1' } }]);
    await del(table, { pk: { S: 'a2' } });

    const failed = await syncConfigError(table, PK, { state: lostState, replication: { on_data_loss: 'fail' } });
    expect(failed.message).toMatch(/lost/i);
    expect(failed.message).toContain(LOST_SHARD);
    expect(failed.message).toMatch(/reset/i);
    expect(failed.out.records).toEqual([]);

    const resnapshot = await syncOk(table, PK, { state: lostState, replication: { on_data_loss: 'resnapshot' } });
    const warnings = ofType(resnapshot.messages, 'LOG').filter((m) => m.log.level === 'WARN').map((m) => m.log.message as string);
    expect(warnings.some((w) => w.includes(LOST_SHARD) && /lost/i.test(w) && /snapshot/i.test(w))).toBe(true);
    const snapshotRows = resnapshot.records.filter(isSnapshot);
    expect(snapshotRows.length).toBe(30); // 30 − a2 + b1
    expect(snapshotRows.every((r) => phaseOf(r) === '000001-0')).toBe(true);
    expect(resnapshot.records.every((r) => r._ab_cdc_cursor.startsWith('000001-'))).toBe(true);
    const cdc = resnapshot.streamState.cdc;
    expect(cdc).toMatchObject({ generation: 1, snapshot_done: true });
    expect(cdc.shards).not.toHaveProperty(LOST_SHARD);
    all.push(...resnapshot.records);
    await expectDestinationIsTable(table, all, keyOf);

    await put(table, { pk: { S: 'c1' }, v: { N: '2' } });
    const next = await syncOk(table, PK, { state: resnapshot.lastState, replication: { on_data_loss: 'resnapshot' } });
    expect(next.records.map((r) => [r.pk, r._ab_cdc_cursor.slice(0, 9)])).toEqual([['c1', '000001-1-']]);
    all.push(...next.records);
    await expectDestinationIsTable(table, all, keyOf);
  });
});

/**
 * An HTTP proxy in front of DynamoDB Local that makes its one-shard streams look like a stream with a second,
 * trimmed shard: DescribeStream lists `fakeShard` (until it has been asked for once), GetShardIterator for it fails
 * with TrimmedDataAccessException, and GetRecords answers slowly so the real shard is still being read meanwhile.
 * Everything else is forwarded unchanged.
 */
async function startTrimmedShardProxy(target: string, fakeShard: string, getRecordsDelayMs: number) {
  const targetUrl = new URL(target);
  let fakeListed = true;
  return startLocalProxy((req, res, body, operation) => {
    if (operation === 'GetShardIterator' && JSON.parse(body.toString()).ShardId === fakeShard) {
      fakeListed = false;
      sendError(res, 400, 'com.amazonaws.dynamodb.v20120810#TrimmedDataAccessException', 'The data you are trying to access has been trimmed.');
      return;
    }
    const forward = () =>
      sendUpstream(targetUrl, req, body).then(
        (up) => {
          if (operation !== 'DescribeStream' || !fakeListed || up.status !== 200) return reply(res, up);
          const parsed = JSON.parse(up.body.toString());
          parsed.StreamDescription.Shards.push({ ShardId: fakeShard, SequenceNumberRange: { StartingSequenceNumber: '1' } });
          reply(res, up, Buffer.from(JSON.stringify(parsed)));
        },
        () => res.destroy(),
      );
    if (operation === 'GetRecords') setTimeout(forward, getRecordsDelayMs);
    else forward();
  });
}

describe('a trimmed shard while other shards are being read', () => {
  it('resnapshot: nothing of the old generation comes out once the new snapshot has started', async () => {
    const table = uniqueName('cdc_trim');
    const PK = [['pk']];
    const keyOf = (r: Row) => String(r.pk);
    const FAKE = 'shardId-00000000000000000000-0000trim';
    await createTable(client, table, { hash: ['pk', 'S'] }, STREAM);
    await putItems(client, table, Array.from({ length: 40 }, (_, i) => ({ pk: { S: `a${i}` }, v: { N: '0' } })));
    const first = await syncOk(table, PK);
    // Three GetRecords pages of changes wait in the real shard.
    for (let round = 1; round <= 3; round++) await putItems(client, table, Array.from({ length: 1000 }, (_, i) => ({ pk: { S: `b${i}` }, v: { N: String(round) } })));

    const proxy = await startTrimmedShardProxy(endpoint, FAKE, 300);
    try {
      const out = await syncOk(table, PK, {
        state: first.lastState,
        config: { endpoint: proxy.endpoint, page_size: 5, scan_segments: 1, checkpoint_interval_seconds: 0 },
        replication: { on_data_loss: 'resnapshot' },
      });
      const warnings = ofType(out.messages, 'LOG').filter((m) => m.log.level === 'WARN').map((m) => m.log.message as string);
      expect(warnings.some((w) => w.includes(FAKE) && /snapshot/i.test(w))).toBe(true);
      // Once the STATE of generation 1 is out, a record or STATE of generation 0 would be a stale reader still at
      // work: its STATE would claim the old snapshot is done, and a sync killed then would skip the new snapshot.
      const generationOf = (m: any) =>
        m.type === 'STATE' ? Number(m.state.stream.stream_state.cdc?.generation) : m.type === 'RECORD' ? Number(m.record.data._ab_cdc_cursor.slice(0, 6)) : undefined;
      const firstNew = out.messages.findIndex((m) => m.type === 'STATE' && generationOf(m) === 1);
      expect(firstNew).toBeGreaterThan(0);
      const stale = out.messages.slice(firstNew).filter((m) => generationOf(m) === 0);
      expect({ staleStates: ofType(stale, 'STATE').length, staleRecords: ofType(stale, 'RECORD').length }).toEqual({ staleStates: 0, staleRecords: 0 });
      expect(out.streamState.cdc).toMatchObject({ generation: 1, snapshot_done: true });
      expect(out.streamState.cdc.shards).not.toHaveProperty(FAKE);
      await expectDestinationIsTable(table, [...first.records, ...out.records], keyOf);
    } finally {
      await proxy.close();
    }
  });
});

/**
 * An HTTP proxy in front of DynamoDB Local that lets the iterator of a shard's next page expire once: the first
 * GetRecords call made with a NextShardIterator that came with records (the page the reader asks for ahead, while
 * it writes out the one before) is answered with ExpiredIteratorException, as AWS answers an iterator older than
 * 15 minutes. Everything else is forwarded unchanged.
 */
async function startExpiringIteratorProxy(target: string) {
  const targetUrl = new URL(target);
  const nextOfPagesWithRecords = new Set<string>();
  let expired = 0;
  const proxy = await startLocalProxy((req, res, body, operation) => {
    if (operation === 'GetRecords' && expired === 0 && nextOfPagesWithRecords.has(JSON.parse(body.toString()).ShardIterator)) {
      expired++;
      sendError(res, 400, 'com.amazonaws.dynamodb.v20120810#ExpiredIteratorException', 'Iterator expired.');
      return;
    }
    sendUpstream(targetUrl, req, body).then(
      (up) => {
        if (operation === 'GetRecords' && up.status === 200) {
          const page = JSON.parse(up.body.toString()) as { Records: unknown[]; NextShardIterator?: string };
          if (page.Records.length > 0 && page.NextShardIterator !== undefined) nextOfPagesWithRecords.add(page.NextShardIterator);
        }
        reply(res, up);
      },
      () => res.destroy(),
    );
  });
  return { ...proxy, expired: () => expired };
}

describe('a shard iterator that expires between pages', () => {
  it('is renewed after the last change emitted: every change exactly once, in the stream\'s order', async () => {
    const table = uniqueName('cdc_expire');
    const PK = [['pk']];
    await createTable(client, table, { hash: ['pk', 'S'] }, STREAM);
    await putItems(client, table, [{ pk: { S: 'seed' }, v: { N: '0' } }]);
    const first = await syncOk(table, PK);
    // Three GetRecords pages of changes wait in the shard.
    const changes = 2 * STREAM_PAGE + 500;
    await putItems(client, table, Array.from({ length: changes }, (_, i) => ({ pk: { S: `b${String(i).padStart(4, '0')}` }, v: { N: String(i) } })));

    const proxy = await startExpiringIteratorProxy(endpoint);
    try {
      const out = await syncOk(table, PK, { state: first.lastState, config: { endpoint: proxy.endpoint } });
      expect(proxy.expired()).toBe(1);
      const logs = ofType(out.messages, 'LOG').map((m) => m.log.message as string);
      expect(logs.some((l) => /iterator .* expired/i.test(l))).toBe(true);
      // One row per change, none twice, none lost, in the stream's order.
      expect(out.records.map((r) => String(r.pk)).sort()).toEqual(Array.from({ length: changes }, (_, i) => `b${String(i).padStart(4, '0')}`));
      const cursors = out.records.map((r) => r._ab_cdc_cursor as string);
      expect(cursors.every((c, i) => i === 0 || c > cursors[i - 1]!)).toBe(true);
      await expectDestinationIsTable(table, [...first.records, ...out.records], (r) => String(r.pk));
    } finally {
      await proxy.close();
    }
  });
});
