import { describe, expect, it } from 'vitest';
import { addAttributes, streamSchema, type Shape } from '../../src/discovery/inferSchema.js';
import { itemsResponseToTrees, type WireEntries } from '../../src/convert/wireTree.js';

/** SDK-style items (B as bytes) as the wire sends them, read back the way discover's sample reads them. */
function wireItems(items: Record<string, any>[]): WireEntries[] {
  const wire = JSON.stringify({ Items: items }, (_key, value: unknown) => (value instanceof Uint8Array ? Buffer.from(value).toString('base64') : value));
  return itemsResponseToTrees(wire).items;
}

const keys = { hashKey: 'pk', rangeKey: 'sk', types: { pk: 'S', sk: 'N' } as Record<string, 'S' | 'N' | 'B'> };

function infer(items: Record<string, any>[]) {
  const shapes = new Map<string, Shape>();
  for (const item of wireItems(items)) addAttributes(shapes, item);
  return streamSchema(keys, shapes) as any;
}

describe('schema inference', () => {
  it('types key attributes from the table definition and requires them', () => {
    const schema = infer([]);
    expect(schema.required).toEqual(['pk', 'sk']);
    expect(schema.properties.pk).toEqual({ type: 'string' });
    expect(schema.properties.sk).toEqual({ type: 'number' });
    expect(schema.additionalProperties).toBe(true);
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
  });

  it('maps each DynamoDB type and makes non-key attributes nullable', () => {
    const schema = infer([
      {
        pk: { S: 'a' }, sk: { N: '1' },
        s: { S: 'x' }, i: { N: '3' }, f: { N: '3.5' }, b: { B: new Uint8Array([1]) }, t: { BOOL: true }, z: { NULL: true },
        ss: { SS: ['a'] }, ns: { NS: ['1', '2'] }, bs: { BS: [new Uint8Array([1])] },
        l: { L: [{ S: 'a' }, { N: '1' }] }, m: { M: { x: { S: 'y' } } },
      },
    ]);
    const p = schema.properties;
    expect(p.s).toEqual({ type: ['string', 'null'] });
    expect(p.i).toEqual({ type: ['integer', 'null'] });
    expect(p.f).toEqual({ type: ['number', 'null'] });
    expect(p.b).toEqual({ type: ['string', 'null'], contentEncoding: 'base64' });
    expect(p.t).toEqual({ type: ['boolean', 'null'] });
    expect(p.z).toEqual({ type: 'null' });
    expect(p.ss).toEqual({ type: ['array', 'null'], items: { type: 'string' } });
    expect(p.ns).toEqual({ type: ['array', 'null'], items: { type: 'integer' } });
    expect(p.bs).toEqual({ type: ['array', 'null'], items: { type: 'string', contentEncoding: 'base64' } });
    expect(p.l).toEqual({ type: ['array', 'null'], items: { type: ['string', 'integer'] } });
    expect(p.m).toEqual({ type: ['object', 'null'], properties: { x: { type: ['string', 'null'] } }, additionalProperties: true });
  });

  it('merges mixed types and sparse attributes across items', () => {
    const schema = infer([
      { pk: { S: 'a' }, sk: { N: '1' }, v: { S: 'x' }, n: { N: '1' }, m: { M: { a: { N: '1' } } } },
      { pk: { S: 'b' }, sk: { N: '2' }, v: { N: '2' }, n: { N: '1.5' }, m: { M: { b: { BOOL: true } } }, sparse: { S: 'only here' } },
    ]);
    const p = schema.properties;
    expect(p.v).toEqual({ type: ['string', 'integer', 'null'] });
    expect(p.n).toEqual({ type: ['number', 'null'] });
    expect(p.m.properties).toEqual({ a: { type: ['integer', 'null'] }, b: { type: ['boolean', 'null'] } });
    expect(p.sparse).toEqual({ type: ['string', 'null'] });
    expect(Object.keys(p)).toEqual(['pk', 'sk', 'm', 'n', 'sparse', 'v']);
  });

  it('keeps the key type even when a sample would say otherwise', () => {
    const schema = infer([{ pk: { S: 'a' }, sk: { N: '1.5' } }]);
    expect(schema.properties.sk).toEqual({ type: 'number' });
  });

  it('gives an empty list an unconstrained item schema and a mixed S/B attribute plain string', () => {
    const schema = infer([
      { pk: { S: 'a' }, sk: { N: '1' }, l: { L: [] }, sb: { S: 'x' } },
      { pk: { S: 'b' }, sk: { N: '2' }, sb: { B: new Uint8Array([1]) } },
    ]);
    expect(schema.properties.l).toEqual({ type: ['array', 'null'], items: {} });
    expect(schema.properties.sb).toEqual({ type: ['string', 'null'] });
  });
});

describe('integers beyond 64 bits', () => {
  it('are typed number, so a BIGINT column never receives them', () => {
    const schema = infer([
      { pk: { S: 'a' }, sk: { N: '1' }, small: { N: '9223372036854775807' }, big: { N: '9223372036854775808' }, neg: { N: '-12345678901234567890123456789012345678' } },
    ]);
    const p = schema.properties as Record<string, unknown>;
    expect(p.small).toEqual({ type: ['integer', 'null'] });
    expect(p.big).toEqual({ type: ['number', 'null'] });
    expect(p.neg).toEqual({ type: ['number', 'null'] });
  });
});

describe('schema inference over awkward attribute names', () => {
  it('types `__proto__`, `constructor` and integer-like names, at the top and inside maps', () => {
    const wire = '{"Items":[{"pk":{"S":"a"},"sk":{"N":"1"},"__proto__":{"M":{"__proto__":{"N":"2"},"0":{"S":"z"}}},"constructor":{"BOOL":true},"01":{"NULL":true}}]}';
    const shapes = new Map<string, Shape>();
    for (const item of itemsResponseToTrees(wire).items) addAttributes(shapes, item);
    const schema = JSON.parse(JSON.stringify(streamSchema(keys, shapes))) as { properties: Record<string, any> };
    expect(Object.keys(schema.properties).sort()).toEqual(['01', '__proto__', 'constructor', 'pk', 'sk']);
    const proto = Object.getOwnPropertyDescriptor(schema.properties, '__proto__')?.value as { type: unknown; properties: object };
    expect(proto.type).toEqual(['object', 'null']);
    expect(Object.keys(proto.properties).sort()).toEqual(['0', '__proto__']);
    expect(Object.getOwnPropertyDescriptor(proto.properties, '__proto__')?.value).toEqual({ type: ['integer', 'null'] });
    expect(schema.properties.constructor).toEqual({ type: ['boolean', 'null'] });
  });
});
