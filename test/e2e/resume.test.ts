// Resumable reads: the process is killed at many points; each next read gets the last STATE printed; the union of
// all records must be the table, with duplicates bounded by the pages in flight at each kill.
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { fullRefreshCatalog, jsonFile, parseLine, numbersAsText } from '../support/cli.js';
import { connectorConfig, createTable, putItems, testClient, uniqueName } from '../support/dynamo.js';
import { lastStateOf, readUntil } from '../support/killable.js';
import { protocolViolations } from '../support/protocol.js';

const endpoint = inject('ddbEndpoint');
const client = testClient(endpoint);
const PAGE_SIZE = 25;
const CONCURRENCY = 4;

async function syncWithKills(table: string, catalog: object, killAfter: number[], config: Record<string, unknown>, initialState?: unknown) {
  const configPath = jsonFile(connectorConfig(endpoint, { page_size: PAGE_SIZE, read_concurrency: CONCURRENCY, checkpoint_interval_seconds: 0, ...config }));
  const catalogPath = jsonFile(catalog);
  let state = initialState;
  const all: any[] = [];
  let kills = 0;
  const plan = [...killAfter, Infinity];
  for (const after of plan) {
    const args = ['read', '--config', configPath, '--catalog', catalogPath, ...(state ? ['--state', jsonFile(state)] : [])];
    const run = await readUntil(args, after, 'SIGKILL');
    const messages = run.lines.map(parseLine);
    expect(protocolViolations(messages)).toEqual([]);
    all.push(...messages.filter((m) => m.type === 'RECORD').map((m) => numbersAsText(m.record.data)));
    if (run.signal === 'SIGKILL') kills++;
    else {
      expect(run.code).toBe(0);
      return { records: all, kills, finalState: lastStateOf(run.lines) };
    }
    state = lastStateOf(run.lines) ?? state;
  }
  throw new Error('unreachable');
}


function expectUnionIsTable(records: any[], expectedKeys: string[], kills: number) {
  const keys = records.map((r) => `${r.pk}|${r.sk}`);
  expect(new Set(keys)).toEqual(new Set(expectedKeys));
  const duplicates = keys.length - new Set(keys).size;
  expect(duplicates).toBeLessThanOrEqual(kills * PAGE_SIZE * CONCURRENCY);
}

