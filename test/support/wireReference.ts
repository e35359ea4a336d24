// The reference conversion the transcoder (src/convert/wireTranscoder.ts) is held to: DynamoDB's wire JSON parsed
// into objects (JSON.parse keeps `__proto__` as an own member), each item written member by member in a JavaScript
// object's key order. N keeps every digit, B and BS stay base64, sets become arrays, NULL becomes null.
import { numberToJson } from '../../src/convert/number.js';
import type { WireValue } from '../../src/convert/wireValue.js';

export type { WireValue };

export type WireItem = Record<string, WireValue>;

/**
 * @param suffix extra JSON members appended inside the object, starting with a comma (CDC metadata columns)
 * @param omit top-level attributes left out of the record (excluded or deselected attributes)
 */
export function wireItemToJson(item: WireItem, suffix = '', omit?: ReadonlySet<string>): string {
  const parts: string[] = [];
  for (const name in item) {
    if (omit !== undefined && omit.has(name)) continue;
    const value = item[name];
    if (value !== undefined) parts.push(JSON.stringify(name) + ':' + wireValueToJson(value));
  }
  return '{' + parts.join(',') + (parts.length === 0 ? suffix.slice(1) : suffix) + '}';
}

export function wireValueToJson(value: WireValue): string {
  const v = value as Partial<Record<string, unknown>>;
  if (v.S !== undefined) return JSON.stringify(v.S);
  if (v.N !== undefined) return numberToJson(v.N as string);
  if (v.BOOL !== undefined) return v.BOOL ? 'true' : 'false';
  if (v.M !== undefined) return wireItemToJson(v.M as WireItem);
  if (v.L !== undefined) return '[' + (v.L as WireValue[]).map(wireValueToJson).join(',') + ']';
  if (v.NULL !== undefined) return 'null';
  // Base64 text has no character that needs escaping in JSON.
  if (v.B !== undefined) return '"' + (v.B as string) + '"';
  if (v.SS !== undefined) return '[' + (v.SS as string[]).map((s) => JSON.stringify(s)).join(',') + ']';
  if (v.NS !== undefined) return '[' + (v.NS as string[]).map(numberToJson).join(',') + ']';
  if (v.BS !== undefined) return '[' + (v.BS as string[]).map((b) => '"' + b + '"').join(',') + ']';
  throw new Error(`Unsupported attribute value with keys ${Object.keys(value).join(',')}`);
}
