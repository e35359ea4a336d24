// A read that keeps moving under throttling, through the built CLI and real proxies in front of DynamoDB Local:
// random throttles that do not follow the reader's rate (a hot partition, another consumer), a capacity that does
// (whatever exceeds X read units per second over the last second is throttled), a soak of every fault at once, and
// what the platform is told while a stream waits (Airbyte's RATE_LIMITED status, Singer's WARN). Times are compared
// with an unthrottled read of the same table measured in the same test, with margins for a loaded machine.
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { fullRefreshCatalog, jsonFile, numbersAsText, ofType, records, runCli, traces, type CliResult } from '../support/cli.js';
import { startCapacityProxy, type CapacityProxy } from '../support/capacityProxy.js';
import { connectorConfig, createTable, putItems, testClient, uniqueName } from '../support/dynamo.js';
import { startFaultProxy, type FaultKind, type FaultProxy } from '../support/faultProxy.js';
import { expectCleanOutput } from '../support/protocol.js';

const ddbEndpoint = inject('ddbEndpoint');
const client = testClient(ddbEndpoint);
let faults: FaultProxy;
let capacity: CapacityProxy;

/** The table of the soak: on-demand, 40,000 small items, read in 8 segments of pages of 100. */
const bigTable = uniqueName('throttled');
const BIG_ITEMS = 40_000;
const bigRead = { scan_segments: 8, page_size: 100 };

/** ~1 KB items for the capacity model: a page of 100 costs 12.5 read units (eventually consistent). */
const capacityTable = uniqueName('capacity');
const CAPACITY_ITEMS = 6_000;

const smallItems = (count: number): Record<string, AttributeValue>[] =>
  Array.from({ length: count }, (_, i) => ({ pk: { S: `item-${i}` }, n: { N: String(i) }, note: { S: `value ${i}` } }));
const kilobyteItems = (count: number): Record<string, AttributeValue>[] =>
  Array.from({ length: count }, (_, i) => ({ pk: { S: `item-${i}` }, payload: { S: `${i} `.padEnd(1000, 'x') } }));

/** Loads with a few writers at once: 40,000 items one batch at a time would take most of a minute. */
async function load(table: string, items: Record<string, AttributeValue>[]): Promise<void> {
  const writers = 4;
  const share = Math.ceil(items.length / writers / 25) * 25;
  await Promise.all(Array.from({ length: writers }, (_, w) => putItems(client, table, items.slice(w * share, (w + 1) * share))));
}

beforeAll(async () => {
  faults = await startFaultProxy(ddbEndpoint);
  capacity = await startCapacityProxy(ddbEndpoint);
  await createTable(client, bigTable, { hash: ['pk', 'S'] });
  await createTable(client, capacityTable, { hash: ['pk', 'S'] });
  await Promise.all([load(bigTable, smallItems(BIG_ITEMS)), load(capacityTable, kilobyteItems(CAPACITY_ITEMS))]);
}, 300_000);

afterAll(async () => {
  await faults?.close();
  await capacity?.close();
});

interface TimedRun {
  result: CliResult;
  seconds: number;
}

async function timedRead(endpoint: string, table: string, extra: Record<string, unknown>, timeoutMs = 170_000): Promise<TimedRun> {
  const started = performance.now();
  const result = await runCli(['read', '--config', jsonFile(connectorConfig(endpoint, extra)), '--catalog', jsonFile(fullRefreshCatalog(table), 'catalog.json')], { timeoutMs });
  return { result, seconds: (performance.now() - started) / 1000 };
}

function expectEveryItemOnce(result: CliResult, table: string, count: number): void {
  expectCleanOutput(result);
  expect(result.code).toBe(0);
  const got = records(result.messages, table);
  expect(got).toHaveLength(count);
  expect(new Set(got.map((r) => r.pk)).size).toBe(count);
}

const logsOf = (result: CliResult) => ofType(result.messages, 'LOG').map((m) => m.log.message as string);
const summaryOf = (result: CliResult, table: string) => logsOf(result).find((m) => m.startsWith(`Read of ${table} consumed`)) ?? '';
const faultsFired = (from: number, fault?: FaultKind) => faults.requests.slice(from).filter((r) => r.operation === 'Scan' && r.table === bigTable && (fault === undefined ? r.fault !== undefined : r.fault === fault)).length;
const scansSent = (from: number) => faults.requests.slice(from).filter((r) => r.operation === 'Scan' && r.table === bigTable).length;