describe('resumable full refresh', () => {
  const table = uniqueName('resume');
  const ITEMS = 3000;
  const expectedKeys = Array.from({ length: ITEMS }, (_, i) => `p${i % 97}|${i}`);

  beforeAll(async () => {
    await createTable(client, table, { hash: ['pk', 'S'], range: ['sk', 'N'] });
    await putItems(client, table, Array.from({ length: ITEMS }, (_, i) => ({ pk: { S: `p${i % 97}` }, sk: { N: String(i) }, pad: { S: 'x'.repeat(200) } })));
  });

  it('loses nothing when SIGKILLed at 5 points, reading one segment', async () => {
    const out = await syncWithKills(table, fullRefreshCatalog(table), [1, 300, 400, 350, 500], { scan_segments: 1 });
    expect(out.kills).toBeGreaterThanOrEqual(5);
    expectUnionIsTable(out.records, expectedKeys, out.kills);
  });

  it('loses nothing when SIGKILLed at 6 points, reading 9 segments, and freezes TotalSegments', async () => {
    // The config's segment count changes between runs: a resumed scan must keep the one it started with.
    const out = await syncWithKills(table, fullRefreshCatalog(table), [50, 400, 300, 250, 500, 350], { scan_segments: 9 });
    expect(out.kills).toBeGreaterThanOrEqual(5);
    expectUnionIsTable(out.records, expectedKeys, out.kills);
    const resumedState = out.finalState![0].state.stream.stream_state;
    expect(resumedState.scan).toBeNull();
  });

  it('keeps the stored TotalSegments when the config asks for another number', async () => {
    const first = await readUntil(
      ['read', '--config', jsonFile(connectorConfig(endpoint, { page_size: PAGE_SIZE, scan_segments: 6, checkpoint_interval_seconds: 0 })), '--catalog', jsonFile(fullRefreshCatalog(table))],
      400,
      'SIGKILL',
    );
    const state = lastStateOf(first.lines)!;
    expect(state[0].state.stream.stream_state.scan.total_segments).toBe(6);
    const resumed = await readUntil(
      ['read', '--config', jsonFile(connectorConfig(endpoint, { page_size: PAGE_SIZE, scan_segments: 2, checkpoint_interval_seconds: 0 })), '--catalog', jsonFile(fullRefreshCatalog(table)), '--state', jsonFile(state)],
      60,
      'SIGKILL',
    );
    const resumedState = lastStateOf(resumed.lines)!;
    expect(resumedState[0].state.stream.stream_state.scan.total_segments).toBe(6);
  });

  it('starts a new scan after a finished full refresh', async () => {
    const out = await syncWithKills(table, fullRefreshCatalog(table), [], { scan_segments: 2 });
    const again = await syncWithKills(table, fullRefreshCatalog(table), [], { scan_segments: 2 }, out.finalState);
    expect(again.records).toHaveLength(ITEMS);
  });

  it('on SIGTERM stops, writes a final STATE covering every record, and exits non-zero; the next read resumes', async () => {
    const configPath = jsonFile(connectorConfig(endpoint, { page_size: PAGE_SIZE, scan_segments: 4, checkpoint_interval_seconds: 3600, checkpoint_records: 1_000_000 }));
    const run = await readUntil(['read', '--config', configPath, '--catalog', jsonFile(fullRefreshCatalog(table))], 500, 'SIGTERM');
    expect(run.signal).toBeNull();
    expect(run.code).not.toBe(0);
    const messages = run.lines.map(parseLine);
    const lastRecord = messages.findLastIndex((m) => m.type === 'RECORD');
    const lastState = messages.findLastIndex((m) => m.type === 'STATE');
    expect(lastState).toBeGreaterThan(lastRecord); // checkpoints were switched off: this STATE is the one SIGTERM wrote
    const statuses = messages.filter((m) => m.type === 'TRACE' && m.trace.type === 'STREAM_STATUS').map((m) => m.trace.stream_status.status);
    expect(statuses[statuses.length - 1]).toBe('INCOMPLETE');
    const error = messages.find((m) => m.type === 'TRACE' && m.trace.type === 'ERROR');
    expect(error.trace.error.failure_type).toBe('transient_error');

    const first = messages.filter((m) => m.type === 'RECORD').map((m) => numbersAsText(m.record.data));
    const rest = await syncWithKills(table, fullRefreshCatalog(table), [], {}, [JSON.parse(run.lines[lastState]!)]);
    // The final STATE covers exactly what was written before it: no duplicates at all.
    const keys = [...first, ...rest.records].map((r) => `${r.pk}|${r.sk}`);
    expect(keys).toHaveLength(ITEMS);
    expect(new Set(keys)).toEqual(new Set(expectedKeys));
  });
});

describe('resumable incremental scan', () => {
  it('keeps its lower bound across SIGKILLs and commits the cursor only at the end', async () => {
    const table = uniqueName('resume_inc');
    await createTable(client, table, { hash: ['pk', 'S'], range: ['sk', 'N'] });
    await putItems(client, table, Array.from({ length: 1500 }, (_, i) => ({ pk: { S: `p${i % 31}` }, sk: { N: String(i) }, v: { N: '1' } })));
    const catalog = {
      streams: [{ stream: { name: table, json_schema: {}, supported_sync_modes: ['incremental'] }, sync_mode: 'incremental', cursor_field: ['v'], destination_sync_mode: 'append' }],
    };
    const first = await syncWithKills(table, catalog, [], { scan_segments: 3 });
    expect(first.finalState![0].state.stream.stream_state.cursor.value).toEqual({ N: '1' });

    // Every third item moves to v=2 or v=3; the resumed scans must still filter on v > 1.
    const updated = Array.from({ length: 500 }, (_, j) => j * 3).map((i) => ({ pk: { S: `p${i % 31}` }, sk: { N: String(i) }, v: { N: i % 2 ? '3' : '2' } }));
    await putItems(client, table, updated);
    const second = await syncWithKills(table, catalog, [40, 150, 260, 330, 420], { scan_segments: 5 }, first.finalState);
    expect(second.kills).toBeGreaterThanOrEqual(3);
    expectUnionIsTable(second.records, updated.map((u) => `${u.pk.S}|${u.sk.N}`), second.kills);
    expect(second.finalState![0].state.stream.stream_state.cursor.value).toEqual({ N: '3' });
  });
});
