// Keys kept in state (ExclusiveStartKey, LastEvaluatedKey) must round-trip exactly through JSON: N stays a
// string and B becomes base64, i.e. DynamoDB's own wire form.
import type { AttributeValue } from '@aws-sdk/client-dynamodb';

export type WireKeyValue = { S: string } | { N: string } | { B: string };
export type WireKey = Record<string, WireKeyValue>;

export function keyToWire(key: Record<string, AttributeValue>): WireKey {
  const out: WireKey = {};
  for (const [name, value] of Object.entries(key)) {
    if (value.S !== undefined) out[name] = { S: value.S };
    else if (value.N !== undefined) out[name] = { N: value.N };
    else if (value.B !== undefined) out[name] = { B: toBase64(value.B) };
    else throw new Error(`Key attribute ${name} is not S, N or B`);
  }
  return out;
}

export function wireToKey(wire: WireKey): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  for (const [name, value] of Object.entries(wire)) {
    if ('S' in value) out[name] = { S: value.S };
    else if ('N' in value) out[name] = { N: value.N };
    else out[name] = { B: new Uint8Array(Buffer.from(value.B, 'base64')) };
  }
  return out;
}

/** Structural check for keys read back from user-supplied state. */
export function isWireKey(value: unknown): value is WireKey {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  return Object.values(value).every((v) => {
    if (typeof v !== 'object' || v === null) return false;
    const keys = Object.keys(v);
    return keys.length === 1 && ['S', 'N', 'B'].includes(keys[0] as string) && typeof (v as Record<string, unknown>)[keys[0] as string] === 'string';
  });
}

export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}
