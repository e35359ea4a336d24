// Query and BatchGetItem over the signed, kept-alive fast path (aws/signedJsonRpc.ts), as Scan (scan/wireScan.ts)
// and GetRecords are: requests in wire form (keys and values exactly as DynamoDB's JSON has them), responses kept as
// bytes until their items are transcoded into record text (convert/itemsPage.ts, convert/batchGetPage.ts), never
// parsed into the SDK's AttributeValue objects (whose deserializer drops attributes named `__proto__`). Failures are
// shaped like the SDK's, so aws/retry.ts and aws/errors.ts treat them alike.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createSignedJsonRpc, type SdkClientLike } from '../aws/signedJsonRpc.js';
import { batchGetResponseToRecords } from '../convert/batchGetPage.js';
import { itemsResponseToRecords, type CursorWireValue } from '../convert/itemsPage.js';
import type { WireKey } from '../convert/keyCodec.js';
import type { WireValue } from '../convert/wireValue.js';

const QUERY = 'DynamoDB_20120810.Query';
const BATCH_GET_ITEM = 'DynamoDB_20120810.BatchGetItem';

/** The Query parameters the connector uses, in wire form. */
export interface WireQueryRequest {
  TableName: string;
  IndexName: string;
  KeyConditionExpression: string;
  ExpressionAttributeNames: Record<string, string>;
  ExpressionAttributeValues: Record<string, WireValue>;
  ProjectionExpression?: string;
  ExclusiveStartKey?: WireKey;
  Limit?: number;
  ScanIndexForward?: boolean;
}

interface QueryPageCommon {
  lastEvaluatedKey: WireKey | undefined;
  consumedCapacity: number | undefined;
  scannedCount: number;
}

/** A page of an index that holds whole items: one record text per item, and each item's cursor value. */
export interface WireQueryRecordsPage extends QueryPageCommon {
  records: string[];
  cursorValues: (CursorWireValue | undefined)[];
}

/** A page of items parsed as wire JSON (small ones: keys and the cursor); JSON.parse keeps `__proto__` members. */
export interface WireQueryItemsPage extends QueryPageCommon {
  items: Record<string, unknown>[];
}

export interface WireBatchGetRequest {
  table: string;
  /** Each key as wire JSON text, e.g. {"pk":{"S":"a"}}. */
  keys: readonly string[];
  consistentRead: boolean;
  projection?: { expression: string; names: Record<string, string> } | undefined;
  omit?: ReadonlySet<string> | undefined;
}

export interface WireBatchGetPage {
  records: string[];
  /** The keys DynamoDB left for another request, as wire JSON text. */
  unprocessedKeys: string[];
  /** The sum of ConsumedCapacity's CapacityUnits; undefined when the response has none. */
  consumedCapacity: number | undefined;
}

export interface WireQueryClient {
  /** A Query whose items become records; `cursorField` is the attribute whose value each record reports. */
  queryRecords(request: WireQueryRequest, options: { cursorField: string; omit?: ReadonlySet<string> | undefined }): Promise<WireQueryRecordsPage>;
  /** A Query whose items are returned parsed (keys-only pages of an index that does not hold whole items). */
  queryItems(request: WireQueryRequest): Promise<WireQueryItemsPage>;
  batchGet(request: WireBatchGetRequest): Promise<WireBatchGetPage>;
  /** Closes the kept-alive sockets. */
  destroy(): void;
}

/** Signs and sends as `client` would: same credentials, region, endpoint and clock offset. */
export function createWireQueryClient(client: DynamoDBClient): WireQueryClient {
  const rpc = createSignedJsonRpc(client as unknown as SdkClientLike);
  const query = (request: WireQueryRequest) => rpc.call(QUERY, JSON.stringify({ ...request, ReturnConsumedCapacity: 'TOTAL' }));
  return {
    async queryRecords(request, options) {
      const body = await query(request);
      const { records, cursorValues, rest } = itemsResponseToRecords(body, { what: 'a Query response', cursorField: options.cursorField, omit: options.omit });
      return { records, cursorValues: cursorValues ?? [], ...pageCommon(rest, records.length) };
    },
    async queryItems(request) {
      const body = await query(request);
      const parsed = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
      const items = Array.isArray(parsed.Items) ? (parsed.Items as Record<string, unknown>[]) : [];
      return { items, ...pageCommon(parsed, items.length) };
    },
    async batchGet(request) {
      const body = await rpc.call(BATCH_GET_ITEM, batchGetBody(request));
      const { records, rest } = batchGetResponseToRecords(body, request.table, { omit: request.omit });
      const unprocessed = (rest.UnprocessedKeys as Record<string, { Keys?: unknown[] } | undefined> | undefined) ?? {};
      const keys = ownMember(unprocessed, request.table)?.Keys ?? [];
      const consumed = Array.isArray(rest.ConsumedCapacity)
        ? (rest.ConsumedCapacity as { CapacityUnits?: number }[]).reduce((sum, c) => sum + (c.CapacityUnits ?? 0), 0)
        : undefined;
      return { records, unprocessedKeys: keys.map((key) => JSON.stringify(key)), consumedCapacity: consumed };
    },
    destroy: () => rpc.destroy(),
  };
}

/** The request as text: the table name is a member name that may be anything DynamoDB allows, keys are already text. */
function batchGetBody(request: WireBatchGetRequest): string {
  const members = [`"Keys":[${request.keys.join(',')}]`, `"ConsistentRead":${request.consistentRead}`];
  if (request.projection !== undefined) {
    members.push(`"ProjectionExpression":${JSON.stringify(request.projection.expression)}`, `"ExpressionAttributeNames":${JSON.stringify(request.projection.names)}`);
  }
  return `{"RequestItems":{${JSON.stringify(request.table)}:{${members.join(',')}}},"ReturnConsumedCapacity":"TOTAL"}`;
}

function pageCommon(rest: Record<string, unknown>, items: number): QueryPageCommon {
  return {
    lastEvaluatedKey: rest.LastEvaluatedKey as WireKey | undefined,
    consumedCapacity: (rest.ConsumedCapacity as { CapacityUnits?: number } | undefined)?.CapacityUnits,
    scannedCount: typeof rest.ScannedCount === 'number' ? rest.ScannedCount : items,
  };
}

/** A member by name, only when the object itself has it (`__proto__` and `constructor` included). */
export function ownMember<T>(o: Record<string, T>, name: string): T | undefined {
  return Object.prototype.hasOwnProperty.call(o, name) ? o[name] : undefined;
}