describe('random throttles that do not follow the read rate', () => {
  it.each([
    [0.05, 2],
    [0.2, 4],
  ])('with %d of Scans throttled at random, every item arrives exactly once within %d× the unthrottled time', async (share, factor) => {
    faults.setRules([]);
    const unthrottled = await timedRead(faults.endpoint, bigTable, bigRead);
    expectEveryItemOnce(unthrottled.result, bigTable, BIG_ITEMS);

    faults.setRules([{ fault: 'throttle', operation: 'Scan', table: bigTable, count: Infinity, probability: share }]);
    const from = faults.requests.length;
    const throttled = await timedRead(faults.endpoint, bigTable, bigRead);
    faults.setRules([]);

    expectEveryItemOnce(throttled.result, bigTable, BIG_ITEMS);
    // The proxy did throttle about that share of the Scans.
    const fired = faultsFired(from, 'throttle') / scansSent(from);
    expect(fired).toBeGreaterThan(share / 2);
    expect(fired).toBeLessThan(share * 2);
    console.log(`${share * 100}% of Scans throttled: ${throttled.seconds.toFixed(1)} s against ${unthrottled.seconds.toFixed(1)} s unthrottled (${(throttled.seconds / unthrottled.seconds).toFixed(2)}×). ${summaryOf(throttled.result, bigTable)}`);
    expect(throttled.seconds).toBeLessThan(unthrottled.seconds * factor);
    expect(summaryOf(throttled.result, bigTable)).toMatch(/\d+ of \d+ requests \(\d+%\) were throttled and retried/);
  });
});

describe('a capacity that throttles whatever exceeds it', () => {
  // The table holds ~750 read units of data: ~15 s at 50 units/s. Capped, the budget (100) is above the capacity.
  it.each([
    ['an uncapped on-demand table', 50, {}],
    ['a table capped above the capacity', 60, { max_read_units_per_second: 100 }],
  ])('settles at 70–100% of the capacity of %s, without collapsing', async (_what, X, budget) => {
    capacity.setCapacity({ unitsPerSecond: X });
    const from = capacity.exchanges.length;
    const run = await timedRead(capacity.endpoint, capacityTable, { scan_segments: 8, page_size: 100, ...budget });
    capacity.setCapacity(undefined);

    expectEveryItemOnce(run.result, capacityTable, CAPACITY_ITEMS);
    const scans = capacity.exchanges.slice(from).filter((e) => e.operation === 'Scan' && e.request.TableName === capacityTable);
    const served = scans.filter((s) => !s.throttled);
    expect(scans.some((s) => s.throttled)).toBe(true);
    const start = served[0]!.answeredAt;
    const end = served.at(-1)!.answeredAt;
    const consumedIn = (fromMs: number, toMs: number) => served.filter((s) => s.answeredAt > fromMs && s.answeredAt <= toMs).reduce((sum, s) => sum + (s.consumed ?? NaN), 0);

    // Settled: after the first 3 s.
    const lastPageOf = new Map<unknown, number>();
    for (const s of served) lastPageOf.set(s.request.Segment, s.answeredAt);
    const settledFrom = start + 3_000;
    // Segments are uneven: the settled read lasts while at least half of them still have pages to ask for.
    const settledTo = [...lastPageOf.values()].sort((a, b) => a - b)[3]!;
    expect(settledTo - settledFrom).toBeGreaterThan(4_000);
    const settledRate = consumedIn(settledFrom, settledTo) / ((settledTo - settledFrom) / 1000);
    const windows: number[] = [];
    for (let t = settledFrom; t + 3_000 <= settledTo; t += 500) windows.push(consumedIn(t, t + 3_000) / 3);
    const throttledShare = scans.filter((s) => s.throttled).length / scans.length;
    console.log(`Capacity ${X} read units/s, ${_what}: settled at ${settledRate.toFixed(1)} (${((settledRate / X) * 100).toFixed(0)}%), 3 s windows ${Math.min(...windows).toFixed(1)}–${Math.max(...windows).toFixed(1)}, ${(throttledShare * 100).toFixed(0)}% of Scans throttled, ${run.seconds.toFixed(1)} s. ${summaryOf(run.result, capacityTable)}`);
    expect(settledRate).toBeGreaterThan(X * 0.7);
    expect(settledRate).toBeLessThan(X * 1.05);
    // Never collapsing: every 3 s of the settled read served at least 40% of the capacity. A reader that collapses
    // (backing off without recovering) falls far below that; the margin is for DynamoDB Local pausing on a loaded
    // machine, which no reader can make up for (a CI run under the whole suite saw one window at 44%).
    expect(windows.length).toBeGreaterThan(0);
    expect(Math.min(...windows)).toBeGreaterThan(X * 0.4);
  });
});

