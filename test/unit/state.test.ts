import { describe, expect, it } from 'vitest';
import { ConnectorError } from '../../src/errors/ConnectorError.js';
import { parseStateInput } from '../../src/protocol/airbyte/stateInput.js';
import { parseStreamState } from '../../src/state/streamState.js';

const scanState = {
  version: 1,
  sync_mode: 'full_refresh',
  scan: { total_segments: 4, completed_segments: [[0, 1]], segment_positions: { 2: { pk: { B: 'AAE=' }, sk: { N: '12345678901234567890123456789012345678' } } }, cursor_lower_bound: null, max_cursor_seen: null },
  cursor: null,
  cdc: null,
};

function configErrorOf(fn: () => unknown): ConnectorError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConnectorError);
    expect((err as ConnectorError).failureType).toBe('config_error');
    return err as ConnectorError;
  }
  throw new Error('expected a config_error');
}

describe('parseStateInput', () => {
  it('reads a list of STREAM state messages, or their inner state objects', () => {
    const parsed = parseStateInput([
      { type: 'STATE', state: { type: 'STREAM', stream: { stream_descriptor: { name: 'a' }, stream_state: { x: 1 } } } },
      { type: 'STREAM', stream: { stream_descriptor: { name: 'b' }, stream_state: { y: 2 } } },
    ]);
    expect([...parsed.entries()]).toEqual([['a', { x: 1 }], ['b', { y: 2 }]]);
  });

  it('reads a bare {stream: state} object and an empty list', () => {
    expect(parseStateInput({ a: { x: 1 } }).get('a')).toEqual({ x: 1 });
    expect(parseStateInput([]).size).toBe(0);
    expect(parseStateInput(undefined).size).toBe(0);
  });

  it('refuses GLOBAL and LEGACY state and entries without a stream name', () => {
    expect(configErrorOf(() => parseStateInput([{ type: 'STATE', state: { type: 'GLOBAL', global: {} } }])).message).toMatch(/GLOBAL/);
    configErrorOf(() => parseStateInput([{ type: 'STATE', state: { data: {} } }]));
    configErrorOf(() => parseStateInput([{ type: 'STATE', state: { type: 'STREAM', stream: {} } }]));
    configErrorOf(() => parseStateInput('nope'));
  });
});

describe('parseStreamState', () => {
  it('accepts a well-formed scan state exactly as written', () => {
    expect(parseStreamState('orders', JSON.parse(JSON.stringify(scanState)), 'full_refresh')).toEqual(scanState);
  });

  it('accepts a CDC state and refuses a malformed shard entry', () => {
    const cdcState = {
      ...scanState,
      sync_mode: 'incremental',
      scan: null,
      cdc: { stream_arn: 'arn:aws:dynamodb:us-east-1:1:table/t/stream/x', generation: 0, snapshot_done: true, shards: { 'shardId-1': { parent: null, last_sequence: '000123', finished: false } } },
    };
    expect(parseStreamState('orders', cdcState, 'incremental')).toEqual(cdcState);
    const bad = { ...cdcState, cdc: { ...cdcState.cdc, shards: { 'shardId-1': { parent: null, last_sequence: 'x', finished: false } } } };
    expect(configErrorOf(() => parseStreamState('orders', bad, 'incremental')).message).toMatch(/shard shardId-1/);
    const counted = { ...cdcState, cdc: { ...cdcState.cdc, shards: { 'shardId-1': { parent: null, last_sequence: '000123', finished: false, empty_pages: 6 } } } };
    expect(parseStreamState('orders', counted, 'incremental')).toEqual(counted);
    const negative = { ...cdcState, cdc: { ...cdcState.cdc, shards: { 'shardId-1': { parent: null, last_sequence: '000123', finished: false, empty_pages: -1 } } } };
    expect(configErrorOf(() => parseStreamState('orders', negative, 'incremental')).message).toMatch(/shard shardId-1/);
  });

  it.each([
    ['an unknown version', { ...scanState, version: 2 }, /version 2/],
    ['another sync mode', scanState, /full_refresh.*incremental/],
    ['a non-object', 'garbage', /not a JSON object/],
    ['bad total_segments', { ...scanState, scan: { ...scanState.scan, total_segments: 0 } }, /total_segments/],
    ['overlapping ranges', { ...scanState, scan: { ...scanState.scan, completed_segments: [[0, 9]] } }, /completed_segments/],
    ['a position outside the scan', { ...scanState, scan: { ...scanState.scan, segment_positions: { 7: { pk: { S: 'x' } } } } }, /segment 7/],
    ['a malformed key', { ...scanState, scan: { ...scanState.scan, segment_positions: { 2: { pk: 'x' } } } }, /segment 2/],
    ['a malformed cursor', { ...scanState, sync_mode: 'incremental', cursor: { field: 'u', value: { N: 'abc' } } }, /cursor/],
  ])('refuses %s, naming the stream and what to do', (_what, blob, pattern) => {
    const mode = (blob as any)?.sync_mode === 'incremental' ? 'incremental' : _what === 'another sync mode' ? 'incremental' : 'full_refresh';
    const err = configErrorOf(() => parseStreamState('orders', blob, mode));
    expect(err.message).toMatch(pattern);
    expect(err.message).toContain('orders');
    expect(err.message).toMatch(/Reset/);
    expect(err.details.stream).toBe('orders');
  });
});

