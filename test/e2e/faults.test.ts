// Faults AWS really produces — throttling, 500s, dropped connections, access denied — injected by a real HTTP proxy
// in front of DynamoDB Local, observed through the built CLI: what the user sees in the output and the exit code.
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { fullRefreshCatalog, jsonFile, ofType, records, runCli, traces, type CliResult } from '../support/cli.js';
import { connectorConfig, createTable, putItems, testClient, uniqueName } from '../support/dynamo.js';
import { startFaultProxy, type FaultKind, type FaultProxy } from '../support/faultProxy.js';
import { expectCleanOutput } from '../support/protocol.js';

const ddbEndpoint = inject('ddbEndpoint');
const client = testClient(ddbEndpoint);
let proxy: FaultProxy;

beforeAll(async () => {
  proxy = await startFaultProxy(ddbEndpoint);
});
afterAll(async () => {
  await proxy?.close();
});


const configFile = (extra: Record<string, unknown> = {}) => jsonFile(connectorConfig(proxy.endpoint, extra));

const readTables = (tables: string[], extra: Record<string, unknown> = {}) =>
  runCli(['read', '--config', configFile(extra), '--catalog', jsonFile(fullRefreshCatalog(...tables), 'catalog.json')]);


const warnings = (result: CliResult) =>
  ofType(result.messages, 'LOG')
    .filter((m) => m.log.level === 'WARN')
    .map((m) => m.log.message as string);

const statusesOf = (result: CliResult, stream: string) =>
  traces(result.messages, 'STREAM_STATUS')
    .filter((t) => t.stream_status.stream_descriptor.name === stream)
    .map((t) => t.stream_status.status);

const errorsOf = (result: CliResult) => traces(result.messages, 'ERROR').map((t) => t.error);

const faultsFired = (fault: FaultKind, operation: string, table?: string) =>
  proxy.requests.filter((r) => r.fault === fault && r.operation === operation && (table === undefined || r.table === table)).length;

const keyOf = (r: any) => `${r.pk}#${r.sk}`;

function itemsFor(count: number): Record<string, AttributeValue>[] {
  return Array.from({ length: count }, (_, i) => ({
    pk: { S: `p${i % 17}` },
    sk: { N: String(i) },
    payload: { S: `value ${i}` },
  }));
}

describe('read through transient faults', () => {
  const table = uniqueName('faulty');
  const items = itemsFor(150);
  const expectedKeys = items.map((it) => `${it.pk!.S}#${it.sk!.N}`).sort();

  beforeAll(async () => {
    await createTable(client, table, { hash: ['pk', 'S'], range: ['sk', 'N'] });
    await putItems(client, table, items);
  });

  // skip 0: the first page of each segment fails; skip 4: pages in the middle of segments fail, so a retry that did
  // not resume from the failed page's start key would duplicate or lose items.
  it.each([
    ['throttle', 0, /ProvisionedThroughputExceededException/],
    ['throttle', 4, /ProvisionedThroughputExceededException/],
    ['serverError', 4, /InternalServerError/],
    ['drop', 0, /./],
    ['drop', 4, /./],
    ['dropMidResponse', 4, /./],
  ] as const)('retries Scans that fail with %s (after %i good pages) and returns every item exactly once', async (fault, skip, errorName) => {
    proxy.setRules([{ fault, operation: 'Scan', table, count: 3, skip }]);
    const before = faultsFired(fault, 'Scan', table);

    const result = await readTables([table], { scan_segments: 3, page_size: 20, checkpoint_interval_seconds: 0 });

    expectCleanOutput(result);
    expect(faultsFired(fault, 'Scan', table) - before).toBe(3);
    expect(result.code).toBe(0);
    expect(errorsOf(result)).toEqual([]);
    const keys = records(result.messages, table).map(keyOf).sort();
    expect(keys).toHaveLength(items.length);
    expect(keys).toEqual(expectedKeys);
    expect(statusesOf(result, table)).toEqual(['STARTED', 'RUNNING', 'COMPLETE']);
    // One warning per retry, naming the table, what went wrong and that it is retried.
    const retryWarnings = warnings(result).filter((m) => m.includes(`Scan of ${table}`));
    expect(retryWarnings).toHaveLength(3);
    for (const w of retryWarnings) {
      expect(w).toMatch(/retry \d+\/10 in \d+ ms/);
      expect(w).toMatch(errorName);
      expect(w).not.toContain('\n'); // one readable line, not the SDK's advice for developers
    }
  });

  it.each(['throttle', 'serverError', 'drop', 'dropMidResponse'] as const)(
    'fails the stream as a transient error once retries are exhausted (%s)',
    async (fault) => {
      proxy.setRules([{ fault, operation: 'Scan', table, count: Infinity }]);

      const result = await readTables([table], { scan_segments: 2, max_retries: 1 });
      proxy.setRules([]);

      expectCleanOutput(result);
      expect(result.code).not.toBe(0);
      expect(records(result.messages, table)).toEqual([]);
      expect(statusesOf(result, table)).toEqual(['STARTED', 'INCOMPLETE']);
      const errors = errorsOf(result);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({ failure_type: 'transient_error', stream_descriptor: { name: table } });
      expect(errors[0].message).toContain(table);
      expect(errors[0].message).not.toContain('\n');
      // It did retry, once, before giving up.
      expect(warnings(result).some((m) => m.includes(`Scan of ${table}`) && m.includes('retry 1/1'))).toBe(true);
    },
  );
});

