// The read-capacity budget through the built CLI, measured from the outside: a recording proxy in front of DynamoDB
// Local sees every Scan and the ConsumedCapacity DynamoDB reported for it, so the rate the connector really used
// can be checked against the budget (DynamoDB Local reports capacity but does not enforce it). Budgets are chosen
// so that reads last several seconds and the bounds are generous, for a loaded machine.
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { fullRefreshCatalog, jsonFile, ofType, records, runCli, traces, type CliResult } from '../support/cli.js';
import { startCapacityProxy, type CapacityProxy, type RecordedExchange } from '../support/capacityProxy.js';
import { connectorConfig, createTable, putItems, testClient, uniqueName } from '../support/dynamo.js';
import { expectCleanOutput } from '../support/protocol.js';

const ddbEndpoint = inject('ddbEndpoint');
const client = testClient(ddbEndpoint);
let proxy: CapacityProxy;

/** ~3 KB each: a scan page's cost is its bytes in 4 KB units, halved for eventually consistent reads. */
const items = (count: number): Record<string, AttributeValue>[] =>
  Array.from({ length: count }, (_, i) => ({ pk: { S: `item-${i}` }, payload: { S: `${i} `.padEnd(3000, 'x') } }));

const provisionedTable = uniqueName('budget_provisioned');
const onDemandTable = uniqueName('budget_on_demand');
const PROVISIONED_ITEMS = 1000;
const ON_DEMAND_ITEMS = 250;

beforeAll(async () => {
  proxy = await startCapacityProxy(ddbEndpoint);
  await createTable(client, provisionedTable, { hash: ['pk', 'S'] }, { BillingMode: 'PROVISIONED', ProvisionedThroughput: { ReadCapacityUnits: 40, WriteCapacityUnits: 1000 } });
  await createTable(client, onDemandTable, { hash: ['pk', 'S'] });
  await putItems(client, provisionedTable, items(PROVISIONED_ITEMS));
  await putItems(client, onDemandTable, items(ON_DEMAND_ITEMS));
});

afterAll(async () => {
  await proxy?.close();
});

/** Reads one table through the proxy; returns the run and the Scans it made, in the order they were answered. */
async function readThroughProxy(table: string, extra: Record<string, unknown>): Promise<{ result: CliResult; scans: RecordedExchange[] }> {
  const from = proxy.exchanges.length;
  const result = await runCli(['read', '--config', jsonFile(connectorConfig(proxy.endpoint, extra)), '--catalog', jsonFile(fullRefreshCatalog(table), 'catalog.json')], { timeoutMs: 115_000 });
  const scans = proxy.exchanges.slice(from).filter((e) => e.operation === 'Scan' && e.request.TableName === table);
  return { result, scans };
}

const consumedOf = (scans: RecordedExchange[]) => scans.reduce((sum, s) => sum + (s.consumed ?? NaN), 0);
const secondsBetween = (scans: RecordedExchange[]) => ((scans.at(-1)?.answeredAt ?? NaN) - (scans[0]?.answeredAt ?? NaN)) / 1000;
const logsOf = (result: CliResult) => ofType(result.messages, 'LOG').map((m) => m.log.message as string);

function expectAllRead(result: CliResult, table: string, count: number): void {
  expectCleanOutput(result);
  expect(result.code).toBe(0);
  expect(new Set(records(result.messages, table).map((r) => r.pk)).size).toBe(count);
  expect(records(result.messages, table)).toHaveLength(count);
}

/**
 * The time the budget implies for these Scans: everything but the first page (sent at once) and the last (its cost
 * is charged when it starts) must be paid for at `rate` before the last page can go.
 */
function impliedSeconds(scans: RecordedExchange[], rate: number): number {
  return (consumedOf(scans) - (scans[0]?.consumed ?? 0) - (scans.at(-1)?.consumed ?? 0)) / rate;
}

