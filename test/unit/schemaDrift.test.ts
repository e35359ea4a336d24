import { describe, expect, it } from 'vitest';
import { Kind, scanMembers } from '../../src/pipeline/recordMembers.js';
import { allowedKinds, describeDrift, SchemaDrift, widenSchema } from '../../src/pipeline/schemaDrift.js';

const members = (text: string) => {
  const out: [string, string][] = [];
  const names = new Map<number, string>([[Kind.String, 'string'], [Kind.Integer, 'integer'], [Kind.Number, 'number'], [Kind.Boolean, 'boolean'], [Kind.Null, 'null'], [Kind.Object, 'object'], [Kind.Array, 'array']]);
  scanMembers(text, (name, kind) => out.push([name, names.get(kind)!]));
  return out;
};

describe('scanMembers', () => {
  it('names each top-level member with the kind of its value, skipping nested values whole', () => {
    const text = JSON.stringify({ s: 'a "quoted" } ] , value\\', i: -42, f: 1.5, e: 1e21, b: true, c: false, n: null, o: { x: [1, { y: '}' }] }, a: [[], {}, '"'] });
    expect(members(text)).toEqual([
      ['s', 'string'], ['i', 'integer'], ['f', 'number'], ['e', 'number'], ['b', 'boolean'], ['c', 'boolean'], ['n', 'null'], ['o', 'object'], ['a', 'array'],
    ]);
  });

  it('tells 64-bit integers from larger whole numbers by their digits', () => {
    expect(members('{"max":9223372036854775807,"over":9223372036854775808,"min":-9223372036854775808,"under":-9223372036854775809,"big":12345678901234567890123456789012345678}')).toEqual([
      ['max', 'integer'], ['over', 'number'], ['min', 'integer'], ['under', 'number'], ['big', 'number'],
    ]);
  });

  it('decodes names with escapes, and takes any name as data', () => {
    const text = String.raw`{"__proto__":1,"constructor":"x","0":true,"a\"b":null,"line\nbreak":[],"ünï\u0001":{},"\\":"x","\u0041":1}`;
    expect(members(text).map(([n]) => n)).toEqual(['__proto__', 'constructor', '0', 'a"b', 'line\nbreak', 'ünï\u0001', '\\', 'A']);
    expect(members('{ "a" : 1 , "b" :"x" }')).toEqual([['a', 'integer'], ['b', 'string']]);
    expect(members('{}')).toEqual([]);
  });
});

describe('SchemaDrift', () => {
  const schema = { type: 'object', properties: { pk: { type: 'string' }, n: { type: ['integer', 'null'] }, price: { type: ['number', 'null'] }, tags: { type: ['array', 'null'], items: { type: 'string' } }, any: {} } };

  it('accepts records the schema allows, announces each new attribute or kind once, and counts every record', () => {
    const drift = new SchemaDrift(schema, ['_sdc_cursor']);
    expect(drift.check(['{"pk":"a","n":1,"price":2,"tags":["x"],"any":{"z":1},"_sdc_cursor":"1"}', '{"pk":"b","n":null,"price":1.5}'])).toBeUndefined();
    expect(drift.summary()).toBeUndefined();
    const page = ['{"pk":"c","n":2}', '{"pk":"d","color":"red","price":"n/a"}', '{"pk":"e","color":"blue"}', '{"pk":"f","n":1.5,"color":7}', '{"pk":"g","__proto__":1}'];
    expect(drift.check(page)).toEqual([
      { index: 1, changes: [{ attribute: 'color', kinds: Kind.String, inSchema: false }, { attribute: 'price', kinds: Kind.String, inSchema: true }] },
      { index: 3, changes: [{ attribute: 'n', kinds: Kind.Number, inSchema: true }, { attribute: 'color', kinds: Kind.Integer, inSchema: false }] },
      { index: 4, changes: [{ attribute: '__proto__', kinds: Kind.Integer, inSchema: false }] },
    ]);
    expect(drift.check(['{"pk":"h","color":"green","price":"?"}'])).toBeUndefined();
    expect(drift.summary()).toBe(
      '"__proto__" (not in the schema: integer in 1 record), "color" (not in the schema: string in 3 records, integer in 1 record), ' +
        '"n" (integer in the schema; number in 1 record), "price" (number in the schema; string in 2 records)',
    );
  });

  it('is off for a schema without properties', () => {
    expect(SchemaDrift.of({ type: 'object' })).toBeUndefined();
    expect(SchemaDrift.of(undefined)).toBeUndefined();
    expect(SchemaDrift.of(schema)).toBeInstanceOf(SchemaDrift);
  });

  it('reads allowed kinds from a property schema', () => {
    expect(allowedKinds({ type: 'number' })).toBe(Kind.Integer | Kind.Number);
    expect(allowedKinds({ type: ['string', 'null'] })).toBe(Kind.String | Kind.Null);
    expect(allowedKinds({})).toBe(127);
    expect(allowedKinds({ anyOf: [{ type: 'string' }] })).toBe(127);
  });
});

