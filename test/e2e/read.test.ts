// read end to end through the built CLI against DynamoDB Local: every value exact, on one and many segments,
// with the message lifecycle a destination relies on.
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { read, serializeMessage, type Message } from '../../src/index.js';
import { fullRefreshCatalog, jsonFile, numbersAsText, ofType, parseLine, records, runCli, traces } from '../support/cli.js';
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

  it('as a library: read() yields one RECORD message per item, serialized exactly as the CLI writes them', async () => {
    const messages: Message[] = [];
    for await (const message of read(connectorConfig(endpoint, { scan_segments: 3 }), fullRefreshCatalog(table))) messages.push(message);
    const recordMessages = messages.filter((m) => m.type === 'RECORD');
    expect(recordMessages).toHaveLength(items.length);
    const data = recordMessages.map((m) => numbersAsText(parseLine(serializeMessage(m)).record.data)).sort(byKey);
    expect(data).toEqual(items.map((x) => x.expected).sort(byKey));
    expect(messages.at(-1)).toMatchObject({ type: 'TRACE', trace: { type: 'STREAM_STATUS', stream_status: { status: 'COMPLETE' } } });
  });
});

describe('excluded_attributes in Airbyte mode', () => {
  const table = uniqueName('pii_users');
  const otherTable = uniqueName('orders_pii');

  beforeAll(async () => {
    for (const t of [table, otherTable]) {
      await createTable(client, t, { hash: ['id', 'S'] });
      await putItems(client, t, Array.from({ length: 30 }, (_, i) => ({ id: { S: `u${i}` }, email: { S: `u${i}@example.com` }, 'ssn no.': { S: `${i}` }, name: { S: `n${i}` } })));
    }
  });

  it('never leave the connector: not in the discovered schema, not in any record; other tables keep them', async () => {
    const config = jsonFile(
      connectorConfig(endpoint, { include_tables: [table, otherTable], excluded_attributes: [{ tables: 'pii_*', attributes: ['email', 'ssn no.'] }] }),
    );
    const discovered = await runCli(['discover', '--config', config]);
    expect(discovered.code).toBe(0);
    const streams = ofType(discovered.messages, 'CATALOG')[0].catalog.streams;
    const schemaOf = (name: string) => Object.keys(streams.find((s: any) => s.name === name).json_schema.properties);
    expect(schemaOf(table)).toEqual(['id', 'name']);
    expect(schemaOf(otherTable)).toEqual(expect.arrayContaining(['email', 'ssn no.']));

    const result = await runCli(['read', '--config', config, '--catalog', jsonFile(fullRefreshCatalog(table, otherTable))]);
    expect(result.code).toBe(0);
    expect(protocolViolations(result.messages)).toEqual([]);
    const piiRecords = records(result.messages, table);
    expect(piiRecords).toHaveLength(30);
    for (const r of piiRecords) expect(Object.keys(r).sort()).toEqual(['id', 'name']);
    expect(result.lines.filter((l) => l.includes('@example.com') && l.includes(table))).toEqual([]);
    expect(records(result.messages, otherTable).every((r: any) => r.email !== undefined && r['ssn no.'] !== undefined)).toBe(true);
  });

  it('a key attribute cannot be excluded: config_error naming it', async () => {
    const config = jsonFile(connectorConfig(endpoint, { include_tables: [table], excluded_attributes: [{ tables: table, attributes: ['id'] }] }));
    const result = await runCli(['read', '--config', config, '--catalog', jsonFile(fullRefreshCatalog(table))]);
    expect(result.code).not.toBe(0);
    const errors = traces(result.messages, 'ERROR');
    expect(errors[0].error.failure_type).toBe('config_error');
    expect(errors[0].error.message).toContain('id');
    expect(records(result.messages, table)).toEqual([]);
  });
});