describe('parseStreamState: the export part', () => {
  const arn = 'arn:aws:dynamodb:us-east-1:123456789012:table/orders/export/01234567890123-a1b2c3d4';
  const fullExport = {
    export_arn: arn,
    kind: 'full',
    requested_at: '2026-11-24T10:00:01.250Z',
    export_time: '2026-11-24T10:00:00.000Z',
    window: null,
    file_count: 6,
    files_done: [[0, 1], [4, 4]],
    files_in_flight: { 2: 1500, 5: 0 },
  };
  const withExport = (part: unknown) => ({ ...scanState, scan: null, export: part });

  it('accepts a full export being read and keeps it exactly', () => {
    const state = withExport(fullExport);
    expect(parseStreamState('orders', JSON.parse(JSON.stringify(state)), 'full_refresh')).toEqual(state);
  });

  it('accepts an incremental export requested but not yet answered (no ARN, no manifest)', () => {
    const part = { export_arn: null, kind: 'incremental', requested_at: '2026-11-24T11:00:05Z', export_time: null, window: { from: '2026-11-24T10:00:00Z', to: '2026-11-24T11:00:00Z' }, file_count: null, files_done: [], files_in_flight: {} };
    const state = { ...withExport(part), sync_mode: 'incremental' };
    expect(parseStreamState('orders', state, 'incremental')).toEqual(state);
  });

  it('leaves the export part out of states that have none', () => {
    expect('export' in parseStreamState('orders', scanState, 'full_refresh')).toBe(false);
    expect('export' in parseStreamState('orders', { ...scanState, export: null }, 'full_refresh')).toBe(false);
  });

  it.each([
    ['an ARN that is not an export', { ...fullExport, export_arn: 'arn:aws:dynamodb:us-east-1:1:table/orders' }, /export_arn/],
    ['an unknown kind', { ...fullExport, kind: 'partial' }, /export.kind/],
    ['a full export with a malformed time', { ...fullExport, export_time: '2026-11-24 10:00' }, /export_time/],
    ['an export without its request time', { ...fullExport, requested_at: undefined }, /requested_at/],
    ['an incremental export with a reversed window', { ...fullExport, kind: 'incremental', export_time: null, window: { from: '2026-11-24T11:00:00Z', to: '2026-11-24T10:00:00Z' } }, /window/],
    ['done files beyond the manifest', { ...fullExport, files_done: [[0, 6]] }, /files_done/],
    ['a file both done and in flight', { ...fullExport, files_in_flight: { 1: 10 } }, /export file 1/],
    ['a negative line count', { ...fullExport, files_in_flight: { 3: -1 } }, /export file 3/],
    ['files listed before the manifest was read', { ...fullExport, file_count: null }, /before their manifest/],
  ])('refuses %s', (_what, part, pattern) => {
    const err = configErrorOf(() => parseStreamState('orders', withExport(part), 'full_refresh'));
    expect(err.message).toMatch(pattern);
    expect(err.message).toMatch(/Reset/);
  });
});

describe('parseStreamState: the query part (cursor_indexes)', () => {
  const queryState = {
    version: 1,
    sync_mode: 'incremental',
    scan: null,
    cursor: { field: 'updated_at', value: { S: '2026-12-02T10:00:00Z' } },
    cdc: null,
    query: {
      index: 'by_updated_at',
      partition_values: [{ S: 's0' }, { S: 's1' }, { S: 's2' }],
      lower_bound: { S: '2026-12-02T09:59:00Z' },
      completed: [[0, 0]],
      positions: { 2: { pk: { S: 'a' }, shard: { S: 's2' }, updated_at: { S: '2026-12-02T10:00:01Z' } } },
      max_cursor_seen: { S: '2026-12-02T10:00:05Z' },
    },
  };
  const withQuery = (query: Record<string, unknown>) => ({ ...queryState, query: { ...queryState.query, ...query } });

  it('accepts a pass of Queries in progress exactly as written', () => {
    expect(parseStreamState('orders', JSON.parse(JSON.stringify(queryState)), 'incremental')).toEqual(queryState);
  });

  it.each([
    [{ partition_values: [] }, /query.partition_values/],
    [{ lower_bound: { M: {} } }, /query.lower_bound/],
    [{ completed: [[0, 3]] }, /query.completed/],
    [{ positions: { 0: { pk: { S: 'a' } } } }, /query position for partition value 0/],
    [{ positions: { 7: { pk: { S: 'a' } } } }, /query position for partition value 7/],
    [{ index: '' }, /query.index/],
  ])('refuses a malformed query part %#', (query, pattern) => {
    const err = configErrorOf(() => parseStreamState('orders', withQuery(query), 'incremental'));
    expect(err.message).toMatch(pattern);
  });
});