describe('read-capacity budget', () => {
  it('reads a provisioned table at the configured share of its RCU, 8 segments sharing it, within ±15% over every 10 s window', async () => {
    const budget = 20; // 50% of 40 RCU
    const { result, scans } = await readThroughProxy(provisionedTable, { read_capacity_percent: 50, scan_segments: 8 });

    expectAllRead(result, provisionedTable, PROVISIONED_ITEMS);
    expect(new Set(scans.map((s) => s.request.Segment))).toEqual(new Set([0, 1, 2, 3, 4, 5, 6, 7]));
    expect(scans.every((s) => s.request.ReturnConsumedCapacity === 'TOTAL' && typeof s.request.Limit === 'number')).toBe(true);
    const consumed = consumedOf(scans);
    expect(consumed).toBeGreaterThan(300); // the data: 1000 items of ~3 KB, so the read lasts ~18 s at budget
    const seconds = secondsBetween(scans);
    expect(seconds).toBeGreaterThan(impliedSeconds(scans, budget) * 0.9);
    expect(seconds).toBeLessThan((consumed / budget) * 1.5 + 5);

    // Every 10 s window within the read consumed the budget's worth, ±15%.
    const start = scans[0]!.answeredAt;
    const end = scans.at(-1)!.answeredAt;
    const rates: number[] = [];
    for (let from = start; from + 10_000 <= end; from += 500) {
      const inWindow = scans.filter((s) => s.answeredAt > from && s.answeredAt <= from + 10_000);
      rates.push(consumedOf(inWindow) / 10);
    }
    expect(rates.length).toBeGreaterThan(5);
    expect(Math.min(...rates)).toBeGreaterThan(budget * 0.85);
    expect(Math.max(...rates)).toBeLessThan(budget * 1.15);

    // The user sees what was consumed against what budget.
    const summary = logsOf(result).find((m) => m.startsWith(`Read of ${provisionedTable} consumed`));
    expect(summary).toMatch(/read units\/s, budget 20\/s \(50% of 40 provisioned RCU\)\.$/);
    const reportedRate = Number(/: ([\d.]+) read units\/s/.exec(summary ?? '')?.[1]);
    expect(reportedRate).toBeGreaterThan(budget * 0.8);
    expect(reportedRate).toBeLessThan(budget * 1.15);
  });

  it('holds an on-demand table to max_read_units_per_second, counting consistent reads double', async () => {
    const cap = 25;
    const { result, scans } = await readThroughProxy(onDemandTable, { max_read_units_per_second: cap, consistent_read: true, scan_segments: 4 });

    expectAllRead(result, onDemandTable, ON_DEMAND_ITEMS);
    expect(scans.every((s) => s.request.ConsistentRead === true)).toBe(true);
    const consumed = consumedOf(scans);
    expect(consumed).toBeGreaterThan(150); // 250 items of ~3 KB read strongly consistent: ~190 units, ~7 s at the cap
    const seconds = secondsBetween(scans);
    expect(seconds).toBeGreaterThan(impliedSeconds(scans, cap) * 0.9);
    expect(seconds).toBeLessThan((consumed / cap) * 1.5 + 5);
    expect(logsOf(result).some((m) => m.startsWith(`Read of ${onDemandTable} consumed`) && m.endsWith(`budget ${cap}/s (max_read_units_per_second ${cap}).`))).toBe(true);
  });

  it('does not slow an uncapped on-demand table: full 1 MB pages, read far faster than any budget above', async () => {
    const { result, scans } = await readThroughProxy(onDemandTable, { scan_segments: 4 });

    expectAllRead(result, onDemandTable, ON_DEMAND_ITEMS);
    // The Limit only tells the server how far a 1 MB page goes (~340 items of ~3 KB): it never makes pages smaller.
    expect(scans.every((s) => typeof s.request.Limit === 'number' && s.request.Limit >= (1024 * 1024) / 3100 && s.request.ReturnConsumedCapacity === 'TOTAL')).toBe(true);
    // Eventually consistent: ~95 units, which the capped read above took ~4 s for at 25/s.
    expect(secondsBetween(scans)).toBeLessThan(consumedOf(scans) / 25 / 2);
    expect(logsOf(result).some((m) => m.startsWith(`Read of ${onDemandTable} consumed`) && m.endsWith('no budget (on-demand table without a cap).'))).toBe(true);
  });

  it("paces discover's sample scans with the same budget", async () => {
    const budget = 4; // 10% of 40 RCU
    const from = proxy.exchanges.length;
    const result = await runCli(['discover', '--config', jsonFile(connectorConfig(proxy.endpoint, { read_capacity_percent: 10, include_tables: [provisionedTable], discovery_sample_size: 80 }))]);
    const scans = proxy.exchanges.slice(from).filter((e) => e.operation === 'Scan' && e.request.TableName === provisionedTable);

    expectCleanOutput(result);
    expect(result.code).toBe(0);
    expect(ofType(result.messages, 'CATALOG')).toHaveLength(1);
    expect(scans.every((s) => s.request.ReturnConsumedCapacity === 'TOTAL')).toBe(true);
    expect(consumedOf(scans)).toBeGreaterThan(15); // 80 items of ~3 KB over 8 segments: ~30 units, so ~7 s at 4/s
    expect(secondsBetween(scans)).toBeGreaterThan(impliedSeconds(scans, budget) * 0.9);
  });

  it.each([
    ['read_capacity_percent', 0],
    ['read_capacity_percent', -10],
    ['read_capacity_percent', 151],
    ['max_read_units_per_second', 0],
    ['max_read_units_per_second', -5],
  ])('rejects %s = %d as a config_error', async (field, value) => {
    const result = await runCli(['discover', '--config', jsonFile(connectorConfig(ddbEndpoint, { [field]: value }))]);

    expectCleanOutput(result);
    expect(result.code).not.toBe(0);
    expect(ofType(result.messages, 'CATALOG')).toEqual([]);
    const errors = traces(result.messages, 'ERROR').map((t) => t.error);
    expect(errors).toHaveLength(1);
    expect(errors[0].failure_type).toBe('config_error');
    expect(errors[0].message).toContain(field);
  });
});
