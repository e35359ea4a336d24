// The reference the tests hold the connector's record text to, over the SDK's objects: AttributeValue → JSON text,
// exact (N keeps every digit, B and BS become base64, SS/NS/BS become arrays, NULL becomes null, M and L recurse).
// Members come in a JavaScript object's key order, as the connector's records have them.
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { numberToJson } from '../../src/convert/number.js';
import { toBase64 } from '../../src/convert/keyCodec.js';

export type Item = Record<string, AttributeValue>;

/**
 * @param suffix extra JSON members appended inside the object, starting with a comma (CDC metadata columns)
 * @param omit top-level attributes left out of the record (excluded or deselected attributes)
 */
export function itemToJson(item: Item, suffix = '', omit?: ReadonlySet<string>): string {
  // Parts joined once rather than `+=`: concatenation leaves each record as a rope of ~50 fragments that lives
  // until it is written, which doubled the peak memory of a scan.
  const parts: string[] = [];
  for (const name in item) {
    if (omit !== undefined && omit.has(name)) continue;
    const value = item[name];
    if (value !== undefined) parts.push(JSON.stringify(name) + ':' + valueToJson(value));
  }
  return '{' + parts.join(',') + (parts.length === 0 ? suffix.slice(1) : suffix) + '}';
}

export function valueToJson(value: AttributeValue): string {
  if (value.S !== undefined) return JSON.stringify(value.S);
  if (value.N !== undefined) return numberToJson(value.N);
  if (value.BOOL !== undefined) return value.BOOL ? 'true' : 'false';
  if (value.M !== undefined) return itemToJson(value.M);
  if (value.L !== undefined) return '[' + value.L.map(valueToJson).join(',') + ']';
  if (value.NULL !== undefined) return 'null';
  if (value.B !== undefined) return '"' + toBase64(value.B) + '"';
  if (value.SS !== undefined) return '[' + value.SS.map((s) => JSON.stringify(s)).join(',') + ']';
  if (value.NS !== undefined) return '[' + value.NS.map(numberToJson).join(',') + ']';
  if (value.BS !== undefined) return '[' + value.BS.map((b) => '"' + toBase64(b) + '"').join(',') + ']';
  throw new Error(`Unsupported attribute value with keys ${Object.keys(value).join(',')}`);
}

