// Incremental syncs through a cursor index (cursor_indexes), end to end through the built CLI against DynamoDB
// Local, every request recorded by a proxy: the first sync scans, the next ones Query the index (never Scan) and
// return exactly what changed, whole, for a fraction of the read units; KEYS_ONLY indexes are followed by
// BatchGetItem; a kill -9 during the Queries resumes without loss; a misconfigured index fails before any record.
import { UpdateContinuousBackupsCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startCapacityProxy, type CapacityProxy, type RecordedExchange } from '../support/capacityProxy.js';
import { fullRefreshCatalog, jsonFile, numbersAsText, parseLine, records, runCli, traces, type CliResult } from '../support/cli.js';
import { connectorConfig, createTable, putItems, testClient, uniqueName } from '../support/dynamo.js';
import { startExportEmulator, type ExportEmulator } from '../support/exportEmulator.js';
import { startFaultProxy } from '../support/faultProxy.js';
import { runWatched } from '../support/killable.js';
import { protocolViolations } from '../support/protocol.js';
import { startS3Server, type RunningS3Server } from '../support/s3Server.js';

const ddbEndpoint = inject('ddbEndpoint');
const client = testClient(ddbEndpoint);
let proxy: CapacityProxy;

beforeAll(async () => {
  proxy = await startCapacityProxy(ddbEndpoint);
});
afterAll(async () => {
  await proxy?.close();
});

const catalog = (name: string, cursor: string) => ({
  streams: [
    {
      stream: { name, json_schema: {}, supported_sync_modes: ['full_refresh', 'incremental'] },
      sync_mode: 'incremental',
      cursor_field: [cursor],
      destination_sync_mode: 'append_dedup',
      primary_key: [['pk']],
    },
  ],
});

/** About 1 KB per item, as rows of real tables often are. */
const PADDING = 'x'.repeat(900);

interface Sync {
  result: CliResult;
  /** record.data of each RECORD, as the exact JSON text the connector wrote. */
  texts: string[];
  keys: string[];
  lastState: unknown[];
  streamState: any;
  exchanges: RecordedExchange[];
  units: number;
}

/** The exact text of each RECORD's data: the line minus the envelope (data is followed by emitted_at). */
const dataTexts = (lines: string[]) =>
  lines.filter((l) => l.startsWith('{"type":"RECORD"')).map((l) => JSON.stringify(numbersAsText(parseLine(l).record.data)));

async function sync(table: string, cursor: string, config: Record<string, unknown>, state?: unknown[]): Promise<Sync> {
  const before = proxy.exchanges.length;
  const args = ['read', '--config', jsonFile(connectorConfig(proxy.endpoint, config)), '--catalog', jsonFile(catalog(table, cursor))];
  if (state !== undefined) args.push('--state', jsonFile(state));
  const result = await runCli(args);
  expect(protocolViolations(result.messages)).toEqual([]);
  expect(result.code, result.stderr + JSON.stringify(traces(result.messages, 'ERROR'))).toBe(0);
  const exchanges = proxy.exchanges.slice(before).filter((e) => e.request.TableName === table || JSON.stringify(e.request.RequestItems ?? {}).includes(table));
  const stateLines = result.lines.filter((l) => l.startsWith('{"type":"STATE"'));
  const lastState = [JSON.parse(stateLines.at(-1)!)];
  const recs = records(result.messages, table).map(numbersAsText);
  return {
    result,
    texts: dataTexts(result.lines),
    keys: recs.map((r: any) => String(r.pk)).sort(),
    lastState,
    streamState: (lastState[0] as any).state.stream.stream_state,
    exchanges,
    units: exchanges.reduce((sum, e) => sum + (e.consumed ?? 0), 0),
  };
}

const ofTypeLogs = (result: CliResult) => result.messages.filter((m) => m.type === 'LOG').map((m) => String(m.log.message));
const operations = (exchanges: RecordedExchange[]) => [...new Set(exchanges.map((e) => e.operation))].sort();
const keyOfText = (text: string) => String(JSON.parse(text).pk);

