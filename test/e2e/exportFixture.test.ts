// Hand-written exports laid out exactly as AWS documents them (test/fixtures/export/, data files gzipped here),
// put in a real S3 server and read back through the export reader: manifests, data files found by the keys the
// manifest gives (an incremental export's files in the shared AWSDynamoDB/data/ folder), every line turned into
// the record a user expects; a damaged export is refused, not half read.
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3Client } from '../../src/aws/clients.js';
import type { Config } from '../../src/config/validate.js';
import { ConnectorError } from '../../src/errors/ConnectorError.js';
import { writeTimeIso } from '../../src/convert/exportLines.js';
import type { DataFileFormat } from '../../src/export/dataFileFormat.js';
import { jsonDataFileFormat } from '../../src/export/jsonDataFile.js';
import { ExportProgress } from '../../src/export/exportProgress.js';
import { readDataFiles } from '../../src/export/exportReader.js';
import { readManifestFiles, readManifestSummary, type DataFile } from '../../src/export/manifest.js';
import { openObject, type S3ReadContext } from '../../src/export/s3Objects.js';
import type { SourceContext } from '../../src/pipeline/sourceContext.js';
import { emptyState, type ExportState, type StreamState } from '../../src/state/streamState.js';
import { Semaphore } from '../../src/util/concurrency.js';
import { connectorConfig } from '../support/dynamo.js';
import { startS3Server, type RunningS3Server } from '../support/s3Server.js';

const FIXTURES = join(import.meta.dirname, '../fixtures/export');
const FULL_SUMMARY = 'exports/orders/AWSDynamoDB/01234567890123-a1b2c3d4/manifest-summary.json';
const INCREMENTAL_SUMMARY = 'exports/orders/AWSDynamoDB/01234567890999-e5f6a7b8/manifest-summary.json';

let s3: RunningS3Server;
let ctx: S3ReadContext;

/** Uploads a fixture tree as an export: data/*.json gzipped into data/*.json.gz, everything else as it is. */
async function upload(tree: string, rewrite: (key: string, body: Buffer) => Buffer = (_k, b) => b): Promise<void> {
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
    await ctx.s3.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: rewrite(key, body) }));
  }
}

beforeAll(async () => {
  s3 = await startS3Server('my-bucket');
  const config = connectorConfig('http://unused.invalid', { export: { s3_bucket: s3.bucket, s3_endpoint: s3.endpoint } }) as unknown as Config;
  ctx = { s3: await createS3Client(config), log: () => undefined, maxRetries: 2 };
});

afterAll(async () => {
  await s3?.close();
});

function collector(): { source: SourceContext; records: string[]; states: StreamState[] } {
  const records: string[] = [];
  const states: StreamState[] = [];
  const source: SourceContext = {
    async emit(page, position) {
      records.push(...page);
      states.push(position());
    },
    log: () => undefined,
    interrupt: new AbortController().signal,
    permits: new Semaphore(4),
    maxRetries: 2,
    readConcurrency: 2,
  };
  return { source, records, states };
}

const startedPart = (kind: 'full' | 'incremental', files: DataFile[]): ExportState => ({
  export_arn: 'arn:aws:dynamodb:us-east-1:123456789012:table/orders/export/01234567890123-a1b2c3d4',
  kind,
  requested_at: '2026-11-24T10:00:00.000Z',
  export_time: null,
  window: kind === 'incremental' ? { from: '2026-11-24T10:00:00.000Z', to: '2026-11-24T11:00:00.000Z' } : null,
  file_count: files.length,
  files_done: [],
  files_in_flight: {},
});

async function readAll(summaryKey: string, kind: 'full' | 'incremental', format: DataFileFormat) {
  const summary = await readManifestSummary(ctx, s3.bucket, summaryKey);
  const files = await readManifestFiles(ctx, s3.bucket, summary.manifestFilesS3Key);
  const c = collector();
  const outcome = await readDataFiles(c.source, {
    stream: 'orders',
    bucket: s3.bucket,
    files,
    progress: new ExportProgress(startedPart(kind, files)),
    open: (f) => openObject(ctx, s3.bucket, f.key),
    format,
    stateWith: (part) => ({ ...emptyState('full_refresh'), export: part }),
  });
  return { summary, files, outcome, ...c };
}

