// A download of an export data file cut in the middle (a real HTTP proxy in front of s3rver drops the connection
// halfway through the body): the reader opens the file again and goes on from the first line it had not handed
// over, so the records are complete and none is emitted twice.
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createS3Client } from '../../src/aws/clients.js';
import type { Config } from '../../src/config/validate.js';
import { jsonDataFileFormat } from '../../src/export/jsonDataFile.js';
import { ExportProgress } from '../../src/export/exportProgress.js';
import { readDataFiles } from '../../src/export/exportReader.js';
import { openObject } from '../../src/export/s3Objects.js';
import type { SourceContext } from '../../src/pipeline/sourceContext.js';
import { emptyState } from '../../src/state/streamState.js';
import { Semaphore } from '../../src/util/concurrency.js';
import { connectorConfig } from '../support/dynamo.js';
import { startS3Server, type RunningS3Server } from '../support/s3Server.js';

let s3: RunningS3Server;
let proxy: Server;
let proxyEndpoint: string;
/** Downloads of these keys still to cut halfway. */
const cuts = new Map<string, number>();
const gets: string[] = [];

beforeAll(async () => {
  s3 = await startS3Server('exports');
  const target = new URL(s3.endpoint);
  proxy = createServer((req, res) => {
    const key = decodeURIComponent((req.url ?? '').split('?')[0]!.replace(`/${s3.bucket}/`, ''));
    if (req.method === 'GET') gets.push(key);
    const cut = (cuts.get(key) ?? 0) > 0;
    if (cut) cuts.set(key, cuts.get(key)! - 1);
    const upstream = httpRequest({ hostname: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host } }, (upRes) => {
      const parts: Buffer[] = [];
      upRes.on('data', (c: Buffer) => parts.push(c));
      upRes.on('end', () => {
        const body = Buffer.concat(parts);
        res.writeHead(upRes.statusCode ?? 502, { ...upRes.headers, 'content-length': String(body.length) });
        if (!cut) return void res.end(body);
        res.write(body.subarray(0, Math.floor(body.length / 2)), () => setTimeout(() => res.socket?.destroy(), 20));
      });
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  proxyEndpoint = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
});

afterAll(async () => {
  proxy?.closeAllConnections();
  await new Promise((resolve) => proxy?.close(resolve));
  await s3?.close();
});

it('a data file cut mid-download is read on from the first line not yet emitted', async () => {
  const key = 'exports/AWSDynamoDB/01234567890123-a1b2c3d4/data/cutcutcutcutcutcutcutcutcu.json.gz';
  // Incompressible text, so that half the compressed bytes is about half the lines.
  const lines = Array.from({ length: 3000 }, (_, i) => JSON.stringify({ Item: { pk: { S: `item-${i}` }, pad: { B: Buffer.from(Array.from({ length: 48 }, (_, j) => (i * 7919 + j * 104729) % 251)).toString('base64') } } }));
  const config = connectorConfig('http://unused.invalid', { export: { s3_bucket: s3.bucket, s3_endpoint: proxyEndpoint } }) as unknown as Config;
  const client = await createS3Client(config);
  await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: gzipSync(lines.join('\n') + '\n') }));
  cuts.set(key, 1);

  const records: string[] = [];
  const logs: string[] = [];
  const ctx: SourceContext = {
    async emit(page, position) {
      records.push(...page);
      position();
    },
    log: (level, message) => logs.push(`${level} ${message}`),
    interrupt: new AbortController().signal,
    permits: new Semaphore(4),
    maxRetries: 3,
    readConcurrency: 2,
  };
  const reader = { s3: client, log: ctx.log, maxRetries: 3 };
  const outcome = await readDataFiles(ctx, {
    stream: 'orders',
    bucket: s3.bucket,
    files: [{ index: 0, key, itemCount: 3000 }],
    progress: new ExportProgress({ export_arn: 'arn:x/export/1', kind: 'full', requested_at: '2026-11-24T10:00:00.000Z', export_time: null, window: null, file_count: 1, files_done: [], files_in_flight: {} }),
    open: (f) => openObject(reader, s3.bucket, f.key),
    format: jsonDataFileFormat({ kind: 'full' }),
    stateWith: (part) => ({ ...emptyState('full_refresh'), export: part }),
  });

  expect(outcome).toBe('complete');
  expect(gets.filter((k) => k === key)).toHaveLength(2);
  // Where the cut lands depends on how much of the body was processed before the error surfaced (on a loaded
  // machine, sometimes none of it): the second GET goes on from the first line after the whole pages emitted, and
  // the records below are each line exactly once.
  const resumedAt = logs.map((l) => /^WARN Reading .*cutcut.* failed .* from line (\d+)$/.exec(l)?.[1]).find((n) => n !== undefined);
  expect(resumedAt).toBeDefined();
  expect((Number(resumedAt) - 1) % 1000).toBe(0);
  expect(records).toHaveLength(3000);
  expect(new Set(records).size).toBe(3000);
  expect(records.map((r) => (JSON.parse(r) as { pk: string }).pk).sort()).toEqual(lines.map((_, i) => `item-${i}`).sort());
});
