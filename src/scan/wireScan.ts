// The fast path for Scan: sent over the signed, kept-alive JSON-RPC client (aws/signedJsonRpc.ts), its response's
// bytes turned into record text in one pass (convert/itemsPage.ts) without the SDK's parse into AttributeValue
// objects. Failures are shaped like the SDK's, so retries and error reports treat both paths alike.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createSignedJsonRpc, type SdkClientLike } from '../aws/signedJsonRpc.js';
import type { WireValue } from '../convert/wireValue.js';
import type { WireKey } from '../convert/keyCodec.js';
import { itemsResponseToRecords, type CursorWireValue } from '../convert/itemsPage.js';

const TARGET = 'DynamoDB_20120810.Scan';

/** The Scan parameters the connector uses, in wire form (keys and values exactly as DynamoDB's JSON has them). */
export interface WireScanRequest {
  TableName: string;
  Segment?: number;
  TotalSegments?: number;
  Limit?: number;
  ExclusiveStartKey?: WireKey;
  ConsistentRead?: boolean;
  FilterExpression?: string;
  ProjectionExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Record<string, WireValue>;
}

export interface WireScanOptions {
  /** JSON members appended to every record, starting with a comma . */
  recordSuffix?: string;
  /** Top-level attributes left out of the records. */
  omit?: ReadonlySet<string>;
  /** A top-level attribute whose S or N value is returned for each record (incremental syncs by cursor). */
  cursorField?: string;
}

export type WireCursorValue = CursorWireValue;

export interface WireScanPage {
  /** One JSON object text per item, in the order DynamoDB returned them. */
  records: string[];
  lastEvaluatedKey: WireKey | undefined;
  /** ConsumedCapacity.CapacityUnits: what the request really cost. */
  consumedCapacity: number | undefined;
  count: number;
  scannedCount: number;
  /** With options.cursorField: the cursor value of each record (undefined where absent or of another type). */
  cursorValues?: (WireCursorValue | undefined)[];
}

export interface WireScanner {
  scan(request: WireScanRequest, options?: WireScanOptions): Promise<WireScanPage>;
  /** Closes the kept-alive sockets. */
  destroy(): void;
}

/** A scanner that signs and sends as `client` would: same credentials, region, endpoint and clock offset. */
export function createWireScanner(client: DynamoDBClient): WireScanner {
  const rpc = createSignedJsonRpc(client as unknown as SdkClientLike);
  return {
    async scan(request, options = {}) {
      const body = await rpc.call(TARGET, JSON.stringify({ ...request, ReturnConsumedCapacity: 'TOTAL' }));
      return toPage(body, options);
    },
    destroy: () => rpc.destroy(),
  };
}

function toPage(body: Buffer, options: WireScanOptions): WireScanPage {
  const { records, cursorValues, rest } = itemsResponseToRecords(body, options);
  const page: WireScanPage = {
    records,
    lastEvaluatedKey: rest.LastEvaluatedKey as WireKey | undefined,
    consumedCapacity: (rest.ConsumedCapacity as { CapacityUnits?: number } | undefined)?.CapacityUnits,
    count: typeof rest.Count === 'number' ? rest.Count : records.length,
    scannedCount: typeof rest.ScannedCount === 'number' ? rest.ScannedCount : records.length,
  };
  if (cursorValues !== undefined) page.cursorValues = cursorValues;
  return page;
}