describe('access denied on one table', () => {
  const denied = uniqueName('denied');
  const allowed = uniqueName('allowed');
  const allowedItems = Array.from({ length: 40 }, (_, i) => ({ id: { N: String(i) }, name: { S: `n${i}` } }));

  beforeAll(async () => {
    await createTable(client, denied, { hash: ['pk', 'S'], range: ['sk', 'N'] });
    await putItems(client, denied, itemsFor(10));
    await createTable(client, allowed, { hash: ['id', 'N'] });
    await putItems(client, allowed, allowedItems);
  });

  const denyScanOfA = () => proxy.setRules([{ fault: 'deny', operation: 'Scan', table: denied, count: Infinity }]);
  const onlyOurTables = { include_tables: [denied, allowed] };

  it('check fails naming the table and the missing permission', async () => {
    denyScanOfA();
    const result = await runCli(['check', '--config', configFile(onlyOurTables)]);

    expectCleanOutput(result);
    expect(faultsFired('deny', 'Scan', denied)).toBeGreaterThan(0);
    expect(result.code).toBe(0);
    expect(errorsOf(result)).toEqual([]);
    const statuses = ofType(result.messages, 'CONNECTION_STATUS');
    expect(statuses).toHaveLength(1);
    const status = statuses[0].connectionStatus;
    expect(status.status).toBe('FAILED');
    expect(status.message).toContain(denied);
    expect(status.message).toContain('dynamodb:Scan');
    expect(status.message).not.toContain(allowed);
  });

  it('discover still lists the table with its key schema, and warns about it', async () => {
    denyScanOfA();
    const result = await runCli(['discover', '--config', configFile(onlyOurTables)]);

    expectCleanOutput(result);
    expect(result.code).toBe(0);
    const catalogs = ofType(result.messages, 'CATALOG');
    expect(catalogs).toHaveLength(1);
    const streams = new Map<string, any>(catalogs[0].catalog.streams.map((s: any) => [s.name, s]));
    expect([...streams.keys()].sort()).toEqual([denied, allowed].sort());

    const a = streams.get(denied);
    expect(a.source_defined_primary_key).toEqual([['pk'], ['sk']]);
    expect([...a.json_schema.required].sort()).toEqual(['pk', 'sk']);
    expect(Object.keys(a.json_schema.properties)).toEqual(expect.arrayContaining(['pk', 'sk']));
    expect(a.json_schema.properties).not.toHaveProperty('payload'); // it could not be sampled
    const b = streams.get(allowed);
    expect(b.source_defined_primary_key).toEqual([['id']]);
    expect(b.json_schema.properties).toHaveProperty('name'); // sampled normally

    const warned = warnings(result);
    expect(warned.some((m) => m.includes(denied))).toBe(true);
    expect(warned.some((m) => m.includes(allowed))).toBe(false);
  });

  it('read fails the denied stream as a config error and completes the other', async () => {
    denyScanOfA();
    const result = await readTables([denied, allowed]);

    expectCleanOutput(result);
    expect(result.code).not.toBe(0);
    expect(statusesOf(result, denied)).toEqual(['STARTED', 'INCOMPLETE']);
    expect(records(result.messages, denied)).toEqual([]);
    const errors = errorsOf(result);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ failure_type: 'config_error', stream_descriptor: { name: denied } });
    expect(errors[0].message).toContain('dynamodb:Scan');
    expect(errors[0].message).toContain(denied);

    expect(statusesOf(result, allowed)).toEqual(['STARTED', 'RUNNING', 'COMPLETE']);
    const ids = records(result.messages, allowed).map((r) => r.id).sort((x, y) => Number(x) - Number(y));
    expect(ids).toEqual(allowedItems.map((it) => it.id.N));
  });
});

