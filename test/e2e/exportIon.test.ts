// A hand-written Amazon Ion export laid out as AWS documents it (test/fixtures/export/ion/: JSON manifests with
// outputFormat ION, data/*.ion.gz of `$ion_1_0 {Item:{…}}` lines, gzipped here), put in a real S3 server and read
// through the export source's own pieces: the records equal those of the DynamoDB JSON export of the same items
// (test/fixtures/export/full/), every number exact; and both exports are found by listing the prefix.
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3Client } from '../../src/aws/clients.js';
import type { Config } from '../../src/config/validate.js';
import { dataFileFormatFor } from '../../src/export/dataFormat.js';
import { exportsOfTable, listExports } from '../../src/export/existingExports.js';
import { ExportProgress } from '../../src/export/exportProgress.js';
import { readDataFiles } from '../../src/export/exportReader.js';
import { readManifestFiles, readManifestSummary } from '../../src/export/manifest.js';
import { openObject, type S3ReadContext } from '../../src/export/s3Objects.js';
import type { SourceContext } from '../../src/pipeline/sourceContext.js';
import { emptyState } from '../../src/state/streamState.js';
import { Semaphore } from '../../src/util/concurrency.js';
import { connectorConfig } from '../support/dynamo.js';
import { startS3Server, type RunningS3Server } from '../support/s3Server.js';

const FIXTURES = join(import.meta.dirname, '../fixtures/export');
const ION_SUMMARY = 'exports/orders/AWSDynamoDB/01764064800000-e79094f8/manifest-summary.json';
const JSON_SUMMARY = 'exports/orders/AWSDynamoDB/01234567890123-a1b2c3d4/manifest-summary.json';

let s3: RunningS3Server;
let ctx: S3ReadContext;

/** Uploads a fixture tree: data files gzipped (key + ".gz"), everything else as it is. */
async function upload(tree: string): Promise<void> {
  const root = join(FIXTURES, tree);
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    let key = relative(root, path);
    let body = await readFile(path);
    if (key.includes('/data/')) {
      key += '.gz';
      body = gzipSync(body);
    }
    await ctx.s3.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: body }));
  }
}

beforeAll(async () => {
  s3 = await startS3Server('my-bucket');
  const config = connectorConfig('http://unused.invalid', { export: { s3_bucket: s3.bucket, s3_endpoint: s3.endpoint } }) as unknown as Config;
  ctx = { s3: await createS3Client(config), log: () => undefined, maxRetries: 2 };
  await upload('full');
  await upload('ion');
  await upload('incremental');
});

afterAll(async () => {
  await s3?.close();
});

/** Every record of an export, by file (in manifest order), as the export source reads them. */
async function readRecords(summaryKey: string): Promise<{ format: string; byFile: string[][] }> {
  const summary = await readManifestSummary(ctx, s3.bucket, summaryKey);
  const files = await readManifestFiles(ctx, s3.bucket, summary.manifestFilesS3Key);
  const byFile: string[][] = files.map(() => []);
  let current = 0;
  const source: SourceContext = {
    async emit(page) {
      byFile[current]!.push(...page);
    },
    log: () => undefined,
    interrupt: new AbortController().signal,
    permits: new Semaphore(1),
    maxRetries: 2,
    readConcurrency: 1,
  };
  const part = { export_arn: summary.exportArn, kind: 'full' as const, requested_at: '2026-11-25T10:00:00.000Z', export_time: null, window: null, file_count: files.length, files_done: [], files_in_flight: {} };
  const format = await dataFileFormatFor(summary.outputFormat, { kind: 'full' });
  // One file at a time, so each page is known to belong to the file being read.
  for (const file of files) {
    current = file.index;
    const outcome = await readDataFiles(source, {
      stream: 'orders',
      bucket: s3.bucket,
      files: [file],
      progress: new ExportProgress(part),
      open: (f) => openObject(ctx, s3.bucket, f.key),
      format,
      stateWith: (p) => ({ ...emptyState('full_refresh'), export: p }),
    });
    expect(outcome).toBe('complete');
  }
  return { format: summary.outputFormat, byFile };
}

