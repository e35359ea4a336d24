// The benchmark's table: 100k-ish items of ~400 bytes that use every attribute type, including 38-digit and
// decimal numbers, so the scan exercises every conversion path. Items are generated from their index with a
// seeded generator, so every run loads the same data.
import {
  BatchWriteItemCommand,
  CreateTableCommand,
  DescribeTableCommand,
  waitUntilTableExists,
  type AttributeValue,
  type DynamoDBClient,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { fullPageLimit } from '../src/aws/readBudget.js';

type Item = Record<string, AttributeValue>;

const BATCH_SIZE = 25; // BatchWriteItem's maximum
const MAX_BATCH_ATTEMPTS = 10;

export async function createBenchTable(client: DynamoDBClient, table: string): Promise<void> {
  await client.send(
    new CreateTableCommand({
      TableName: table,
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'N' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      // Every write is also a stream record: the Streams-mode variant reads the same items as changes.
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
    }),
  );
  await waitUntilTableExists({ client, maxWaitTime: 60 }, { TableName: table });
}

/** Writes items from..to-1 with `writers` concurrent BatchWriteItem loops that take batches from a shared counter. */
export async function loadItems(client: DynamoDBClient, table: string, to: number, writers: number, from = 0): Promise<void> {
  const batches = Math.ceil((to - from) / BATCH_SIZE);
  let next = 0;
  const writer = async () => {
    for (let batch = next++; batch < batches; batch = next++) {
      const first = from + batch * BATCH_SIZE;
      const last = Math.min(to, first + BATCH_SIZE);
      const requests = Array.from({ length: last - first }, (_, k) => ({ PutRequest: { Item: benchItem(first + k) } }));
      await writeBatch(client, table, requests);
    }
  };
  await Promise.all(Array.from({ length: writers }, writer));
}

/** Re-sends UnprocessedItems with backoff, as DynamoDB asks, until none are left. */
async function writeBatch(client: DynamoDBClient, table: string, requests: WriteRequest[]): Promise<void> {
  let pending = requests;
  for (let attempt = 1; pending.length > 0; attempt++) {
    if (attempt > MAX_BATCH_ATTEMPTS) throw new Error(`${pending.length} items still unprocessed after ${MAX_BATCH_ATTEMPTS} attempts`);
    if (attempt > 1) await new Promise((resolve) => setTimeout(resolve, Math.min(2000, 25 * 2 ** attempt)));
    const out = await client.send(new BatchWriteItemCommand({ RequestItems: { [table]: pending } }));
    pending = out.UnprocessedItems?.[table] ?? [];
  }
}

/** Average stored item size as DynamoDB reports it, to show what "an item" weighs in this run. */
export async function averageItemBytes(client: DynamoDBClient, table: string): Promise<number | undefined> {
  const { Table } = await client.send(new DescribeTableCommand({ TableName: table }));
  const count = Table?.ItemCount ?? 0;
  return count > 0 && Table?.TableSizeBytes !== undefined ? Table.TableSizeBytes / count : undefined;
}

const WORDS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliett', 'kilo', 'lima'];

/** Item `i`: same index, same item. The pk spreads items over many partitions, so every segment gets a share. */
export function benchItem(i: number): Item {
  const rand = mulberry32(i + 1);
  const int = (max: number) => Math.floor(rand() * max);
  const word = () => WORDS[int(WORDS.length)] as string;
  const sentence = (words: number) => Array.from({ length: words }, word).join(' ');
  const digits = (n: number) => Array.from({ length: n }, (_, k) => (k === 0 ? 1 + int(9) : int(10))).join('');
  const blob = Uint8Array.from({ length: 32 }, () => int(256));
  return {
    pk: { S: `customer#${String(i % 10_007).padStart(5, '0')}` },
    sk: { N: String(i) },
    name: { S: `${word()} ${word()} ${i}` },
    description: { S: sentence(14) },
    quantity: { N: String(int(10_000)) },
    price: { N: `${int(100_000)}.${String(int(100)).padStart(2, '0')}` },
    // A fifth of the items carry full-precision numbers that a JS double would round.
    exact: { N: i % 5 === 0 ? digits(38) : `-${digits(20)}.${digits(18)}` },
    ratio: { N: (rand() * 1000).toFixed(6) },
    checksum: { B: blob },
    active: { BOOL: i % 3 !== 0 },
    archived: { NULL: true },
    tags: { SS: [...new Set([word(), word(), word()])] },
    scores: { NS: [...new Set([String(int(1000)), String(int(1000) + 1000), `${int(100)}.5`])] },
    history: { L: [{ S: word() }, { N: String(int(1_000_000)) }, { BOOL: rand() < 0.5 }, { M: { at: { N: String(1_700_000_000 + i) }, by: { S: word() } } }] },
    address: {
      M: {
        street: { S: `${int(999)} ${word()} street` },
        city: { S: word() },
        zip: { N: String(10_000 + int(89_999)) },
        geo: { M: { lat: { N: (rand() * 180 - 90).toFixed(7) }, lon: { N: (rand() * 360 - 180).toFixed(7) } } },
      },
    },
  };
}

/**
 * The Scan Limit the connector sends when nothing paces it (aws/readBudget.ts), at the table's average item size.
 * DynamoDB still ends each page at 1 MB; DynamoDB Local, told how many items to read, stops there instead of reading
 * the rest of the segment for every page.
 */
export async function tableFullPageLimit(client: DynamoDBClient, table: string): Promise<number> {
  return fullPageLimit((await averageItemBytes(client, table)) ?? 1024);
}

/** Small seeded PRNG (mulberry32): deterministic items without storing them. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