describe('discover through throttling', () => {
  const table = uniqueName('throttled_meta');

  beforeAll(async () => {
    await createTable(client, table, { hash: ['pk', 'S'], range: ['sk', 'N'] });
    await putItems(client, table, itemsFor(20));
  });

  it('retries throttled ListTables, DescribeTable and sample Scans', async () => {
    proxy.setRules([
      { fault: 'throttle', operation: 'ListTables', count: 2 },
      { fault: 'throttle', operation: 'DescribeTable', table, count: 2 },
      { fault: 'throttle', operation: 'Scan', table, count: 2 },
    ]);
    const fired = () => ['ListTables', 'DescribeTable', 'Scan'].map((op) => faultsFired('throttle', op, op === 'ListTables' ? undefined : table));
    const before = fired();

    const result = await runCli(['discover', '--config', configFile({ include_tables: [table] })]);

    expectCleanOutput(result);
    expect(fired().map((n, i) => n - before[i]!)).toEqual([2, 2, 2]);
    expect(result.code).toBe(0);
    expect(errorsOf(result)).toEqual([]);
    const streams = ofType(result.messages, 'CATALOG')[0].catalog.streams;
    expect(streams.map((s: any) => s.name)).toEqual([table]);
    expect(streams[0].source_defined_primary_key).toEqual([['pk'], ['sk']]);
    // The throttled sample was retried, not given up on: the non-key attribute is typed.
    expect(streams[0].json_schema.properties).toHaveProperty('payload');

    const warned = warnings(result);
    const listWarnings = warned.filter((m) => m.startsWith('ListTables') && /retry/.test(m));
    expect(listWarnings).toHaveLength(2);
    // Backoff: the second wait is at least as long as the first (the cap doubles; jitter stays within it).
    const waits = listWarnings.map((m) => Number(/in (\d+) ms/.exec(m)?.[1]));
    expect(waits[0]).toBeGreaterThan(0);
    expect(waits[1]).toBeGreaterThanOrEqual(waits[0]!);
    expect(warned.filter((m) => m.includes(`DescribeTable of ${table}`) && /retry/.test(m))).toHaveLength(2);
    expect(warned.filter((m) => m.includes(`Scan of ${table}`) && /retry/.test(m))).toHaveLength(2);
  });
});

describe('discover giving up', () => {
  it('reports a transient error, and the retries it made, when ListTables stays throttled', async () => {
    proxy.setRules([{ fault: 'throttle', operation: 'ListTables', count: Infinity }]);
    const result = await runCli(['discover', '--config', configFile({ max_retries: 2 })]);
    proxy.setRules([]);

    expectCleanOutput(result);
    expect(result.code).not.toBe(0);
    expect(ofType(result.messages, 'CATALOG')).toEqual([]);
    const errors = errorsOf(result);
    expect(errors).toHaveLength(1);
    expect(errors[0].failure_type).toBe('transient_error');
    expect(errors[0].message).toContain('dynamodb:ListTables');
    // The user sees why it took a while: each retry was logged before the failure.
    expect(warnings(result).filter((m) => m.startsWith('ListTables') && /retry \d\/2/.test(m))).toHaveLength(2);
  });
});