describe('a hand-written Ion export', () => {
  it('gives the same records as the DynamoDB JSON export of the same items, member order included', async () => {
    const ion = await readRecords(ION_SUMMARY);
    const json = await readRecords(JSON_SUMMARY);
    expect(ion.format).toBe('ION');
    expect(json.format).toBe('DYNAMODB_JSON');
    expect(ion.byFile[0]).toEqual([...json.byFile[0]!, ...json.byFile[1]!]);
    expect(ion.byFile[0]).toEqual([
      '{"pk":"acct#1","sk":12345678901234567890123456789012345678,"tags":["a","b"],"bin":"3q2+7w=="}',
      '{"pk":"acct#2","sk":-0.5,"note":"quote \\" and é and 😀"}',
      '{"pk":"acct#3","sk":1000,"prices":[1.5,99999999999999999999999999999999999999],"blobs":["AAE=","/w=="],"meta":{"open":true,"gone":null,"list":["x",0.000000000000000000000000000000000001]}}',
    ]);
  });

  it("reads AWS's documented item and DynamoDB's number spellings exactly (6d2, 3937d1, 103., 38 digits, extreme exponents)", async () => {
    const { byFile } = await readRecords(ION_SUMMARY);
    expect(byFile[1]).toEqual([
      '{"Authors":["Author1","Author2"],"Dimensions":"8.5 x 11.0 x 1.5","ISBN":"333-3333333333","Id":103,"InPublication":false,"PageCount":600,"Price":2000,"ProductCategory":"Book","Title":"Book 103 Title"}',
      // Integer-like names first, ascending, as the DynamoDB JSON path orders them; `__proto__` is an attribute.
      `{"0":"zero","12":"twelve","pk":39370,"sk":25130455,"big":99999999999999999999999999999999999999${'0'.repeat(88)},"tiny":0.${'0'.repeat(129)}1,"neg":-1234567890123456789012345678901234567.8,"odd-name":"dash","__proto__":null}`,
    ]);
  });
});

describe('exports found by listing the prefix', () => {
  it('finds every export of the table, full and incremental, in time order, with their formats', async () => {
    const found = await listExports(ctx, { bucket: s3.bucket, prefix: 'exports/orders' });
    expect(found.map((e) => [e.summaryKey, e.kind, e.format, e.until])).toEqual([
      [JSON_SUMMARY, 'full', 'DYNAMODB_JSON', '2026-11-24T10:00:00.000Z'],
      // Its data files sit in the shared AWSDynamoDB/data/ folder; the summary is found all the same.
      ['exports/orders/AWSDynamoDB/01234567890999-e5f6a7b8/manifest-summary.json', 'incremental', 'DYNAMODB_JSON', '2026-11-24T11:00:00.000Z'],
      [ION_SUMMARY, 'full', 'ION', '2026-11-25T10:00:00.000Z'],
    ]);
    expect(found[1]!.window).toEqual({ from: '2026-11-24T10:00:00.000Z', to: '2026-11-24T11:00:00.000Z' });
    // The bucket's root lists the same exports (a prefix deeper in the key is fine).
    expect((await listExports(ctx, { bucket: s3.bucket })).map((e) => e.exportArn)).toEqual(found.map((e) => e.exportArn));
  });

  it("matches the table by its ARN, else by the name in the exports' tableArn", async () => {
    const found = await listExports(ctx, { bucket: s3.bucket, prefix: 'exports' });
    expect(exportsOfTable(found, { name: 'orders', arn: 'arn:aws:dynamodb:us-east-1:123456789012:table/orders' })).toHaveLength(3);
    expect(exportsOfTable(found, { name: 'orders', arn: 'arn:aws:dynamodb:ddblocal:000000000000:table/orders' })).toHaveLength(3);
    expect(exportsOfTable(found, { name: 'order', arn: undefined })).toEqual([]);
    expect(await listExports(ctx, { bucket: s3.bucket, prefix: 'nothing/here' })).toEqual([]);
  });
});