describe('the fault soak', () => {
  it('reads every item exactly once with a quarter of the Scans failing in every way, and exits 0', async () => {
    faults.setRules([]);
    const unthrottled = await timedRead(faults.endpoint, bigTable, bigRead);
    expectEveryItemOnce(unthrottled.result, bigTable, BIG_ITEMS);

    const kinds: FaultKind[] = ['throttle', 'serverError', 'serviceUnavailable', 'drop', 'dropMidResponse', 'slow'];
    faults.setRules([{ fault: kinds, operation: 'Scan', table: bigTable, count: Infinity, probability: 0.25 }]);
    const from = faults.requests.length;
    const soak = await timedRead(faults.endpoint, bigTable, bigRead);
    faults.setRules([]);

    expectEveryItemOnce(soak.result, bigTable, BIG_ITEMS);
    for (const kind of kinds) expect(faultsFired(from, kind)).toBeGreaterThan(0);
    console.log(`Fault soak (25% of Scans failing): ${soak.seconds.toFixed(1)} s against ${unthrottled.seconds.toFixed(1)} s without faults. ${summaryOf(soak.result, bigTable)}`);
    // Before the rate followed the throttled share, this did not finish in minutes.
    expect(soak.seconds).toBeLessThan(unthrottled.seconds * 6 + 10);
  });
});

describe('what the platform is told while a stream waits on throttling', () => {
  /** Every Scan of the table is throttled until this many have been: about 3 s of backoff for 8 segments. */
  const STORM = 48;
  const statusTraces = (result: CliResult) => traces(result.messages, 'STREAM_STATUS').filter((t) => t.stream_status.stream_descriptor.name === bigTable).map((t) => t.stream_status);

  it('Airbyte: RUNNING with a RATE_LIMITED reason during the throttling, a plain RUNNING once it reads at speed', async () => {
    faults.setRules([{ fault: 'throttle', operation: 'Scan', table: bigTable, count: STORM }]);
    const startedAt = Date.now();
    const run = await timedRead(faults.endpoint, bigTable, bigRead);
    faults.setRules([]);

    expectEveryItemOnce(run.result, bigTable, BIG_ITEMS); // the schema check covers the reasons' shape too
    const statuses = statusTraces(run.result);
    const shape = statuses.map((s) => (s.reasons ? `${s.status}:${s.reasons.map((r: any) => r.type).join(',')}` : s.status));
    expect(shape).toEqual(['STARTED', 'RUNNING:RATE_LIMITED', 'RUNNING', 'COMPLETE']);
    const limited = statuses[1];
    expect(limited.reasons).toHaveLength(1);
    const quotaReset = Number(numbersAsText(limited.reasons[0].rate_limited.quota_reset));
    expect(Number.isInteger(quotaReset)).toBe(true);
    expect(quotaReset).toBeGreaterThan(startedAt);
    expect(quotaReset).toBeLessThan(Date.now() + 60_000);
    // RATE_LIMITED goes out before the first record (nothing was served during the storm), plain RUNNING after records.
    const lines = run.result.messages;
    const index = (pred: (m: any) => boolean) => lines.findIndex(pred);
    const limitedAt = index((m) => m.type === 'TRACE' && m.trace.stream_status?.reasons !== undefined);
    const runningAt = index((m) => m.type === 'TRACE' && m.trace.stream_status?.status === 'RUNNING' && m.trace.stream_status.reasons === undefined);
    const firstRecord = index((m) => m.type === 'RECORD');
    expect(limitedAt).toBeLessThan(firstRecord);
    expect(runningAt).toBeGreaterThan(firstRecord);
  });

  it('Singer: a WARN line while the stream waits on throttling', async () => {
    const config = connectorConfig(faults.endpoint, bigRead);
    const discovered = await runCli(['--config', jsonFile(config), '--discover']);
    expect(discovered.code).toBe(0);
    const catalog = discovered.messages[0];
    const entry = catalog.streams.find((s: any) => s.tap_stream_id === bigTable);
    entry.metadata.find((m: any) => m.breadcrumb.length === 0).metadata.selected = true;
    catalog.streams = [entry];

    faults.setRules([{ fault: 'throttle', operation: 'Scan', table: bigTable, count: STORM }]);
    const run = await runCli(['--config', jsonFile(config), '--catalog', jsonFile(catalog, 'catalog.json')], { timeoutMs: 170_000 });
    faults.setRules([]);

    expect(run.code).toBe(0);
    expect(run.messages.filter((m) => m.type === 'RECORD')).toHaveLength(BIG_ITEMS);
    expect(run.stderr).toMatch(new RegExp(`^WARN Stream ${bigTable}: waiting on DynamoDB throttling \\(rate limited\\); reads should resume about \\d{4}-\\d\\d-\\d\\dT`, 'm'));
    expect(run.stderr).toMatch(new RegExp(`^INFO Stream ${bigTable}: reading at speed again after throttling$`, 'm'));
  });
});