describe('widenSchema', () => {
  it('adds new attributes as nullable properties and widens known ones to the union', () => {
    const schema = { type: 'object', additionalProperties: true, properties: { pk: { type: 'string' }, n: { type: ['integer', 'null'] }, price: { type: ['number', 'null'] }, bin: { type: ['string', 'null'], contentEncoding: 'base64' } } };
    const widened = widenSchema(schema, [
      { attribute: 'color', kinds: Kind.String, inSchema: false },
      { attribute: 'count', kinds: Kind.Integer, inSchema: false },
      { attribute: 'dims', kinds: Kind.Object | Kind.Array, inSchema: false },
      { attribute: 'n', kinds: Kind.Number, inSchema: true },
      { attribute: 'price', kinds: Kind.String, inSchema: true },
      { attribute: 'bin', kinds: Kind.String, inSchema: true },
      { attribute: '__proto__', kinds: Kind.Boolean, inSchema: false },
    ]);
    expect(widened.additionalProperties).toBe(true);
    const properties = widened.properties as Record<string, unknown>;
    expect(properties.pk).toEqual({ type: 'string' });
    expect(properties.color).toEqual({ type: ['string', 'null'] });
    // A new attribute's whole numbers are declared number: fractions may follow.
    expect(properties.count).toEqual({ type: ['number', 'null'] });
    expect(properties.dims).toEqual({ type: ['null', 'object', 'array'], additionalProperties: true, items: {} });
    expect(properties.n).toEqual({ type: ['number', 'null'] });
    expect(properties.price).toEqual({ type: ['string', 'number', 'null'] });
    expect(properties.bin).toEqual({ type: ['string', 'null'] });
    expect(Object.keys(properties)).toContain('__proto__');
    expect(Object.getOwnPropertyDescriptor(properties, '__proto__')!.value).toEqual({ type: ['boolean', 'null'] });
    // The input is untouched.
    expect(Object.keys(schema.properties)).toEqual(['pk', 'n', 'price', 'bin']);
  });

  it('says what drifted', () => {
    expect(describeDrift([{ attribute: 'color', kinds: Kind.String, inSchema: false }, { attribute: 'price', kinds: Kind.String, inSchema: true }])).toBe(
      'attribute "color" (string) is not in the catalog\'s schema; attribute "price" holds string, which its schema type does not allow',
    );
  });
});

describe('SchemaDrift on escaped names', () => {
  it('never takes an escaped name for the name of the same text in the record before', () => {
    const drift = new SchemaDrift({ type: 'object', properties: { 'a\\n': { type: 'string' } } });
    // The first record's name is backslash + n; the second's is a + newline, written escaped.
    expect(drift.check([String.raw`{"a\\n":"x"}`])).toBeUndefined();
    expect(drift.check([String.raw`{"a\n":"x"}`])).toEqual([{ index: 0, changes: [{ attribute: 'a\n', kinds: Kind.String, inSchema: false }] }]);
    expect(drift.check([String.raw`{"a\\n":"x"}`, String.raw`{"a\\n":1}`])).toEqual([{ index: 1, changes: [{ attribute: 'a\\n', kinds: Kind.Integer, inSchema: true }] }]);
  });
});
