// DynamoDB Streams mode, bounded syncs, end to end through the built CLI on DynamoDB Local: a sync during constant
// writes ends by itself (at the changes made after it began) long before its time limit and loses nothing; empty
// pages in the middle of a shard (a proxy answers them like AWS does) cannot hold syncs at the same spot; check
// proves the stream permissions a sync needs.
import { GetRecordsCommand, GetShardIteratorCommand, DescribeStreamCommand, DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { DescribeTableCommand, PutItemCommand, ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { describe, expect, inject, it } from 'vitest';
import { cdcCatalog, jsonFile, numbersAsText, ofType, parseLine, runCli, traces } from '../support/cli.js';
import { connectorConfig, createTable, TEST_CREDENTIALS, testClient, uniqueName } from '../support/dynamo.js';
import { startFaultProxy } from '../support/faultProxy.js';
import { runWatched } from '../support/killable.js';
import { protocolViolations } from '../support/protocol.js';
import { startStreamsFaultProxy } from '../support/streamsFaultProxy.js';

const endpoint = inject('ddbEndpoint');
const client = testClient(endpoint);
const STREAM = { StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' as const } };
const PK = [['pk']];
type Row = Record<string, any>;

const catalog = (name: string) => cdcCatalog(name, PK);

interface Sync {
  records: Row[];
  messages: any[];
  lastState: unknown[];
  shards: Record<string, { last_sequence: string | null; finished: boolean; empty_pages?: number }>;
  seconds: number;
}

/** A read that must succeed; replication settings on top of Streams mode (the default time limit unless given). */
async function syncOk(table: string, state: unknown, extra: Record<string, unknown> = {}, replication: Record<string, unknown> = {}): Promise<Sync> {
  const config = connectorConfig(endpoint, { include_tables: [table], replication: { mode: 'dynamodb_streams', ...replication }, ...extra });
  const args = ['read', '--config', jsonFile(config), '--catalog', jsonFile(catalog(table))];
  if (state !== undefined) args.push('--state', jsonFile(state));
  const started = Date.now();
  const run = await runWatched(args);
  const seconds = (Date.now() - started) / 1000;
  const messages = run.lines.map(parseLine);
  expect(protocolViolations(messages)).toEqual([]);
  expect(traces(messages, 'ERROR')).toEqual([]);
  expect(run.code).toBe(0);
  const states = run.lines.filter((l) => l.startsWith('{"type":"STATE"'));
  expect(states.length).toBeGreaterThan(0);
  const lastState = [JSON.parse(states[states.length - 1]!)];
  return {
    records: ofType(messages, 'RECORD').map((m) => numbersAsText(m.record.data)),
    messages,
    lastState,
    shards: lastState[0].state.stream.stream_state.cdc.shards,
    seconds,
  };
}

const isChange = (row: Row) => (row._ab_cdc_cursor as string)[7] === '1';

/** append_dedup: per key the row with the greatest cursor, deletes dropped, CDC columns removed. */
function dedup(rows: Row[]): Map<string, Row> {
  const latest = new Map<string, Row>();
  for (const row of rows) {
    const previous = latest.get(row.pk);
    if (previous === undefined || row._ab_cdc_cursor >= previous._ab_cdc_cursor) latest.set(row.pk, row);
  }
  const out = new Map<string, Row>();
  for (const [key, row] of [...latest].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (row._ab_cdc_deleted_at !== null) continue;
    out.set(key, Object.fromEntries(Object.entries(row).filter(([k]) => !k.startsWith('_ab_cdc_'))));
  }
  return out;
}

async function tableContents(table: string): Promise<Map<string, Row>> {
  const rows: Row[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(new ScanCommand({ TableName: table, ConsistentRead: true, ExclusiveStartKey: start }));
    for (const item of page.Items ?? []) rows.push(Object.fromEntries(Object.entries(item).map(([k, v]) => [k, v.S ?? v.N])));
    start = page.LastEvaluatedKey;
  } while (start !== undefined);
  return new Map(rows.map((r) => [r.pk as string, r] as const).sort(([a], [b]) => (a < b ? -1 : 1)));
}

const put = (table: string, pk: string, v: number) => client.send(new PutItemCommand({ TableName: table, Item: { pk: { S: pk }, v: { N: String(v) } } }));

/** The ESTIMATE of the change part: the last estimate trace of the stream. */
const lastEstimate = (messages: any[]) => numbersAsText(traces(messages, 'ESTIMATE').at(-1)?.estimate);

describe('a sync during constant writes', () => {
  it('ends by itself well before the time limit, and a destination fed every sync equals the table', async () => {
    const table = uniqueName('cdc_busy');
    await createTable(client, table, { hash: ['pk', 'S'] }, STREAM);
    for (let i = 0; i < 50; i++) await put(table, `k${i}`, 0);
    const all: Row[] = [];
    const first = await syncOk(table, undefined);
    all.push(...first.records);
    let state: unknown = first.lastState;

    // A writer that never pauses: each put gets a value of its own, so every change can be looked for.
    let writing = true;
    let next = 1;
    const written: Array<{ pk: string; v: number }> = [];
    const writer = (async () => {
      while (writing) {
        const change = { pk: `k${next % 300}`, v: next++ };
        await put(table, change.pk, change.v);
        written.push(change);
      }
    })();

    const durations: number[] = [];
    try {
      for (let round = 0; round < 3; round++) {
        await new Promise((resolve) => setTimeout(resolve, 1500));
        const writtenBefore = written.length; // every change made before this sync began must be in it
        const out = await syncOk(table, state); // the default time limit: 300 s
        durations.push(out.seconds);
        all.push(...out.records);
        state = out.lastState;
        expect(out.seconds).toBeLessThan(60);
        const values = new Set(out.records.filter(isChange).map((r) => r.v));
        const missing = written.slice(0, writtenBefore).filter((w) => w.v >= 1 && !all.some((r) => r.v === String(w.v)));
        expect(missing).toEqual([]);
        expect(values.size).toBeGreaterThan(0);
        const logs = ofType(out.messages, 'LOG').map((m) => m.log.message as string);
        expect(logs.some((l) => /time limit/.test(l))).toBe(false);
        expect(lastEstimate(out.messages)).toMatchObject({ name: table, row_estimate: String(out.records.length) });
      }
    } finally {
      writing = false;
      await writer;
    }
    console.log(`sync durations under constant writes (s): ${durations.map((d) => d.toFixed(1)).join(', ')}`);
    expect(written.length).toBeGreaterThan(100);

    const last = await syncOk(table, state);
    all.push(...last.records);
    // Nothing lost: every value ever written arrived at least once, and the destination is the table.
    const delivered = new Set(all.map((r) => r.v));
    expect(written.filter((w) => !delivered.has(String(w.v)))).toEqual([]);
    expect(dedup(all)).toEqual(await tableContents(table));
    const after = await syncOk(table, last.lastState);
    expect(after.records).toEqual([]);
  });
});

describe('empty pages in the middle of a shard', () => {
  it('every sync gets further than the one before, until the records behind the empty pages arrive', async () => {
    const table = uniqueName('cdc_empty');
    await createTable(client, table, { hash: ['pk', 'S'] }, STREAM);
    for (let i = 0; i < 60; i++) await put(table, `k${i}`, i);
    // The wall: just before the 31st change of the stream's one shard, ten empty pages in a row.
    const streams = new DynamoDBStreamsClient({ region: 'us-east-1', endpoint, credentials: TEST_CREDENTIALS });
    const arn = (await client.send(new DescribeTableCommand({ TableName: table }))).Table!.LatestStreamArn!;
    const shardId = (await streams.send(new DescribeStreamCommand({ StreamArn: arn }))).StreamDescription!.Shards![0]!.ShardId!;
    const iterator = (await streams.send(new GetShardIteratorCommand({ StreamArn: arn, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator!;
    const changes = (await streams.send(new GetRecordsCommand({ ShardIterator: iterator }))).Records!;
    streams.destroy();
    expect(changes).toHaveLength(60);
    const WALL_PAGES = 10;
    const proxy = await startStreamsFaultProxy(endpoint, { sequence: changes[30]!.dynamodb!.SequenceNumber!, pages: WALL_PAGES });
    try {
      const all: Row[] = [];
      let state: unknown;
      let previous: { sequence: bigint; empty: number } | undefined;
      const progress: string[] = [];
      let syncs = 0;
      while (all.filter(isChange).length < 60) {
        syncs++;
        expect(syncs).toBeLessThanOrEqual(6);
        const out = await syncOk(table, state, { endpoint: proxy.endpoint });
        all.push(...out.records);
        state = out.lastState;
        const shard = out.shards[shardId]!;
        const position = { sequence: BigInt(shard.last_sequence ?? '0'), empty: shard.empty_pages ?? 0 };
        progress.push(`${shard.last_sequence}+${position.empty}`);
        // Progress every time: a later last record, or the same one with more empty pages read past it.
        if (previous !== undefined) {
          expect(position.sequence > previous.sequence || (position.sequence === previous.sequence && position.empty > previous.empty)).toBe(true);
        }
        previous = position;
        if (out.records.some(isChange)) expect(lastEstimate(out.messages)).toMatchObject({ row_estimate: String(out.records.filter(isChange).length) });
      }
      console.log(`positions after each sync: ${progress.join(' → ')}`);
      expect(syncs).toBeGreaterThan(1); // the wall did stop the first sync
      expect(proxy.emptyPagesServed()).toBeGreaterThanOrEqual(WALL_PAGES);
      const values = all.filter(isChange).map((r) => Number(r.v));
      expect(values).toEqual(Array.from({ length: 60 }, (_, i) => i)); // in order, once each
      expect(dedup(all)).toEqual(await tableContents(table));
    } finally {
      await proxy.close();
    }
  });
});

describe('check in DynamoDB Streams mode', () => {
  it('proves DescribeStream, GetShardIterator and GetRecords, naming the table and the missing permission', async () => {
    const table = uniqueName('cdc_perm');
    await createTable(client, table, { hash: ['pk', 'S'] }, STREAM);
    await put(table, 'a', 1);
    const proxy = await startFaultProxy(endpoint);
    try {
      const check = async () => {
        const config = connectorConfig(proxy.endpoint, { include_tables: [table], replication: { mode: 'dynamodb_streams' } });
        const started = Date.now();
        const result = await runCli(['check', '--config', jsonFile(config)]);
        expect(protocolViolations(result.messages)).toEqual([]);
        expect(result.code).toBe(0);
        expect(Date.now() - started).toBeLessThan(20_000);
        return ofType(result.messages, 'CONNECTION_STATUS')[0].connectionStatus;
      };
      proxy.setRules([]);
      expect(await check()).toEqual({ status: 'SUCCEEDED' });
      for (const operation of ['GetRecords', 'GetShardIterator', 'DescribeStream']) {
        const before = proxy.requests.length;
        proxy.setRules([{ fault: 'deny', operation, count: Infinity }]);
        const status = await check();
        expect(status.status).toBe('FAILED');
        expect(status.message).toContain(table);
        expect(status.message).toContain(`dynamodb:${operation}`);
        expect(proxy.requests.slice(before).some((r) => r.operation === operation && r.fault === 'deny')).toBe(true);
      }
    } finally {
      await proxy.close();
    }
  });
});