/** The record text a full-refresh Scan writes for each item, by pk. */
async function scanTexts(table: string): Promise<Map<string, string>> {
  const result = await runCli(['read', '--config', jsonFile(connectorConfig(ddbEndpoint)), '--catalog', jsonFile(fullRefreshCatalog(table))]);
  expect(result.code).toBe(0);
  return new Map(dataTexts(result.lines).map((text) => [keyOfText(text), text]));
}

/** Keys whose record is missing, repeated, or not byte for byte what a Scan of the table writes for the item. */
async function differencesFromScan(table: string, texts: string[], expectedKeys: string[]): Promise<string[]> {
  const scanned = await scanTexts(table);
  const got = new Map<string, string[]>();
  for (const text of texts) got.set(keyOfText(text), [...(got.get(keyOfText(text)) ?? []), text]);
  const problems = expectedKeys.filter((k) => got.get(k)?.length !== 1 || got.get(k)![0] !== scanned.get(k));
  return [...problems, ...[...got.keys()].filter((k) => !expectedKeys.includes(k)).map((k) => `unexpected ${k}`)];
}

describe('cursor_indexes: incremental by Query on a global secondary index', () => {
  it('ALL index, ISO string cursor, four shard values: after 1% changed, the next sync Queries only and returns exactly the changed items', async () => {
    const table = uniqueName('cidx_all');
    const shards = ['s0', 's1', 's2', 's3'];
    await createTable(client, table, { hash: ['pk', 'S'], indexes: [{ name: 'by_updated', hash: ['shard', 'S'], range: ['updated at', 'S'], projection: 'ALL' }] });
    const COUNT = 4000;
    // One item per hour: the lookback window (60 s) before the cursor holds only the newest original item.
    const at = (hours: number) => new Date(Date.UTC(2026, 0, 1) + hours * 3_600_000).toISOString();
    const item = (i: number, hours: number, version: number): Record<string, AttributeValue> => ({
      pk: { S: `p${i}` },
      shard: { S: shards[i % shards.length]! },
      'updated at': { S: at(hours) },
      version: { N: String(version) },
      big: { N: '12345678901234567890123456789012345678' },
      tags: { SS: ['a', `t${i % 7}`] },
      padding: { S: PADDING },
    });
    const originals = Array.from({ length: COUNT }, (_, i) => item(i, i, 1));
    await putItems(client, table, originals);
    const config = { cursor_indexes: [{ table, index: 'by_updated', partition_values: shards }], scan_segments: 2 };

    const first = await sync(table, 'updated at', config);
    expect(first.keys).toHaveLength(COUNT);
    expect(operations(first.exchanges)).not.toContain('Query');
    expect(first.streamState.cursor).toEqual({ field: 'updated at', value: { S: at(COUNT - 1) } });

    // 1% of the items change: a newer cursor, a new version.
    const changed = Array.from({ length: COUNT / 100 }, (_, k) => item(k * 97 + 5, COUNT + 10 + k, 2));
    await putItems(client, table, changed);
    const second = await sync(table, 'updated at', config, first.lastState);
    // The changed items, and the one original inside the lookback window before the cursor: a boundary repeat.
    const expected = [...changed, originals.at(-1)!];
    expect(second.keys).toEqual(expected.map((c) => c.pk!.S!).sort());
    // Whole items, byte for byte what a scan writes.
    expect(await differencesFromScan(table, second.texts, expected.map((c) => c.pk!.S!))).toEqual([]);
    expect(operations(second.exchanges)).toEqual(['DescribeTable', 'Query']);
    const queries = second.exchanges.filter((e) => e.operation === 'Query');
    expect(new Set(queries.map((q) => JSON.stringify((q.request.ExpressionAttributeValues as any)[':partition'])))).toEqual(new Set(shards.map((s) => JSON.stringify({ S: s }))));
    for (const q of queries) {
      expect(q.request.IndexName).toBe('by_updated');
      expect(q.request.KeyConditionExpression).toBe('#partition = :partition AND #cursor > :bound');
      expect(q.request.ExpressionAttributeNames).toMatchObject({ '#partition': 'shard', '#cursor': 'updated at' });
      expect((q.request.ExpressionAttributeValues as any)[':bound']).toEqual({ S: new Date(Date.parse(at(COUNT - 1)) - 60_000).toISOString() });
    }
    expect(second.streamState.cursor.value).toEqual({ S: at(COUNT + 10 + changed.length - 1) });
    expect(second.streamState.query).toBeUndefined();
    console.log(`[read units] ALL index, ${COUNT} items of ~1 KB, 1% changed: full scan ${first.units}, incremental by Query ${second.units} (${((100 * second.units) / first.units).toFixed(2)}%)`);
    expect(second.units).toBeLessThanOrEqual(first.units * 0.05);

    // Nothing changed since: only the newest item, inside the lookback window, comes again.
    const third = await sync(table, 'updated at', config, second.lastState);
    expect(third.keys).toEqual([changed.at(-1)!.pk!.S!]);
    expect(operations(third.exchanges)).not.toContain('Scan');
  });

  it('KEYS_ONLY index, epoch-millis number cursor, numeric shards: Query then BatchGetItem gives whole records; a scan-mode incremental reads all', async () => {
    const table = uniqueName('cidx_keys');
    await createTable(client, table, { hash: ['pk', 'S'], indexes: [{ name: 'by_ts', hash: ['bucket', 'N'], range: ['ts', 'N'], projection: 'KEYS_ONLY' }] });
    const COUNT = 3000;
    const T0 = 1_767_225_600_000; // 2026-01-01 in epoch milliseconds
    const item = (i: number, ts: number, note: string): Record<string, AttributeValue> => ({
      pk: { S: `k${i}` },
      bucket: { N: String(i % 3) },
      ts: { N: String(ts) },
      note: { S: note },
      nested: { M: { list: { L: [{ N: '1.50' }, { NULL: true }, { B: new Uint8Array([1, 2, 3]) }] } } },
      padding: { S: PADDING },
    });
    const originals = Array.from({ length: COUNT }, (_, i) => item(i, T0 + i * 3_600_000, 'v1'));
    await putItems(client, table, originals);
    const config = { cursor_indexes: [{ table, index: 'by_ts', partition_values: [0, 1, 2] }] };

    const first = await sync(table, 'ts', config);
    expect(first.keys).toHaveLength(COUNT);
    expect(first.streamState.cursor).toEqual({ field: 'ts', value: { N: String(T0 + (COUNT - 1) * 3_600_000) } });

    const changed = Array.from({ length: COUNT / 100 }, (_, k) => item(k * 89 + 1, T0 + (COUNT + k) * 3_600_000, 'v2'));
    await putItems(client, table, changed);
    const second = await sync(table, 'ts', config, first.lastState);
    const expected = [...changed, originals.at(-1)!]; // with the boundary repeat of the lookback window
    expect(second.keys).toEqual(expected.map((c) => c.pk!.S!).sort());
    expect(await differencesFromScan(table, second.texts, expected.map((c) => c.pk!.S!))).toEqual([]);
    expect(operations(second.exchanges)).toEqual(['BatchGetItem', 'DescribeTable', 'Query']);
    const bound = (second.exchanges.find((e) => e.operation === 'Query')!.request.ExpressionAttributeValues as any)[':bound'];
    expect(bound).toEqual({ N: String(T0 + (COUNT - 1) * 3_600_000 - 60_000) }); // milliseconds: 60 s is 60,000
    for (const batch of second.exchanges.filter((e) => e.operation === 'BatchGetItem')) {
      expect(((batch.request.RequestItems as any)[table].Keys as unknown[]).length).toBeLessThanOrEqual(100);
    }

    // The same change read by a scan-mode incremental (no cursor_indexes): it reads the whole table.
    const scanned = await sync(table, 'ts', {}, first.lastState);
    expect(scanned.keys).toEqual(changed.map((c) => c.pk!.S!).sort());
    console.log(
      `[read units] KEYS_ONLY index, ${COUNT} items of ~1 KB, 1% changed: full scan ${first.units}, incremental by Query + BatchGetItem ${second.units} (${((100 * second.units) / first.units).toFixed(2)}%), scan-mode incremental ${scanned.units} (${((100 * scanned.units) / first.units).toFixed(2)}%)`,
    );
    expect(second.units).toBeLessThanOrEqual(first.units * 0.05);
    expect(scanned.units).toBeGreaterThan(first.units * 0.9);
  });

  it('Queries and BatchGetItems are paced by the table read budget (max_read_units_per_second), like Scans', async () => {
    const table = uniqueName('cidx_paced');
    await createTable(client, table, { hash: ['pk', 'S'], indexes: [{ name: 'by_n', hash: ['s', 'S'], range: ['n', 'N'], projection: 'KEYS_ONLY' }] });
    const item = (i: number, n: number): Record<string, AttributeValue> => ({ pk: { S: `r${i}` }, s: { S: i % 2 === 0 ? 'even' : 'odd' }, n: { N: String(n) }, padding: { S: PADDING } });
    await putItems(client, table, Array.from({ length: 40 }, (_, i) => item(i, i)));
    const cap = 10;
    const config = { cursor_indexes: [{ table, index: 'by_n', partition_values: ['even', 'odd'] }], cursor_lookback_seconds: 0, max_read_units_per_second: cap };
    const first = await sync(table, 'n', config);
    await putItems(client, table, Array.from({ length: 200 }, (_, i) => item(100 + i, 1000 + i)));

    const second = await sync(table, 'n', config, first.lastState);
    expect(second.keys).toHaveLength(200);
    const paid = second.exchanges.filter((e) => e.operation === 'Query' || e.operation === 'BatchGetItem');
    expect(paid.every((e) => e.request.ReturnConsumedCapacity === 'TOTAL')).toBe(true);
    const units = paid.reduce((sum, e) => sum + (e.consumed ?? NaN), 0);
    expect(units).toBeGreaterThan(100); // BatchGetItem: each ~1 KB item costs half a unit
    // Everything but the first request (sent at once) and the last (charged when it starts) is paid for at the cap
    // before the last request goes.
    const implied = (units - (paid[0]!.consumed ?? 0) - (paid.at(-1)!.consumed ?? 0)) / cap;
    const seconds = (paid.at(-1)!.answeredAt - paid[0]!.answeredAt) / 1000;
    expect(seconds).toBeGreaterThan(implied * 0.85);
    expect(ofTypeLogs(second.result).some((m) => m.startsWith(`Read of ${table} consumed`) && m.endsWith(`budget ${cap}/s (max_read_units_per_second ${cap}).`))).toBe(true);
  });

  it('keys BatchGetItem leaves unprocessed are asked for again, with a backoff, until every item is whole', async () => {
    const table = uniqueName('cidx_unprocessed');
    await createTable(client, table, { hash: ['pk', 'S'], indexes: [{ name: 'by_n', hash: ['s', 'S'], range: ['n', 'N'], projection: 'KEYS_ONLY' }] });
    const item = (i: number, n: number): Record<string, AttributeValue> => ({ pk: { S: `u${i}` }, s: { S: 'one' }, n: { N: String(n) }, body: { S: `body ${i}` } });
    await putItems(client, table, [item(0, 0)]);
    const faults = await startFaultProxy(ddbEndpoint);
    try {
      const config = connectorConfig(faults.endpoint, { cursor_indexes: [{ table, index: 'by_n', partition_values: ['one'] }] });
      const run = (state?: unknown[]) =>
        runCli(['read', '--config', jsonFile(config), '--catalog', jsonFile(catalog(table, 'n')), ...(state ? ['--state', jsonFile(state)] : [])]);
      const first = await run();
      const firstState = [JSON.parse(first.lines.filter((l) => l.startsWith('{"type":"STATE"')).at(-1)!)];
      const changed = Array.from({ length: 150 }, (_, i) => item(i + 1, i + 1));
      await putItems(client, table, changed);
      faults.setRules([{ fault: 'unprocessed', operation: 'BatchGetItem', count: 3 }]);
      const second = await run(firstState);
      expect(second.code).toBe(0);
      expect(records(second.messages, table).map((r: any) => r.body).sort()).toEqual(changed.map((c) => c.body!.S!).sort());
      const batches = faults.requests.filter((r) => r.operation === 'BatchGetItem');
      expect(batches.filter((r) => r.fault === 'unprocessed')).toHaveLength(3);
      expect(batches.length).toBeGreaterThan(3); // the keys left over went out again after the faulted requests
      expect(ofTypeLogs(second).some((m) => /BatchGetItem on .* left \d+ of \d+ keys unprocessed; asking again in \d+ ms/.test(m))).toBe(true);
    } finally {
      await faults.close();
    }
  });

  it('a kill -9 during the Queries resumes from the state: every changed item arrives, the cursor moves only when every shard is done', async () => {
    const table = uniqueName('cidx_kill');
    const shards = ['a', 'b', 'c'];
    await createTable(client, table, { hash: ['pk', 'S'], indexes: [{ name: 'by_t', hash: ['shard', 'S'], range: ['t', 'S'], projection: 'KEYS_ONLY' }] });
    const at = (minutes: number) => new Date(Date.UTC(2026, 5, 1) + minutes * 60_000).toISOString();
    const item = (i: number, minutes: number): Record<string, AttributeValue> => ({ pk: { S: `q${i}` }, shard: { S: shards[i % 3]! }, t: { S: at(minutes) }, n: { N: String(minutes) } });
    await putItems(client, table, Array.from({ length: 30 }, (_, i) => item(i, i * 10)));
    const config = { cursor_indexes: [{ table, index: 'by_t', partition_values: shards }], page_size: 4, read_concurrency: 2, checkpoint_records: 1 };
    const first = await sync(table, 't', config);
    const changed = Array.from({ length: 150 }, (_, i) => item(100 + i, 1000 + i * 10));
    await putItems(client, table, changed);

    const args = ['read', '--config', jsonFile(connectorConfig(proxy.endpoint, config)), '--catalog', jsonFile(catalog(table, 't')), '--state', jsonFile(first.lastState)];
    const killed = await runWatched(args, { killWhen: (_line, seen) => seen >= 60 });
    expect(killed.signal).toBe('SIGKILL');
    const killedStates = killed.lines.filter((l) => l.startsWith('{"type":"STATE"'));
    const lastKilledState = JSON.parse(killedStates.at(-1)!);
    const pass = lastKilledState.state.stream.stream_state.query;
    expect(pass.index).toBe('by_t');
    expect(lastKilledState.state.stream.stream_state.cursor).toEqual(first.streamState.cursor); // not moved mid-pass
    const before = dataTexts(killed.lines).length;
    expect(before).toBeGreaterThanOrEqual(60);
    expect(before).toBeLessThan(changed.length);

    const resumed = await sync(table, 't', config, [lastKilledState]);
    expect(operations(resumed.exchanges)).not.toContain('Scan');
    const scanned = await scanTexts(table);
    const seen = new Set([...dataTexts(killed.lines), ...resumed.texts]);
    expect(changed.map((c) => c.pk!.S!).filter((k) => !seen.has(scanned.get(k)!))).toEqual([]);
    expect(resumed.texts.length).toBeLessThan(changed.length); // it went on from the positions, it did not start over
    expect(resumed.streamState.cursor.value).toEqual({ S: at(1000 + 149 * 10) });
    expect(resumed.streamState.query).toBeUndefined();
  });

  it('Singer mode: an INCREMENTAL stream whose replication-key is the index sort key Queries the index after its first sync', async () => {
    const table = uniqueName('cidx_singer');
    await createTable(client, table, { hash: ['id', 'S'], indexes: [{ name: 'by_v', hash: ['g', 'S'], range: ['v', 'N'], projection: { include: ['note'] } }] });
    // Version counters, not times, and no lookback: the Query reads versions above the cursor.
    await putItems(client, table, Array.from({ length: 50 }, (_, i) => ({ id: { S: `i${i}` }, g: { S: 'all' }, v: { N: String(i) }, note: { S: 'old' }, other: { BOOL: true } })));
    const config = connectorConfig(proxy.endpoint, { include_tables: [table], cursor_indexes: [{ table, index: 'by_v', partition_values: ['all'] }], cursor_lookback_seconds: 0 });
    const discovered = await runCli(['--config', jsonFile(config), '--discover']);
    const catalog = discovered.messages[0];
    const streamMd = catalog.streams[0].metadata.find((m: any) => m.breadcrumb.length === 0).metadata;
    expect(streamMd['valid-replication-keys']).toEqual(['v']);
    Object.assign(streamMd, { selected: true, 'replication-method': 'INCREMENTAL', 'replication-key': 'v' });
    const args = ['--config', jsonFile(config), '--catalog', jsonFile(catalog)];
    const stateOf = (run: CliResult) => JSON.parse(JSON.stringify(run.messages.filter((m) => m.type === 'STATE').at(-1).value, (_k, v) => (v?.isLosslessNumber ? Number(v.value) : v)));
    const recordIds = (run: CliResult) => run.messages.filter((m) => m.type === 'RECORD').map((m) => String(m.record.id)).sort();

    const first = await runCli(args);
    expect(first.code).toBe(0);
    expect(recordIds(first)).toHaveLength(50);
    await putItems(client, table, [{ id: { S: 'i7' }, g: { S: 'all' }, v: { N: '60' }, note: { S: 'new' }, other: { BOOL: false } }]);
    const before = proxy.exchanges.length;
    const second = await runCli([...args, '--state', jsonFile(stateOf(first))]);
    expect(second.code).toBe(0);
    expect(recordIds(second)).toEqual(['i7']);
    const i7 = second.messages.find((m) => m.type === 'RECORD' && String(m.record.id) === 'i7').record;
    expect(numbersAsText(i7)).toEqual({ id: 'i7', g: 'all', v: '60', note: 'new', other: false }); // whole: other is not in the index
    const ops = proxy.exchanges.slice(before).filter((e) => JSON.stringify(e.request).includes(table)).map((e) => e.operation);
    expect(ops).toContain('BatchGetItem');
    expect(ops).not.toContain('Scan');
    const query = proxy.exchanges.slice(before).find((e) => e.operation === 'Query' && e.request.TableName === table)!;
    expect(query.request.KeyConditionExpression).toBe('#partition = :partition AND #cursor > :bound');
    expect((query.request.ExpressionAttributeValues as any)[':bound']).toEqual({ N: '49' });
    expect(stateOf(second).bookmarks[table].cursor.value).toEqual({ N: '60' });
  });

  describe('initial_load export', () => {
    let s3: RunningS3Server;
    let emulator: ExportEmulator;
    beforeAll(async () => {
      s3 = await startS3Server('cidx-exports');
      emulator = await startExportEmulator({ ddbEndpoint, s3Endpoint: s3.endpoint });
    });
    afterAll(async () => {
      await emulator?.close();
      await s3?.close();
    });

    it('the first sync is a full export (no Scan), its cursor the newest sort key in the index before it; the next one Queries', async () => {
      const table = uniqueName('cidx_export');
      const viaEmulator = testClient(emulator.endpoint);
      await createTable(viaEmulator, table, { hash: ['pk', 'S'], indexes: [{ name: 'by_t', hash: ['shard', 'N'], range: ['t', 'N'], projection: 'ALL' }] });
      const item = (i: number, t: number): Record<string, AttributeValue> => ({ pk: { S: `x${i}` }, shard: { N: String(i % 2) }, t: { N: String(t) }, body: { S: `item ${i} at ${t}` } });
      const T0 = 1_767_225_600; // epoch seconds
      await putItems(viaEmulator, table, Array.from({ length: 200 }, (_, i) => item(i, T0 + i * 3600)));
      await viaEmulator.send(new UpdateContinuousBackupsCommand({ TableName: table, PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }));
      const cfg = connectorConfig(emulator.endpoint, {
        include_tables: [table],
        initial_load: 'export',
        export: { s3_bucket: s3.bucket, s3_prefix: 'exports', s3_endpoint: s3.endpoint },
        cursor_indexes: [{ table, index: 'by_t', partition_values: [0, 1] }],
      });
      const run = async (state?: unknown[]) => {
        const args = ['read', '--config', jsonFile(cfg), '--catalog', jsonFile(catalog(table, 't'))];
        if (state !== undefined) args.push('--state', jsonFile(state));
        const before = emulator.requests.length;
        const result = await runCli(args);
        expect(result.code, JSON.stringify(traces(result.messages, 'ERROR'))).toBe(0);
        const stateLine = result.lines.filter((l) => l.startsWith('{"type":"STATE"')).at(-1)!;
        const ops = emulator.requests.slice(before).filter((r) => r.table === table && !r.emulated).map((r) => r.operation);
        return { ids: records(result.messages, table).map((r: any) => String(r.pk)).sort(), state: [JSON.parse(stateLine)], ops, result };
      };

      const first = await run();
      expect(first.ids).toHaveLength(200);
      expect(first.ops).not.toContain('Scan');
      expect(emulator.requests.some((r) => r.operation === 'ExportTableToPointInTime' && r.table === table)).toBe(true);
      expect((first.state[0] as any).state.stream.stream_state.cursor).toEqual({ field: 't', value: { N: String(T0 + 199 * 3600) } });

      await putItems(viaEmulator, table, [item(3, T0 + 500 * 3600), item(250, T0 + 501 * 3600)]);
      const second = await run(first.state);
      expect(second.ids).toEqual(['x199', 'x250', 'x3']); // x199: inside the lookback window before the cursor
      expect(second.ops).not.toContain('Scan');
      expect(second.ops).toContain('Query');
      expect(emulator.requests.filter((r) => r.operation === 'ExportTableToPointInTime' && r.table === table)).toHaveLength(1);
    });
  });

  describe('a cursor index that cannot serve fails before any record, naming the table and the index', () => {
    const table = uniqueName('cidx_bad');
    beforeAll(async () => {
      await createTable(client, table, { hash: ['pk', 'S'], indexes: [{ name: 'by_ts', hash: ['shard', 'S'], range: ['ts', 'N'], projection: 'ALL' }] });
      await putItems(client, table, [{ pk: { S: 'one' }, shard: { S: 's0' }, ts: { N: '1' }, other: { S: 'x' } }]);
    });

    const readFails = async (config: Record<string, unknown>, cursor: string, pattern: RegExp) => {
      const result = await runCli(['read', '--config', jsonFile(connectorConfig(ddbEndpoint, config)), '--catalog', jsonFile(catalog(table, cursor))]);
      expect(result.code).not.toBe(0);
      expect(records(result.messages)).toEqual([]);
      const errors = traces(result.messages, 'ERROR');
      expect(errors).toHaveLength(1);
      expect(errors[0].error.failure_type).toBe('config_error');
      expect(errors[0].error.message).toMatch(pattern);
      expect(errors[0].error.message).toContain(table);
    };

    it('an index the table does not have: read and check', async () => {
      const config = { include_tables: [table], cursor_indexes: [{ table, index: 'by_missing', partition_values: ['s0'] }] };
      await readFails(config, 'ts', /index by_missing .* does not exist \(its global secondary indexes: by_ts\)/);
      const check = await runCli(['check', '--config', jsonFile(connectorConfig(ddbEndpoint, config))]);
      const status = check.messages.find((m) => m.type === 'CONNECTION_STATUS').connectionStatus;
      expect(status.status).toBe('FAILED');
      expect(status.message).toContain(`the index by_missing of table ${table} does not exist`);
    });

    it('a stream cursor that is not the index sort key, and partition values of the wrong type', async () => {
      await readFails({ cursor_indexes: [{ table, index: 'by_ts', partition_values: ['s0'] }] }, 'other', /sort key ts, but the stream's cursor is other/);
      await readFails({ cursor_indexes: [{ table, index: 'by_ts', partition_values: [7] }] }, 'ts', /partition key shard of type S, so partition_values must be strings; 7 is not/);
      const check = await runCli(['check', '--config', jsonFile(connectorConfig(ddbEndpoint, { include_tables: [table], cursor_indexes: [{ table, index: 'by_ts', partition_values: ['s0'] }] }))]);
      expect(check.messages.find((m) => m.type === 'CONNECTION_STATUS').connectionStatus.status).toBe('SUCCEEDED');
    });

    it('discover offers the index sort key as the cursor: Airbyte default_cursor_field, Singer valid-replication-keys', async () => {
      const config = connectorConfig(ddbEndpoint, { include_tables: [table], cursor_indexes: [{ table: `${table.slice(0, -2)}*`, index: 'by_ts', partition_values: ['s0'] }] });
      const airbyte = await runCli(['discover', '--config', jsonFile(config)]);
      const stream = airbyte.messages.find((m) => m.type === 'CATALOG').catalog.streams[0];
      expect(stream.supported_sync_modes).toContain('incremental');
      expect(stream.default_cursor_field).toEqual(['ts']);
      const singer = await runCli(['--config', jsonFile(config), '--discover']);
      const entry = singer.messages[0].streams[0];
      expect(entry.metadata.find((m: any) => m.breadcrumb.length === 0).metadata['valid-replication-keys']).toEqual(['ts']);
    });
  });
});
