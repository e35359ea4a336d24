// read end to end through the built CLI against DynamoDB Local: every value exact, on one and many segments,
// with the message lifecycle a destination relies on.
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { fullRefreshCatalog, jsonFile, ofType, records, runCli, traces } from '../support/cli.js';
import { connectorConfig, createTable, putItems, testClient, uniqueName } from '../support/dynamo.js';
import { protocolViolations } from '../support/protocol.js';

const endpoint = inject('ddbEndpoint');
const client = testClient(endpoint);


/** Items covering every attribute type, with the JSON each must become. */
function richItem(i: number): { item: Record<string, AttributeValue>; expected: Record<string, unknown> } {
  const bytes = new Uint8Array([i % 256, 0, 255, 128]);
  const b64 = Buffer.from(bytes).toString('base64');
  const big = `${i + 1}2345678901234567890123456789012345678901`.slice(0, 38);
  return {
    item: {
      pk: { S: `item-${i}` },
      sk: { N: String(i) },
      big: { N: big },
      neg_fraction: { N: '-0.000000000000000000000000000000000001' },
      decimal: { N: '12345678901234567890.123456789012345678' },
      text: { S: 'héllo "quoted" \\ \n ✓ 𝄞' },
      bin: { B: bytes },
      flag: { BOOL: i % 2 === 0 },
      nothing: { NULL: true },
      ss: { SS: ['a', 'b'] },
      ns: { NS: ['1', '99999999999999999999999999999999999999'] },
      bs: { BS: [bytes] },
      list: { L: [{ S: 'x' }, { N: '1.5' }, { NULL: true }, { M: { deep: { N: '7' } } }] },
      map: { M: { inner: { M: { n: { N: '10000000000000000000000000000000000001' } } }, bool: { BOOL: false } } },
      'select': { S: 'reserved word' },
      'a.b c#d': { S: 'dots, spaces and hash' },
      'ünïcødé': { S: 'unicode name' },
    },
    expected: {
      pk: `item-${i}`,
      sk: String(i),
      big,
      neg_fraction: '-0.000000000000000000000000000000000001',
      decimal: '12345678901234567890.123456789012345678',
      text: 'héllo "quoted" \\ \n ✓ 𝄞',
      bin: b64,
      flag: i % 2 === 0,
      nothing: null,
      ss: ['a', 'b'],
      ns: ['1', '99999999999999999999999999999999999999'],
      bs: [b64],
      list: ['x', '1.5', null, { deep: '7' }],
      map: { inner: { n: '10000000000000000000000000000000000001' }, bool: false },
      'select': 'reserved word',
      'a.b c#d': 'dots, spaces and hash',
      'ünïcødé': 'unicode name',
    },
  };
}

const byKey = (a: any, b: any) => (a.pk < b.pk ? -1 : a.pk > b.pk ? 1 : 0);

describe('read (full refresh)', () => {
  const table = uniqueName('rich');
  const items = Array.from({ length: 300 }, (_, i) => richItem(i));

  beforeAll(async () => {
    await createTable(client, table, { hash: ['pk', 'S'], range: ['sk', 'N'] });
    await putItems(client, table, items.map((x) => x.item));
  });

  it.each([1, 7])('returns exactly the items written, every value exact, with %i segment(s)', async (segments) => {
    const result = await runCli([
      'read',
      '--config', jsonFile(connectorConfig(endpoint, { scan_segments: segments, page_size: 40 })),
      '--catalog', jsonFile(fullRefreshCatalog(table), 'catalog.txt'),
    ]);
    expect(result.stderr).not.toMatch(/^\s+at /m);
    expect(result.code).toBe(0);
    expect(protocolViolations(result.messages)).toEqual([]);
    const got = records(result.messages, table).sort(byKey);
    expect(got).toEqual(items.map((x) => x.expected).sort(byKey));
    // Numbers are JSON numbers, not strings: the raw text holds them unquoted with every digit.
    expect(result.lines.some((l) => l.includes('"ns":[1,99999999999999999999999999999999999999]'))).toBe(true);

    const statuses = traces(result.messages, 'STREAM_STATUS').map((t) => t.stream_status.status);
    expect(statuses).toEqual(['STARTED', 'RUNNING', 'COMPLETE']);
    const estimate = traces(result.messages, 'ESTIMATE')[0];
    expect(estimate.estimate).toMatchObject({ name: table, type: 'STREAM' });
    const states = ofType(result.messages, 'STATE');
    expect(states.length).toBeGreaterThanOrEqual(1);
    for (const s of states) expect(s.state.type).toBe('STREAM');
    const last = states[states.length - 1].state;
    expect(last.stream.stream_descriptor).toEqual({ name: table });
    expect(last.stream.stream_state).toMatchObject({ version: expect.anything(), sync_mode: 'full_refresh', scan: null });
    const counted = states.reduce((n: number, s: any) => n + Number(s.state.sourceStats.recordCount.value), 0);
    expect(counted).toBe(items.length);
    // The STATE that completes the stream comes after the last record and before COMPLETE.
    const lastRecord = result.messages.findLastIndex((m) => m.type === 'RECORD');
    const lastState = result.messages.findLastIndex((m) => m.type === 'STATE');
    const complete = result.messages.findIndex((m) => m.type === 'TRACE' && m.trace.stream_status?.status === 'COMPLETE');
    expect(lastRecord).toBeLessThan(lastState);
    expect(lastState).toBeLessThan(complete);
  });
});
