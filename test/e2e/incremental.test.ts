// Incremental sync by a user-chosen cursor, end to end: string and 38-digit number cursors, two sequential syncs,
// items without the cursor, a cursor far in the future.
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { describe, expect, inject, it } from 'vitest';
import { jsonFile, ofType, records, runCli } from '../support/cli.js';
import { connectorConfig, createTable, putItems, testClient, uniqueName } from '../support/dynamo.js';
import { protocolViolations } from '../support/protocol.js';

const endpoint = inject('ddbEndpoint');
const client = testClient(endpoint);

const incrementalCatalog = (name: string, cursor: string) => ({
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

async function sync(table: string, cursor: string, state?: unknown, config: Record<string, unknown> = {}) {
  const args = ['read', '--config', jsonFile(connectorConfig(endpoint, { scan_segments: 3, page_size: 7, ...config })), '--catalog', jsonFile(incrementalCatalog(table, cursor))];
  if (state !== undefined) args.push('--state', jsonFile(state));
  const result = await runCli(args);
  expect(protocolViolations(result.messages)).toEqual([]);
  expect(result.code).toBe(0);
  const stateLines = result.lines.filter((l) => l.startsWith('{"type":"STATE"'));
  expect(stateLines.length).toBeGreaterThan(0);
  // What Airbyte would store and pass back: the last STATE message, verbatim.
  const lastState = [JSON.parse(stateLines[stateLines.length - 1]!)];
  return { result, records: records(result.messages, table), lastState, streamState: lastState[0].state.stream.stream_state };
}

const keysOf = (rows: any[]) => rows.map((r) => r.pk).sort();

describe('incremental by cursor', () => {
  it('string cursor (ISO-8601): the second sync returns only items written or updated after the first', async () => {
    const table = uniqueName('inc_str');
    await createTable(client, table, { hash: ['pk', 'S'] });
    const at = (i: number) => `2026-01-01T00:00:${String(i).padStart(2, '0')}Z`;
    await putItems(client, table, [
      ...Array.from({ length: 40 }, (_, i) => ({ pk: { S: `a${i}` }, updated_at: { S: at(i) } })),
      { pk: { S: 'no_cursor' }, other: { S: 'x' } },
    ]);

    const first = await sync(table, 'updated_at');
    expect(keysOf(first.records)).toHaveLength(41); // the first sync reads everything, even items without the cursor
    expect(first.streamState.cursor).toEqual({ field: 'updated_at', value: { S: at(39) } });
    expect(first.streamState.scan).toBeNull();

    await putItems(client, table, [
      { pk: { S: 'a3' }, updated_at: { S: '2026-02-01T00:00:00Z' } }, // updated
      { pk: { S: 'new1' }, updated_at: { S: '2026-02-02T00:00:00Z' } }, // inserted
      { pk: { S: 'old' }, updated_at: { S: '2025-12-31T00:00:00Z' } }, // written now, but with an older cursor
      { pk: { S: 'no_cursor2' }, other: { S: 'y' } },
    ]);
    const second = await sync(table, 'updated_at', first.lastState);
    expect(keysOf(second.records)).toEqual(['a3', 'new1']);
    expect(second.streamState.cursor.value).toEqual({ S: '2026-02-02T00:00:00Z' });

    const third = await sync(table, 'updated_at', second.lastState);
    expect(third.records).toEqual([]);
    expect(third.streamState.cursor.value).toEqual({ S: '2026-02-02T00:00:00Z' });
  });

  it('38-digit number cursor compares exactly, beyond what a double can tell apart', async () => {
    const table = uniqueName('inc_num');
    await createTable(client, table, { hash: ['pk', 'S'] });
    const base = '1234567890123456789012345678901234567'; // 37 digits, ×10 + i gives 38
    const version = (i: number) => `${base}${i}`;
    expect(Number(version(1))).toBe(Number(version(2)));
    await putItems(client, table, Array.from({ length: 5 }, (_, i) => ({ pk: { S: `n${i}` }, version: { N: version(i) } })));

    const first = await sync(table, 'version');
    expect(first.records).toHaveLength(5);
    expect(first.streamState.cursor).toEqual({ field: 'version', value: { N: version(4) } });

    await putItems(client, table, [{ pk: { S: 'n2' }, version: { N: version(5) } }]);
    const second = await sync(table, 'version', first.lastState);
    expect(second.records).toEqual([{ pk: 'n2', version: version(5) }]);
    expect(second.streamState.cursor.value).toEqual({ N: version(5) });
  });

  it('epoch-millis number cursor and a bare per-stream state object', async () => {
    const table = uniqueName('inc_epoch');
    await createTable(client, table, { hash: ['pk', 'S'] });
    await putItems(client, table, Array.from({ length: 20 }, (_, i) => ({ pk: { S: `e${i}` }, ts: { N: String(1_700_000_000_000 + i) } })));
    const first = await sync(table, 'ts');
    await putItems(client, table, [{ pk: { S: 'e5' }, ts: { N: '1800000000000' } }]);
    const second = await sync(table, 'ts', { [table]: first.streamState });
    expect(keysOf(second.records)).toEqual(['e5']);
  });

  it('a cursor far in the future (abnormal state) gives zero records and a STATE', async () => {
    const table = uniqueName('inc_future');
    await createTable(client, table, { hash: ['pk', 'S'] });
    await putItems(client, table, Array.from({ length: 10 }, (_, i) => ({ pk: { S: `f${i}` }, updated_at: { S: `2026-01-0${i % 9 + 1}` } })));
    const abnormal = [
      {
        type: 'STATE',
        state: {
          type: 'STREAM',
          stream: {
            stream_descriptor: { name: table },
            stream_state: { version: 1, sync_mode: 'incremental', scan: null, cursor: { field: 'updated_at', value: { S: '9999-12-31T23:59:59Z' } } },
          },
        },
      },
    ];
    const out = await sync(table, 'updated_at', abnormal);
    expect(out.records).toEqual([]);
    expect(ofType(out.result.messages, 'STATE').length).toBeGreaterThan(0);
    expect(out.streamState.cursor.value).toEqual({ S: '9999-12-31T23:59:59Z' });
  });

  it('emits items whose cursor has another type without moving the cursor, and says so', async () => {
    const table = uniqueName('inc_mixed');
    await createTable(client, table, { hash: ['pk', 'S'] });
    await putItems(client, table, [
      { pk: { S: 'a' }, c: { S: '2026-01-01' } },
      { pk: { S: 'b' }, c: { S: '2026-01-02' } },
      { pk: { S: 'c' }, c: { N: '5' } },
    ]);
    const first = await sync(table, 'c', undefined, { scan_segments: 1 });
    expect(first.records).toHaveLength(3);
    const warnings = ofType(first.result.messages, 'LOG').filter((m) => m.log.level === 'WARN').map((m) => m.log.message);
    expect(warnings.some((w) => /another type than the cursor/.test(w))).toBe(true);
    expect(['S', 'N']).toContain(Object.keys(first.streamState.cursor.value)[0]);
  });

  it('refuses a state written by another sync mode, naming the stream', async () => {
    const table = uniqueName('inc_mode');
    await createTable(client, table, { hash: ['pk', 'S'] });
    const state = { [table]: { version: 1, sync_mode: 'full_refresh', scan: null, cursor: null } };
    const args = ['read', '--config', jsonFile(connectorConfig(endpoint)), '--catalog', jsonFile(incrementalCatalog(table, 'x')), '--state', jsonFile(state)];
    const result = await runCli(args);
    expect(result.code).not.toBe(0);
    const error = ofType(result.messages, 'TRACE').find((m) => m.trace.type === 'ERROR').trace.error;
    expect(error.failure_type).toBe('config_error');
    expect(error.message).toContain(table);
    expect(error.message).toMatch(/[Rr]eset/);
    expect(ofType(result.messages, 'RECORD')).toEqual([]);
  });
});
