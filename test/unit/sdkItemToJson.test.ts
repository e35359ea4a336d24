import { describe, expect, it } from 'vitest';
import { itemToJson, valueToJson } from '../support/sdkItemToJson.js';
import { isWireKey, keyToWire, wireToKey } from '../../src/convert/keyCodec.js';

describe('valueToJson', () => {
  it('writes every DynamoDB type as exact JSON text', () => {
    expect(valueToJson({ S: 'a"b\n' })).toBe('"a\\"b\\n"');
    expect(valueToJson({ N: '99999999999999999999999999999999999999' })).toBe('99999999999999999999999999999999999999');
    expect(valueToJson({ BOOL: false })).toBe('false');
    expect(valueToJson({ NULL: true })).toBe('null');
    expect(valueToJson({ B: new Uint8Array([0, 255, 1]) })).toBe('"AP8B"');
    expect(valueToJson({ SS: ['x', 'y'] })).toBe('["x","y"]');
    expect(valueToJson({ NS: ['1', '2.5'] })).toBe('[1,2.5]');
    expect(valueToJson({ BS: [new Uint8Array([1]), new Uint8Array([2])] })).toBe('["AQ==","Ag=="]');
    expect(valueToJson({ L: [{ S: 'a' }, { L: [] }, { M: {} }] })).toBe('["a",[],{}]');
    expect(valueToJson({ M: { 'a.b': { N: '1' }, '#x y': { NULL: true } } })).toBe('{"a.b":1,"#x y":null}');
  });

  it('encodes a Uint8Array view of a larger buffer by its own bytes only', () => {
    const backing = new Uint8Array([9, 9, 1, 2, 3, 9]);
    expect(valueToJson({ B: backing.subarray(2, 5) })).toBe('"AQID"');
  });

  it('produces text that parses back to the same structure', () => {
    const text = itemToJson({ a: { S: 'x' }, n: { N: '-1.25' }, m: { M: { l: { L: [{ BOOL: true }] } } } });
    expect(JSON.parse(text)).toEqual({ a: 'x', n: -1.25, m: { l: [true] } });
  });

  it('refuses an attribute value of no known type rather than writing {}', () => {
    expect(() => valueToJson({} as never)).toThrow(/Unsupported attribute value/);
  });
});

describe('key codec', () => {
  it('round-trips S, N and B keys exactly through JSON', () => {
    const key = { pk: { B: new Uint8Array([0, 1, 254]) }, sk: { N: '12345678901234567890123456789012345678' }, s: { S: 'é' } };
    const wire = JSON.parse(JSON.stringify(keyToWire(key)));
    expect(isWireKey(wire)).toBe(true);
    expect(wireToKey(wire)).toEqual(key);
  });

  it('rejects malformed keys', () => {
    expect(isWireKey({ pk: { S: 1 } })).toBe(false);
    expect(isWireKey({ pk: { S: 'a', N: '1' } })).toBe(false);
    expect(isWireKey([])).toBe(false);
    expect(isWireKey({ pk: { M: {} } })).toBe(false);
  });
});
