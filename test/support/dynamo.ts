// Test helpers that talk to DynamoDB Local directly (setting up tables and items), never through the connector.
import {
  BatchWriteItemCommand,
  CreateTableCommand,
  ScanCommand,
  DynamoDBClient,
  type AttributeDefinition,
  type AttributeValue,
  type KeySchemaElement,
} from '@aws-sdk/client-dynamodb';
import { randomBytes } from 'node:crypto';

export const TEST_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };

export function testClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({ region: 'us-east-1', endpoint, credentials: TEST_CREDENTIALS });
}

export function connectorConfig(endpoint: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    region: 'us-east-1',
    endpoint,
    credentials: { auth_type: 'access_keys', access_key_id: 'test', secret_access_key: 'test' },
    ...extra,
  };
}

export const uniqueName = (prefix: string) => `${prefix}_${randomBytes(4).toString('hex')}`;

export interface TableSpec {
  hash: [string, 'S' | 'N' | 'B'];
  range?: [string, 'S' | 'N' | 'B'];
  /** Global secondary indexes, with the projection they keep. */
  indexes?: { name: string; hash: [string, 'S' | 'N' | 'B']; range?: [string, 'S' | 'N' | 'B']; projection: 'ALL' | 'KEYS_ONLY' | { include: string[] } }[];
}

export async function createTable(client: DynamoDBClient, name: string, spec: TableSpec, extra: Record<string, unknown> = {}): Promise<void> {
  const keys: KeySchemaElement[] = [{ AttributeName: spec.hash[0], KeyType: 'HASH' }];
  const defs: AttributeDefinition[] = [{ AttributeName: spec.hash[0], AttributeType: spec.hash[1] }];
  if (spec.range) {
    keys.push({ AttributeName: spec.range[0], KeyType: 'RANGE' });
    defs.push({ AttributeName: spec.range[0], AttributeType: spec.range[1] });
  }
  const indexes = (spec.indexes ?? []).map((index) => {
    for (const [attribute, type] of [index.hash, ...(index.range ? [index.range] : [])]) {
      if (!defs.some((d) => d.AttributeName === attribute)) defs.push({ AttributeName: attribute, AttributeType: type });
    }
    const projection = index.projection;
    return {
      IndexName: index.name,
      KeySchema: [{ AttributeName: index.hash[0], KeyType: 'HASH' as const }, ...(index.range ? [{ AttributeName: index.range[0], KeyType: 'RANGE' as const }] : [])],
      Projection: typeof projection === 'string' ? { ProjectionType: projection } : { ProjectionType: 'INCLUDE' as const, NonKeyAttributes: projection.include },
    };
  });
  await client.send(
    new CreateTableCommand({
      TableName: name,
      KeySchema: keys,
      AttributeDefinitions: defs,
      BillingMode: 'PAY_PER_REQUEST',
      ...(indexes.length > 0 ? { GlobalSecondaryIndexes: indexes } : {}),
      ...extra,
    }),
  );
}

export async function putItems(client: DynamoDBClient, table: string, items: Record<string, AttributeValue>[]): Promise<void> {
  for (let i = 0; i < items.length; i += 25) {
    let requests = items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } }));
    while (requests.length > 0) {
      const out = await client.send(new BatchWriteItemCommand({ RequestItems: { [table]: requests } }));
      requests = (out.UnprocessedItems?.[table] ?? []) as typeof requests;
    }
  }
}

/** Every item of a table, read directly with consistent Scans (what a destination must end up equal to). */
export async function scanAllItems(client: DynamoDBClient, table: string): Promise<Record<string, AttributeValue>[]> {
  const items: Record<string, AttributeValue>[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(new ScanCommand({ TableName: table, ConsistentRead: true, ExclusiveStartKey: start }));
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start !== undefined);
  return items;
}
