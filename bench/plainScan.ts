// The baseline the connector is compared with: what a plain SDK loop costs for the same work. Scans the table's
// segments in parallel, converts each item with unmarshall + JSON.stringify and writes one line per item to
// /dev/null, honouring backpressure. Prints {"items": n} on stdout so the bench can check the count. With --limit it
// sends the Scan Limit the connector sends (a little over a full 1 MB page), to show what that alone is worth.
// Usage: node dist/bench/plainScan.js <endpoint> <table> <segments> [--limit]
import { DynamoDBClient, ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { NumberValueImpl, unmarshall } from '@aws-sdk/util-dynamodb';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import { tableFullPageLimit } from './dataset.js';

const [endpoint, table, segmentsArg] = process.argv.slice(2);
if (!endpoint || !table || !segmentsArg) throw new Error('usage: plainScan.js <endpoint> <table> <segments>');
const totalSegments = Number(segmentsArg);

const client = new DynamoDBClient({ region: 'us-east-1', endpoint, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
const limit = process.argv.includes('--limit') ? await tableFullPageLimit(client, table) : undefined;
const out = createWriteStream('/dev/null');
let items = 0;

/** Without this, JSON.stringify turns sets into {} and binary into {"0":…}; numbers stay exact as strings. */
function jsonReplacer(_key: string, value: unknown): unknown {
  if (value instanceof NumberValueImpl) return value.toString();
  if (value instanceof Set) return [...value];
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
  return value;
}

const itemLine = (item: Record<string, AttributeValue>) => JSON.stringify(unmarshall(item, { wrapNumbers: true }), jsonReplacer);

async function scanSegment(segment: number): Promise<void> {
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(new ScanCommand({ TableName: table, Segment: segment, TotalSegments: totalSegments, ExclusiveStartKey: startKey, Limit: limit }));
    const lines = (page.Items ?? []).map(itemLine);
    items += lines.length;
    // One write per page, like the connector's batched writer, so the comparison is about conversion, not syscalls.
    if (lines.length > 0 && !out.write(lines.join('\n') + '\n')) await once(out, 'drain');
    startKey = page.LastEvaluatedKey;
  } while (startKey !== undefined);
}

await Promise.all(Array.from({ length: totalSegments }, (_, segment) => scanSegment(segment)));
out.end();
await finished(out);
client.destroy();
process.stdout.write(JSON.stringify({ items }) + '\n');
