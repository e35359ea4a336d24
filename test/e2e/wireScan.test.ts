// The fast Scan path against DynamoDB Local: the same record text as the SDK path (ScanCommand + itemToJson) on
// every awkward type, pagination that neither loses nor repeats an item, and failures the retry and error code
// classify exactly as they classify the SDK's.
import { ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { toConnectorError } from '../../src/aws/errors.js';
import { isRetryable, isThrottling } from '../../src/aws/retry.js';
import { itemToJson } from '../support/sdkItemToJson.js';
import type { WireKey } from '../../src/convert/keyCodec.js';
import { createWireScanner, type WireScanner } from '../../src/scan/wireScan.js';
import { createTable, putItems, testClient, uniqueName } from '../support/dynamo.js';
import { startFaultProxy, type FaultProxy } from '../support/faultProxy.js';

const ddbEndpoint = inject('ddbEndpoint');
const client = testClient(ddbEndpoint);
const table = uniqueName('wire_awkward');
let scanner: WireScanner;
let proxy: FaultProxy;
let proxiedScanner: WireScanner;

const bytes = (...values: number[]) => new Uint8Array(values);

/** Every type, at its edges. */
const awkwardItems: Record<string, AttributeValue>[] = [
  {
    id: { S: 'numbers' },
    n38: { N: '12345678901234567890123456789012345678' },
    neg38: { N: '-0.12345678901234567890123456789012345678' },
    tiny: { N: '1E-130' },
    huge: { N: '9.9999999999999999999999999999999999999E+125' },
    zero: { N: '0' },
    trailing: { N: '1.50' },
    ns: { NS: ['1', '-2.5', '12345678901234567890123456789012345678', '1E-130'] },
  },
  {
    id: { S: 'binary' },
    b: { B: bytes(0, 1, 2, 253, 254, 255) },
    bEmpty: { B: bytes(0) },
    bs: { BS: [bytes(1), bytes(255, 0), bytes(62, 63, 64)] },
  },
  {
    id: { S: 'empties' },
    s: { S: '' },
    m: { M: {} },
    l: { L: [] },
    ss: { SS: ['', 'x'] },
    nul: { NULL: true },
    f: { BOOL: false },
    t: { BOOL: true },
  },
  {
    id: { S: 'nested' },
    deep: { M: { a: { L: [{ M: { b: { L: [{ N: '1' }, { S: 'two' }, { NULL: true }, { SS: ['x', 'y'] }, { M: {} }, { L: [] }] } } }, { BS: [bytes(9)] }] } } },
    list: { L: [{ L: [{ L: [{ N: '-0.0001' }] }] }, { BOOL: true }, { B: bytes(7, 8) }] },
  },
  {
    id: { S: 'strings \u00e9\u4e2d\ud83d\ude00' },
    ctrl: { S: 'tab\tnl\ncr\r nul\u0000 bell\u0007 quote" backslash\\ del\u007f ls\u2028 ps\u2029' },
    unicode: { S: '\u00e9\u4e2d\ud83d\ude00\u0301' },
    'name with spaces': { S: 'v' },
    'dotted.name': { S: 'v' },
    '#hash': { N: '7' },
    'quote"name\\': { S: 'v' },
    'ctrl\u0001name\n': { S: 'v' },
    '10': { S: 'integer-like names come first in a JavaScript object' },
    '2': { M: { '7': { N: '7' }, b: { S: 'b' }, '01': { S: 'not integer-like' } } },
    '\u4e2d\u6587': { SS: ['\u00e9', '\ud83d\ude00', 'a\nb'] },
  },
];

beforeAll(async () => {
  await createTable(client, table, { hash: ['id', 'S'] });
  const filler = Array.from({ length: 300 }, (_, i) => ({ id: { S: `filler-${i}` }, n: { N: String(i) }, at: i % 2 === 0 ? { N: String(1000 + i) } : { S: `s${i}` } }));
  await putItems(client, table, [...awkwardItems, ...filler]);
  scanner = createWireScanner(client);
  proxy = await startFaultProxy(ddbEndpoint);
  proxiedScanner = createWireScanner(testClient(proxy.endpoint));
});

afterAll(async () => {
  scanner?.destroy();
  proxiedScanner?.destroy();
  await proxy?.close();
});

/** Both paths, page by page with the same Limit, so the pages line up; returns every record of each path. */
async function scanBothWays(limit: number, options: { suffix?: string; omit?: Set<string> } = {}) {
  const sdk: string[] = [];
  const wire: string[] = [];
  let sdkKey: Record<string, AttributeValue> | undefined;
  let wireKey: WireKey | undefined;
  let pages = 0;
  do {
    const sdkPage = await client.send(new ScanCommand({ TableName: table, Limit: limit, ExclusiveStartKey: sdkKey }));
    const wirePage = await scanner.scan(
      { TableName: table, Limit: limit, ...(wireKey ? { ExclusiveStartKey: wireKey } : {}) },
      { ...(options.suffix ? { recordSuffix: options.suffix } : {}), ...(options.omit ? { omit: options.omit } : {}) },
    );
    sdk.push(...(sdkPage.Items ?? []).map((item) => itemToJson(item, options.suffix, options.omit)));
    wire.push(...wirePage.records);
    sdkKey = sdkPage.LastEvaluatedKey;
    wireKey = wirePage.lastEvaluatedKey;
    pages++;
  } while (sdkKey !== undefined || wireKey !== undefined);
  return { sdk, wire, pages };
}

describe('wire Scan', () => {
  it('produces the same record text as ScanCommand + itemToJson, byte for byte, on every awkward type', async () => {
    const { sdk, wire, pages } = await scanBothWays(37);
    expect(pages).toBeGreaterThan(5);
    expect(wire).toHaveLength(awkwardItems.length + 300);
    expect(wire).toEqual(sdk);
    // The awkward ones are really in there, digits intact.
    const numbers = wire.find((r) => r.includes('"numbers"'));
    expect(numbers).toContain('"n38":12345678901234567890123456789012345678');
    expect(wire.find((r) => r.includes('"binary"'))).toContain('"b":"AAEC/f7/"');
  });

  it('applies the record suffix and omitted attributes exactly as the SDK path does', async () => {
    const options = { suffix: ',"_meta":{"op":"snapshot"}', omit: new Set(['n', 'ctrl', 'id']) };
    const { sdk, wire } = await scanBothWays(1000, options);
    expect(wire).toEqual(sdk);
    expect(wire.every((r) => r.endsWith(',"_meta":{"op":"snapshot"}}') || r === '{"_meta":{"op":"snapshot"}}')).toBe(true);
    expect(wire.some((r) => r.includes('"id"'))).toBe(false);
  });

  it('reads every item exactly once over parallel segments, reports counts, cost and cursor values', async () => {
    const seen = new Map<string, number>();
    let units = 0;
    let cursorNumbers = 0;
    for (let segment = 0; segment < 4; segment++) {
      let key: WireKey | undefined;
      do {
        const page = await scanner.scan(
          { TableName: table, Segment: segment, TotalSegments: 4, Limit: 25, ...(key ? { ExclusiveStartKey: key } : {}) },
          { cursorField: 'at' },
        );
        expect(page.count).toBe(page.records.length);
        expect(page.scannedCount).toBe(page.records.length);
        expect(page.cursorValues).toHaveLength(page.records.length);
        units += page.consumedCapacity ?? NaN;
        page.records.forEach((r, i) => {
          const id = (JSON.parse(r) as { id: string }).id;
          seen.set(id, (seen.get(id) ?? 0) + 1);
          const cursor = page.cursorValues?.[i];
          const at = (JSON.parse(r) as { at?: number | string }).at;
          if (at === undefined) expect(cursor).toBeUndefined();
          else expect(cursor).toEqual(typeof at === 'number' ? { N: String(at) } : { S: at });
          if (cursor && 'N' in cursor) cursorNumbers++;
        });
        key = page.lastEvaluatedKey;
      } while (key !== undefined);
    }
    expect(seen.size).toBe(awkwardItems.length + 300);
    expect([...seen.values()].every((n) => n === 1)).toBe(true);
    expect(cursorNumbers).toBe(150);
    expect(units).toBeGreaterThan(0);
  });

  it('filters with expression names and values given in wire form; consistent reads cost double', async () => {
    const request = {
      TableName: table,
      FilterExpression: '#n >= :min',
      ExpressionAttributeNames: { '#n': 'n' },
      ExpressionAttributeValues: { ':min': { N: '290' } },
    };
    const eventual = await scanner.scan(request);
    const consistent = await scanner.scan({ ...request, ConsistentRead: true });
    expect(eventual.records).toHaveLength(10);
    expect(eventual.scannedCount).toBe(awkwardItems.length + 300);
    expect(consistent.consumedCapacity).toBeCloseTo((eventual.consumedCapacity ?? NaN) * 2, 5);
  });

  it('fails like the SDK: a missing table is ResourceNotFoundException with its HTTP status', async () => {
    const err = await scanner.scan({ TableName: uniqueName('missing') }).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'ResourceNotFoundException', $metadata: { httpStatusCode: 400 } });
    expect(toConnectorError(err, 'dynamodb:Scan', 'table x').failureType).toBe('config_error');
    const sdkErr = await client.send(new ScanCommand({ TableName: uniqueName('missing') })).catch((e: unknown) => e);
    expect((err as Error).name).toBe((sdkErr as Error).name);
  });

  it('classifies throttling, server errors, dropped connections and access denied as the retry and error code expect', async () => {
    proxy.setRules([
      { fault: 'throttle', operation: 'Scan', count: 1 },
      { fault: 'serverError', operation: 'Scan', count: 1 },
      { fault: 'dropMidResponse', operation: 'Scan', count: 1 },
      { fault: 'drop', operation: 'Scan', count: 1 },
      { fault: 'deny', operation: 'Scan', count: 1 },
    ]);
    const attempt = () => proxiedScanner.scan({ TableName: table, Limit: 50 }).catch((e: unknown) => e);
    const throttled = await attempt();
    expect(throttled).toMatchObject({ name: 'ProvisionedThroughputExceededException', $metadata: { httpStatusCode: 400 } });
    expect(isThrottling(throttled)).toBe(true);
    const serverError = await attempt();
    expect(serverError).toMatchObject({ name: 'InternalServerError', $metadata: { httpStatusCode: 500 } });
    expect(isRetryable(serverError)).toBe(true);
    const cut = await attempt();
    expect(cut).toBeInstanceOf(Error);
    expect(isRetryable(cut)).toBe(true);
    const dropped = await attempt();
    expect(dropped).toBeInstanceOf(Error);
    expect(isRetryable(dropped)).toBe(true);
    const denied = await attempt();
    expect(denied).toMatchObject({ name: 'AccessDeniedException' });
    expect(isRetryable(denied)).toBe(false);
    expect(toConnectorError(denied, 'dynamodb:Scan', `table ${table}`).message).toMatch(/^Access denied: dynamodb:Scan/);
    // And after the faults, the same scanner (and its kept-alive sockets) still reads a whole page.
    const page = await proxiedScanner.scan({ TableName: table, Limit: 50 });
    expect(page.records).toHaveLength(50);
  });
});
