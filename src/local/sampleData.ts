// A small, fully deterministic sample table for the demo and the acceptance-test fixtures
// (integration_tests/expected_records.jsonl is the connector's read of exactly these items). Every DynamoDB
// attribute type appears, plus the cases that break naive exporters: a 38-digit number, decimals, binary, sets,
// nested maps and lists, a sparse attribute, a reserved word (`status`) and a name with a dot and a space.
// Changing anything here changes the expected records: regenerate them from a real read.
import {
  BatchWriteItemCommand,
  CreateTableCommand,
  DescribeTableCommand,
  type AttributeValue,
  type CreateTableCommandInput,
  type DynamoDBClient,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';

export type SampleItem = Record<string, AttributeValue>;

export const SAMPLE_TABLE = 'demo_orders';
export const SAMPLE_HASH_KEY = 'customer_id';
export const SAMPLE_RANGE_KEY = 'order_id';
export const SAMPLE_ITEM_COUNT = 20;

/** BatchWriteItem accepts at most 25 put requests per call. */
const BATCH_SIZE = 25;
/** Rounds of resubmitting UnprocessedItems (with backoff) before giving up. */
const MAX_UNPROCESSED_ROUNDS = 12;
const TABLE_ACTIVE_TIMEOUT_MS = 60_000;

export function sampleTableInput(tableName: string = SAMPLE_TABLE): CreateTableCommandInput {
  return {
    TableName: tableName,
    KeySchema: [
      { AttributeName: SAMPLE_HASH_KEY, KeyType: 'HASH' },
      { AttributeName: SAMPLE_RANGE_KEY, KeyType: 'RANGE' },
    ],
    AttributeDefinitions: [
      { AttributeName: SAMPLE_HASH_KEY, AttributeType: 'S' },
      { AttributeName: SAMPLE_RANGE_KEY, AttributeType: 'N' },
    ],
    BillingMode: 'PAY_PER_REQUEST',
  };
}

const CUSTOMERS = [
  { id: 'cust-01', name: 'Ada Lovelace', city: 'London', postcode: 'W1J 7NT', lat: '51.5072', lon: '-0.1276' },
  { id: 'cust-02', name: 'Grace Hopper', city: 'New York', postcode: '10001', lat: '40.7128', lon: '-74.006' },
  { id: 'cust-03', name: 'Zoë Ångström', city: 'Uppsala', postcode: '753 10', lat: '59.8586', lon: '17.6389' },
  { id: 'cust-04', name: 'Émile Borel', city: 'Saint-Affrique', postcode: '12400', lat: '43.9589', lon: '2.8867' },
  { id: 'cust-05', name: '李小龍', city: '香港', postcode: '999077', lat: '22.3193', lon: '114.1694' },
] as const;

const STATUSES = ['pending', 'shipped', 'delivered', 'cancelled'] as const;

const PRODUCTS = [
  { sku: 'KB-104', price: '89.9' },
  { sku: 'MS-220', price: '24.95' },
  { sku: 'HD-500', price: '119' },
  { sku: 'CB-USB-C', price: '9.99' },
] as const;

const TAGS = [['express'], ['gift', 'fragile'], ['bulk'], ['express', 'priority', 'insured']] as const;

const at = <T>(list: readonly T[], i: number): T => list[i % list.length] as T;

/** Deterministic bytes (no randomness): a recognizable prefix, the index, and bytes that are not valid UTF-8. */
const bytes = (...values: number[]): Uint8Array => Uint8Array.from(values.map((v) => v & 0xff));

function sampleItem(i: number): SampleItem {
  const customer = at(CUSTOMERS, i);
  // Each customer's four orders go through all four statuses.
  const status = at(STATUSES, (i % CUSTOMERS.length) + Math.floor(i / CUSTOMERS.length));
  const lines = 1 + (i % 3);
  const item: SampleItem = {
    customer_id: { S: customer.id },
    order_id: { N: String(1001 + i) },
    // `status` is a DynamoDB reserved word: it only works inside expressions through ExpressionAttributeNames.
    status: { S: status },
    customer_name: { S: customer.name },
    created_at: { S: `2024-01-${String(1 + i).padStart(2, '0')}T${String(8 + (i % 10)).padStart(2, '0')}:15:00Z` },
    updated_at: { N: String(1_704_100_000 + i * 3_600) },
    quantity: { N: String(lines * (1 + (i % 2))) },
    // Decimals, written without trailing zeros so the text stays as DynamoDB normalizes it.
    total: { N: `${10 + i * 7}.${1 + (i % 9)}9` },
    // 38 significant digits: every one of these is the same value once squeezed into a double.
    ledger_seq: { N: `12345678901234567890123456789012345${String(100 + i)}` },
    gift: { BOOL: i % 3 === 0 },
    // NULL in most items, a string in some: the schema becomes ["string", "null"].
    coupon_code: i % 4 === 0 ? { S: `SAVE${5 + i}` } : { NULL: true },
    signature: { B: bytes(0xde, 0xad, 0xbe, 0xef, i, 0xff, 0x00) },
    tags: { SS: [...at(TAGS, i)] },
    item_weights_kg: { NS: ['0.5', '1.25', String(2 + i)] },
    attachments: { BS: [bytes(0x25, 0x50, 0x44, 0x46, i), bytes(0x89, 0x50, 0x4e, 0x47, i)] },
    line_items: {
      L: Array.from({ length: lines }, (_, l) => {
        const product = at(PRODUCTS, i + l);
        return { M: { sku: { S: product.sku }, qty: { N: String(1 + ((i + l) % 2)) }, unit_price: { N: product.price } } };
      }),
    },
    shipping_address: {
      M: {
        street: { S: `${1 + i} Example Street` },
        city: { S: customer.city },
        postcode: { S: customer.postcode },
        geo: { M: { lat: { N: customer.lat }, lon: { N: customer.lon } } },
        instructions: i % 2 === 0 ? { NULL: true } : { S: 'Leave with the concierge' },
      },
    },
    // A name with a dot and a space: a top-level attribute, not a path.
    'delivery window.start': { S: at(['08:00', '12:00', '16:00'], i) },
  };
  // Sparse attributes: present in only some items.
  if (status === 'shipped' || status === 'delivered') item.tracking_number = { S: `1Z999AA1${String(1_000_000 + i * 7_919)}` };
  if (i % 5 === 2) item.notes = { S: i === 2 ? '' : 'Ring twice — "back door"\nthen wait' };
  if (i === 7) item.exchange_rate = { N: '1.0000000000000000000000000000000000001' };
  if (i === 11) item.refund = { N: '-0.000000000000000000000000000000000001' };
  return item;
}

/** The sample items, built fresh on every call (callers may mutate them). */
export function sampleItems(): SampleItem[] {
  return Array.from({ length: SAMPLE_ITEM_COUNT }, (_, i) => sampleItem(i));
}

/**
 * Creates the sample table (it must not exist yet), waits until it is ACTIVE and writes every sample item,
 * resubmitting BatchWriteItem's UnprocessedItems with backoff. Returns the number of items written.
 */
export async function loadSampleTable(
  client: DynamoDBClient,
  options: { tableName?: string; items?: SampleItem[] } = {},
): Promise<number> {
  const table = options.tableName ?? SAMPLE_TABLE;
  const items = options.items ?? sampleItems();
  await client.send(new CreateTableCommand(sampleTableInput(table)));
  await waitUntilActive(client, table);
  for (let i = 0; i < items.length; i += BATCH_SIZE) {
    await batchPut(client, table, items.slice(i, i + BATCH_SIZE).map((Item) => ({ PutRequest: { Item } })));
  }
  return items.length;
}

async function batchPut(client: DynamoDBClient, table: string, requests: WriteRequest[]): Promise<void> {
  let pending = requests;
  for (let round = 0; pending.length > 0; round++) {
    if (round >= MAX_UNPROCESSED_ROUNDS) {
      throw new Error(`BatchWriteItem on ${table} still had ${pending.length} unprocessed items after ${MAX_UNPROCESSED_ROUNDS} rounds`);
    }
    if (round > 0) await sleep(Math.min(2_000, 50 * 2 ** round));
    const out = await client.send(new BatchWriteItemCommand({ RequestItems: { [table]: pending } }));
    pending = out.UnprocessedItems?.[table] ?? [];
  }
}

async function waitUntilActive(client: DynamoDBClient, table: string): Promise<void> {
  const deadline = Date.now() + TABLE_ACTIVE_TIMEOUT_MS;
  for (;;) {
    const out = await client.send(new DescribeTableCommand({ TableName: table }));
    if (out.Table?.TableStatus === 'ACTIVE') return;
    if (Date.now() > deadline) throw new Error(`Table ${table} is not ACTIVE after ${TABLE_ACTIVE_TIMEOUT_MS} ms`);
    await sleep(200);
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