describe('a hand-written full export', () => {
  it('reads both manifests and every item of both data files, exactly', async () => {
    await upload('full');
    const { summary, files, outcome, records, states } = await readAll(FULL_SUMMARY, 'full', jsonDataFileFormat({ kind: 'full' }));
    expect(summary).toMatchObject({ itemCount: 3, outputFormat: 'DYNAMODB_JSON', exportType: 'FULL_EXPORT', exportTime: '2026-11-24T10:00:00.000Z' });
    expect(files.map((f) => [f.index, f.key.split('/').pop(), f.itemCount])).toEqual([
      [0, 'abcd1234.json.gz', 2],
      [1, 'efgh5678.json.gz', 1],
    ]);
    expect(outcome).toBe('complete');
    expect([...records].sort()).toEqual([
      '{"pk":"acct#1","sk":12345678901234567890123456789012345678,"tags":["a","b"],"bin":"3q2+7w=="}',
      '{"pk":"acct#2","sk":-0.5,"note":"quote \\" and é and 😀"}',
      '{"pk":"acct#3","sk":1000,"prices":[1.5,99999999999999999999999999999999999999],"blobs":["AAE=","/w=="],"meta":{"open":true,"gone":null,"list":["x",0.000000000000000000000000000000000001]}}',
    ]);
    expect(states.at(-1)!.export).toMatchObject({ files_done: [[0, 1]], files_in_flight: {} });
  });

  it('refuses a data file whose line count differs from its manifest entry', async () => {
    await upload('full', (key, body) => (key.endsWith('manifest-files.json') ? Buffer.from(body.toString().replace('"itemCount":2', '"itemCount":3')) : body));
    const err = await readAll(FULL_SUMMARY, 'full', jsonDataFileFormat({ kind: 'full' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectorError);
    expect((err as Error).message).toMatch(/abcd1234\.json\.gz holds 2 lines but its manifest entry says 3 items/);
  });

  it('refuses a data file that is not gzip', async () => {
    await upload('full', (key, body) => (key.endsWith('efgh5678.json.gz') ? Buffer.from('{"Item":{}}\n') : body));
    const err = await readAll(FULL_SUMMARY, 'full', jsonDataFileFormat({ kind: 'full' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectorError);
    expect((err as Error).message).toMatch(/efgh5678\.json\.gz is not valid gzip/);
  });
});

describe('a hand-written incremental export', () => {
  it('gives upserts with the new image and deletes with the old image (or the keys), each with its write time', async () => {
    await upload('incremental');
    const suffix = jsonDataFileFormat({
      kind: 'incremental',
      recordSuffix: (m) => (m.kind === 'snapshot' ? '' : `,"_op":"${m.kind}","_at":"${writeTimeIso(m.writeTimeMicros)}"`),
      omit: new Set(['note']),
    });
    const { summary, files, outcome, records } = await readAll(INCREMENTAL_SUMMARY, 'incremental', suffix);
    expect(summary.exportType).toBe('INCREMENTAL_EXPORT');
    expect(files.map((f) => f.key)).toEqual(['exports/orders/AWSDynamoDB/data/ijkl9012.json.gz']);
    expect(outcome).toBe('complete');
    expect(records).toEqual([
      '{"pk":"acct#1","sk":12345678901234567890123456789012345678,"tags":["a","b","c"],"_op":"upsert","_at":"2026-03-24T19:06:39.746598Z"}',
      '{"pk":"acct#4","sk":4,"bin":"3q2+7w==","_op":"upsert","_at":"2026-03-24T19:06:40.000001Z"}',
      '{"pk":"acct#2","sk":-0.5,"_op":"delete","_at":"2026-03-24T19:06:41.500000Z"}',
      '{"pk":"acct#3","sk":1000,"_op":"delete","_at":"2026-03-24T19:06:42.000000Z"}',
    ]);
  });
});
