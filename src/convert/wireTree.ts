// A response's `Items` → each item as a tree of its members in wire order, for code that needs the DynamoDB types
// and not the record text (schema inference on discover's sample). Maps are lists of [name, value] pairs, never
// objects keyed by attribute names, so every name (`__proto__` included) is kept. Read with the wire transcoder's
// byte-level reader (wireTranscoder.ts); a sample is small, so scalars are simply parsed.
import { WIRE, WireTranscoder } from './wireTranscoder.js';

export type WireNode =
  | { S: string }
  | { N: string }
  | { B: string }
  | { BOOL: boolean }
  | { NULL: true }
  | { M: WireEntries }
  | { L: WireNode[] }
  | { SS: string[] }
  | { NS: string[] }
  | { BS: string[] };

/** A map's members, in wire order. */
export type WireEntries = (readonly [string, WireNode])[];

export interface ItemTrees {
  items: WireEntries[];
  /** Every other member of the response, parsed. */
  rest: Record<string, unknown>;
}

export function itemsResponseToTrees(body: Uint8Array | string): ItemTrees {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const t = new WireTranscoder(bytes, 'a Scan response');
  const items: WireEntries[] = [];
  const rest: Record<string, unknown> = {};
  t.members((key) => {
    if (key === 'Items') t.elements(() => items.push(entries(t)));
    else rest[key] = t.parseValue();
  });
  return { items, rest };
}

function entries(t: WireTranscoder): WireEntries {
  const out: WireEntries = [];
  t.members((name) => out.push([name, node(t)]));
  return out;
}

function node(t: WireTranscoder): WireNode {
  t.expect(WIRE.OPEN_BRACE);
  const type = t.readKey();
  t.expect(WIRE.COLON);
  let value: WireNode;
  switch (type) {
    case 'M':
      value = { M: entries(t) };
      break;
    case 'L': {
      const list: WireNode[] = [];
      t.elements(() => list.push(node(t)));
      value = { L: list };
      break;
    }
    case 'S':
    case 'N':
    case 'B':
    case 'SS':
    case 'NS':
    case 'BS':
      value = { [type]: t.parseValue() } as WireNode;
      break;
    case 'BOOL':
      value = { BOOL: t.parseValue() === true };
      break;
    case 'NULL':
      t.parseValue();
      value = { NULL: true };
      break;
    default:
      throw new Error(`Unsupported attribute value with keys ${type}`);
  }
  t.expect(WIRE.CLOSE_BRACE);
  return value;
}
