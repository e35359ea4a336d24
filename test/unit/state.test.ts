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
