// The fast Scan path alone (src/scan/wireScan.ts) in the same loop as bench/plainScan.ts: segments in parallel, one
// line per item to /dev/null, backpressure honoured. Shows what the decode path costs without the rest of the
// connector (protocol envelopes, state, queue), with the Limit the connector sends. Prints {"items": n} on stdout so
// the bench can check the count.
// Usage: node dist/bench/fastScan.js <endpoint> <table> <segments>
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import { tableFullPageLimit } from './dataset.js';
import type { WireKey } from '../src/convert/keyCodec.js';
import { createWireScanner } from '../src/scan/wireScan.js';

const [endpoint, table, segmentsArg] = process.argv.slice(2);
if (!endpoint || !table || !segmentsArg) throw new Error('usage: fastScan.js <endpoint> <table> <segments>');
const totalSegments = Number(segmentsArg);

const client = new DynamoDBClient({ region: 'us-east-1', endpoint, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
const scanner = createWireScanner(client);
const limit = await tableFullPageLimit(client, table);
const out = createWriteStream('/dev/null');
let items = 0;

async function scanSegment(segment: number): Promise<void> {
  let startKey: WireKey | undefined;
  do {
    const page = await scanner.scan({ TableName: table as string, Segment: segment, TotalSegments: totalSegments, Limit: limit, ...(startKey ? { ExclusiveStartKey: startKey } : {}) });
    items += page.records.length;
    if (page.records.length > 0 && !out.write(page.records.join('\n') + '\n')) await once(out, 'drain');
    startKey = page.lastEvaluatedKey;
  } while (startKey !== undefined);
}

await Promise.all(Array.from({ length: totalSegments }, (_, segment) => scanSegment(segment)));
out.end();
await finished(out);
scanner.destroy();
client.destroy();
process.stdout.write(JSON.stringify({ items }) + '\n');
