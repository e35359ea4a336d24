// Infers a JSON schema (draft-07) from sampled items. Each attribute accumulates a Shape — the set of DynamoDB
// types it was seen with — and shapes merge by union, so an attribute seen as S in one item and N in another
// becomes ["string","number"]. Items come as lists of [name, value] (convert/wireTree.ts) and shapes are Maps, so
// any attribute name is typed; the schema's `properties` objects are made without a prototype, so a name such as
// `__proto__` is a member like any other. Pure logic, unit-tested.
import type { WireEntries, WireNode } from '../convert/wireTree.js';
import type { JsonObject, JsonValue } from '../util/json.js';
import { compareNumbers, isIntegral } from '../convert/number.js';
import type { TableKeys } from './tables.js';

export interface Shape {
  text?: true;
  binary?: true;
  /** 'integer' while every number seen was whole; 'number' once a fraction appears. */
  number?: 'integer' | 'number';
  boolean?: true;
  null?: true;
  /** M: the merged shapes of its attributes. */
  object?: Map<string, Shape>;
  /** L, SS, NS, BS: the merged shape of every element (empty lists leave an empty shape). */
  array?: Shape;
}

export function shapeOfValue(value: WireNode, into: Shape = {}): Shape {
  const v = value as Partial<Record<'S' | 'N' | 'B' | 'BOOL' | 'NULL', unknown>> & { M?: WireEntries; L?: WireNode[]; SS?: string[]; NS?: string[]; BS?: string[] };
  if (v.S !== undefined) into.text = true;
  else if (v.N !== undefined) addNumber(into, v.N as string);
  else if (v.BOOL !== undefined) into.boolean = true;
  else if (v.NULL !== undefined) into.null = true;
  else if (v.B !== undefined) into.binary = true;
  else if (v.M !== undefined) addAttributes((into.object ??= new Map()), v.M);
  else if (v.L !== undefined) {
    const element = (into.array ??= {});
    for (const item of v.L) shapeOfValue(item, element);
  } else if (v.SS !== undefined) {
    const element = (into.array ??= {});
    if (v.SS.length > 0) element.text = true;
  } else if (v.NS !== undefined) {
    const element = (into.array ??= {});
    for (const n of v.NS) addNumber(element, n);
  } else if (v.BS !== undefined) {
    const element = (into.array ??= {});
    if (v.BS.length > 0) element.binary = true;
  }
  return into;
}

const INT64_MAX = '9223372036854775807';
const INT64_MIN = '-9223372036854775808';

/** 'integer' only for whole numbers a 64-bit integer column holds: destinations map integer to BIGINT, and one
 *  38-digit value would fail a whole load there; 'number' keeps every digit as a decimal. */
function addNumber(shape: Shape, text: string): void {
  const int64 = isIntegral(text) && compareNumbers(text, INT64_MAX) <= 0 && compareNumbers(text, INT64_MIN) >= 0;
  shape.number = shape.number === 'number' || !int64 ? 'number' : 'integer';
}

/** Adds every attribute of an item (or map) to the per-attribute shapes. */
export function addAttributes(shapes: Map<string, Shape>, item: WireEntries): void {
  for (const [name, value] of item) {
    let shape = shapes.get(name);
    if (!shape) shapes.set(name, (shape = {}));
    shapeOfValue(value, shape);
  }
}

const KEY_TYPES: Record<'S' | 'N' | 'B', JsonObject> = {
  S: { type: 'string' },
  N: { type: 'number' },
  B: { type: 'string', contentEncoding: 'base64' },
};

/** The stream schema: key attributes from the table definition (required), sampled attributes nullable. */
export function streamSchema(keys: TableKeys, sampled: Map<string, Shape>): JsonObject {
  const properties = members();
  const keyNames = [keys.hashKey, ...(keys.rangeKey === undefined ? [] : [keys.rangeKey])];
  for (const [name, shape] of sampled) {
    if (!keyNames.includes(name)) properties[name] = shapeToSchema(shape, true);
  }
  for (const name of keyNames) {
    const type = keys.types[name];
    if (type === undefined) throw new Error(`Key attribute ${name} has no AttributeDefinition`);
    properties[name] = KEY_TYPES[type];
  }
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    type: 'object',
    additionalProperties: true,
    required: keyNames,
    properties: sortKeysFirst(properties, keyNames),
  };
}

/** Keys first, then the other attributes alphabetically, so the schema is stable across samples. */
function sortKeysFirst(properties: JsonObject, keyNames: string[]): JsonObject {
  const names = Object.keys(properties).filter((n) => !keyNames.includes(n)).sort();
  const out = members();
  for (const name of [...keyNames, ...names]) out[name] = properties[name] as JsonValue;
  return out;
}

export function shapeToSchema(shape: Shape, nullable: boolean): JsonObject {
  const types: string[] = [];
  const schema: JsonObject = {};
  if (shape.text || shape.binary) {
    types.push('string');
    // base64 only when every string value seen was binary; mixed S/B is just a string.
    if (shape.binary && !shape.text) schema.contentEncoding = 'base64';
  }
  if (shape.number) types.push(shape.number);
  if (shape.boolean) types.push('boolean');
  if (shape.object) {
    types.push('object');
    const props = members();
    for (const name of [...shape.object.keys()].sort()) props[name] = shapeToSchema(shape.object.get(name) as Shape, true);
    schema.properties = props;
    schema.additionalProperties = true;
  }
  if (shape.array) {
    types.push('array');
    const element = shape.array;
    schema.items = isEmptyShape(element) ? {} : shapeToSchema(element, Boolean(element.null));
  }
  if (nullable || shape.null) types.push('null');
  // Only NULL ever seen: nothing but null is known.
  const type: JsonValue = types.length === 1 ? (types[0] as string) : types;
  return { type, ...schema };
}

const isEmptyShape = (s: Shape) =>
  !s.text && !s.binary && !s.number && !s.boolean && !s.null && !s.object && !s.array;

/** An object for members named by attribute names: no prototype, so `__proto__` is a plain member when assigned. */
function members(): JsonObject {
  return Object.create(null) as JsonObject;
}
