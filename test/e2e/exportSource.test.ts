// The export source driven as a library, the way the orchestrator will drive it, against DynamoDB Local behind the
// export emulator and a real S3 server (s3rver): a full export gives exactly the table (as the Scan path writes it),
// a sync stopped in the middle of a file resumes the same export and emits nothing twice, an incremental export
// gives upserts and deletes, and each way an export can fail says what to do.
import {
  DeleteItemCommand,
  DescribeTableCommand,
  PutItemCommand,
  UpdateContinuousBackupsCommand,
  UpdateItemCommand,
  paginateScan,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDynamoDBClient, createS3Client } from '../../src/aws/clients.js';
import type { Config } from '../../src/config/validate.js';
import { itemToJson } from '../support/sdkItemToJson.js';
import { ConnectorError } from '../../src/errors/ConnectorError.js';
import { exportTargetFromConfig, pointInTimeRecovery, newFullExport, newIncrementalExport, readExport, readFullExport, readIncrementalExport, writeTimeIso, type ExportPlan } from '../../src/export/index.js';
import type { SourceContext } from '../../src/pipeline/sourceContext.js';
import { emptyState, type ExportState, type StreamState } from '../../src/state/streamState.js';
import { Semaphore } from '../../src/util/concurrency.js';
import { connectorConfig, createTable, putItems, testClient, uniqueName } from '../support/dynamo.js';
import { startExportEmulator, type ExportEmulator } from '../support/exportEmulator.js';
import { startS3Server, type RunningS3Server } from '../support/s3Server.js';

const ddbEndpoint = inject('ddbEndpoint');
const direct = testClient(ddbEndpoint);
let s3: RunningS3Server;
let emulator: ExportEmulator;

beforeAll(async () => {
  s3 = await startS3Server('exports');
  emulator = await startExportEmulator({ ddbEndpoint, s3Endpoint: s3.endpoint });
});

afterAll(async () => {
  await emulator?.close();
  await s3?.close();
});

// ---- a tiny orchestrator: collects records and the state after each page --------------------------------------

interface Collected {
  ctx: SourceContext;
  records: string[];
  states: StreamState[];
  logs: string[];
  /** 'now' checkpoints, in order. */
  urgent: StreamState[];
}

function collector(stopAfterRecords?: number, stopWhen?: (state: StreamState) => boolean): Collected {
  const records: string[] = [];
  const states: StreamState[] = [];
  const urgent: StreamState[] = [];
  const logs: string[] = [];
  const stop = new AbortController();
  const ctx: SourceContext = {
    async emit(page, position, when) {
      records.push(...page);
      // Every page checkpointed: the strictest an orchestrator can be, so every position is put to the test.
      const state = position();
      states.push(state);
      if (when === 'now') urgent.push(state);
      if (stopAfterRecords !== undefined && records.length >= stopAfterRecords) stop.abort();
      if (stopWhen?.(state)) stop.abort();
    },
    log: (level, message) => logs.push(`${level} ${message}`),
    interrupt: stop.signal,
    permits: new Semaphore(16),
    maxRetries: 3,
    readConcurrency: 4,
  };
  return { ctx, records, states, logs, urgent };
}

/** A config as validation leaves it (the schema loader resolves paths of the built package, so it is not used here). */
const asConfig = (raw: Record<string, unknown>) => raw as unknown as Config;

function config(extra: Record<string, unknown> = {}) {
  return asConfig(connectorConfig(emulator.endpoint, { export: { s3_bucket: s3.bucket, s3_prefix: 'airbyte/exports', s3_endpoint: s3.endpoint, ...extra } }));
}

async function tableArn(name: string): Promise<string> {
  return (await direct.send(new DescribeTableCommand({ TableName: name }))).Table!.TableArn!;
}

async function plan(table: string, part: ExportState, extra: Partial<ExportPlan> = {}, cfg = config()): Promise<ExportPlan> {
  return {
    stream: table,
    table: { name: table, arn: await tableArn(table) },
    target: exportTargetFromConfig(cfg),
    clients: { dynamodb: createDynamoDBClient(cfg), s3: await createS3Client(cfg) },
    export: part,
    stateWith: (p) => ({ ...emptyState('full_refresh'), ...(p ? { export: p } : {}) }),
    poll: { initialMs: 100, maxMs: 400 },
    ...extra,
  };
}

async function enablePitr(table: string): Promise<void> {
  await testClient(emulator.endpoint).send(new UpdateContinuousBackupsCommand({ TableName: table, PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }));
}

/** The table as the Scan path turns it into records. */
async function tableAsRecords(table: string): Promise<string[]> {
  const out: string[] = [];
  for await (const page of paginateScan({ client: direct }, { TableName: table })) for (const item of page.Items ?? []) out.push(itemToJson(item));
  return out.sort();
}

const exportRequests = (table: string) => emulator.requests.filter((r) => r.operation === 'ExportTableToPointInTime' && r.table === table);

function mixedItem(i: number): Record<string, AttributeValue> {
  return {
    pk: { S: `acct#${i % 37}` },
    sk: { N: `${i}12345678901234567890123456789012345678`.slice(0, 38) },
    price: { N: '-0.000000000000000000000000000000000001' },
    bin: { B: new Uint8Array([0, i % 256, 255, 7]) },
    tags: { SS: ['a', `t${i}`] },
    scores: { NS: ['1', '99999999999999999999999999999999999999'] },
    blobs: { BS: [new Uint8Array([1, 2]), new Uint8Array([i % 256])] },
    nested: { M: { when: { S: '2026-11-24T10:00:00Z' }, list: { L: [{ NULL: true }, { BOOL: false }, { N: '3.14' }] } } },
    note: { S: `line "${i}"\n\u00e9\u{1F600}` },
  };
}

async function fullTable(name: string, count: number): Promise<void> {
  await createTable(direct, name, { hash: ['pk', 'S'], range: ['sk', 'N'] });
  await putItems(direct, name, Array.from({ length: count }, (_, i) => mixedItem(i)));
}

function configErrorOf(err: unknown): ConnectorError {
  expect(err).toBeInstanceOf(ConnectorError);
  expect((err as ConnectorError).failureType).toBe('config_error');
  return err as ConnectorError;
}

// ---- full exports ----------------------------------------------------------------------------------------------

describe('full export', () => {
  it('gives exactly the table, byte for byte as the Scan path writes it, from several gzip files', async () => {
    const table = uniqueName('exp_full');
    await fullTable(table, 300);
    await enablePitr(table);
    emulator.setBehaviour(table, { dataFiles: 4, inProgressMs: 600 });
    const c = collector();
    const outcome = await readFullExport(c.ctx, await plan(table, newFullExport()));

    expect(outcome.status).toBe('complete');
    const expected = await tableAsRecords(table);
    expect(expected).toHaveLength(300);
    expect([...c.records].sort()).toEqual(expected);
    // What a user would check in the destination: exact numbers, base64 binary, sets as arrays.
    const one = c.records.find((r) => r.includes('"tags":["a","t1"]'))!;
    expect(one).toContain(`"sk":${mixedItem(1).sk!.N}`);
    expect(mixedItem(1).sk!.N).toHaveLength(38);
    expect(one).toContain('"price":-0.000000000000000000000000000000000001');
    expect(one).toContain('"scores":[1,99999999999999999999999999999999999999]');
    expect(one).toContain('"bin":"AAH/Bw=="');
    expect(one).toContain('"tags":["a","t1"]');

    const exported = emulator.exports().filter((e) => e.table === table);
    expect(exported).toHaveLength(1);
    expect(exported[0]!.files).toHaveLength(4);
    expect(exported[0]!.files.every((f) => f.key.startsWith('airbyte/exports/AWSDynamoDB/') && /\/data\/[a-z2-7]{26}\.json\.gz$/.test(f.key))).toBe(true);
    if (outcome.status === 'complete') {
      expect(outcome.exportArn).toBe(exported[0]!.arn);
      expect(outcome.itemCount).toBe(300);
      expect(outcome.fileCount).toBe(4);
      expect(outcome.part.files_done).toEqual([[0, 3]]);
      expect(outcome.part.files_in_flight).toEqual({});
    }
    // The export ARN was checkpointed before the first wait, and the waits were logged.
    const firstWithArn = c.urgent.findIndex((s) => s.export?.export_arn === exported[0]!.arn);
    expect(firstWithArn).toBeGreaterThanOrEqual(0);
    expect(c.states.findIndex((s) => s.export?.export_arn === exported[0]!.arn)).toBe(c.states.indexOf(c.urgent[firstWithArn]!));
    expect(c.logs.some((l) => /IN_PROGRESS/.test(l))).toBe(true);
    expect(emulator.requests.filter((r) => r.operation === 'DescribeExport' && r.table === table).length).toBeGreaterThan(1);
  });

  it('leaves out omitted attributes and appends the orchestrator\'s metadata', async () => {
    const table = uniqueName('exp_omit');
    await fullTable(table, 20);
    await enablePitr(table);
    const c = collector();
    await readExport(c.ctx, await plan(table, newFullExport(), { omit: new Set(['blobs', 'note']), recordSuffix: (m) => `,"_kind":"${m.kind}"` }));
    expect(c.records).toHaveLength(20);
    for (const r of c.records) {
      const parsed = JSON.parse(r) as Record<string, unknown>;
      expect(Object.keys(parsed).sort()).toEqual(['_kind', 'bin', 'nested', 'pk', 'price', 'scores', 'sk', 'tags']);
      expect(parsed).not.toHaveProperty('blobs');
      expect(parsed).not.toHaveProperty('note');
      expect(parsed._kind).toBe('snapshot');
    }
  });

  it('resumes a sync stopped in the middle of a file: nothing twice, nothing missing, one export', async () => {
    const table = uniqueName('exp_resume');
    await fullTable(table, 2600);
    await enablePitr(table);
    emulator.setBehaviour(table, { dataFiles: 2 });
    const first = collector(1000);
    const stopped = await readFullExport(first.ctx, await plan(table, newFullExport()));
    expect(stopped.status).toBe('interrupted');
    const last = first.states.at(-1)!;
    // Stopped inside the files: some lines of a file emitted, the file not finished.
    expect(Object.values(last.export!.files_in_flight).some((n) => n > 0)).toBe(true);
    expect(first.records.length).toBeLessThan(2600);

    // The next sync starts from the last STATE, as an orchestrator would pass it back.
    const second = collector();
    const resumed = await readFullExport(second.ctx, await plan(table, JSON.parse(JSON.stringify(last.export)) as ExportState));
    expect(resumed.status).toBe('complete');
    const all = [...first.records, ...second.records].sort();
    expect(all).toEqual(await tableAsRecords(table));
    expect(exportRequests(table)).toHaveLength(1);
  });

  it('resumes the same export when stopped while it is still running', async () => {
    const table = uniqueName('exp_wait');
    await fullTable(table, 30);
    await enablePitr(table);
    emulator.setBehaviour(table, { inProgressMs: 1500 });
    const first = collector(undefined, (s) => s.export?.export_arn != null);
    expect((await readFullExport(first.ctx, await plan(table, newFullExport()))).status).toBe('interrupted');
    const arn = first.states.at(-1)!.export!.export_arn;
    expect(arn).toMatch(/\/export\/\d{14}-[0-9a-f]{8}$/);

    const second = collector();
    const outcome = await readFullExport(second.ctx, await plan(table, first.states.at(-1)!.export!));
    expect(outcome.status === 'complete' && outcome.exportArn).toBe(arn);
    expect(second.records.sort()).toEqual(await tableAsRecords(table));
    expect(exportRequests(table)).toHaveLength(1);
  });

  it('asks again with the same ClientToken after a crash before the ARN was stored, and gets the same export', async () => {
    const table = uniqueName('exp_token');
    await fullTable(table, 10);
    await enablePitr(table);
    emulator.setBehaviour(table, { inProgressMs: 1000 });
    const part = newFullExport();
    // The first sync died right after its request: only the pending state (no ARN) had been checkpointed.
    const first = collector(undefined, (s) => s.export?.export_arn != null);
    await readFullExport(first.ctx, await plan(table, part));
    const pending = first.urgent[0]!.export!;
    expect(pending.export_arn).toBeNull();

    const second = collector();
    const outcome = await readFullExport(second.ctx, await plan(table, pending));
    expect(outcome.status).toBe('complete');
    expect(second.records).toHaveLength(10);
    expect(exportRequests(table)).toHaveLength(2);
    expect(new Set(exportRequests(table).map((r) => r.body.ClientToken)).size).toBe(1);
    expect(emulator.exports().filter((e) => e.table === table)).toHaveLength(1);
  });
});

// ---- incremental exports ---------------------------------------------------------------------------------------

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** An instant clearly after every write before it and before every write after it (changes are timed to the ms). */
async function instant(): Promise<Date> {
  await pause(30);
  const at = new Date();
  await pause(30);
  return at;
}

describe('incremental export', () => {
  it('gives the last state of each item changed in the window: upserts and deletes with their write times', async () => {
    const table = uniqueName('exp_incr');
    await createTable(direct, table, { hash: ['pk', 'S'] }, { StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' } });
    await enablePitr(table);
    // Written through the emulator, which times each change to the millisecond (see exportEmulator.ts).
    const writer = testClient(emulator.endpoint);
    const put = (item: Record<string, AttributeValue>) => writer.send(new PutItemCommand({ TableName: table, Item: item }));
    await put({ pk: { S: 'b' }, v: { N: '1' } });
    await put({ pk: { S: 'c' }, v: { N: '1' }, big: { N: '12345678901234567890123456789012345678' } });

    const from = await instant();
    await put({ pk: { S: 'a' }, v: { N: '1' }, raw: { B: new Uint8Array([222, 173, 190, 239]) } });
    await writer.send(new UpdateItemCommand({ TableName: table, Key: { pk: { S: 'b' } }, UpdateExpression: 'SET v = :v', ExpressionAttributeValues: { ':v': { N: '2' } } }));
    await writer.send(new DeleteItemCommand({ TableName: table, Key: { pk: { S: 'c' } } }));
    await put({ pk: { S: 'd' }, v: { N: '1' } });
    await writer.send(new DeleteItemCommand({ TableName: table, Key: { pk: { S: 'd' } } }));
    const to = await instant();
    await put({ pk: { S: 'e' }, v: { N: '1' } });

    const c = collector();
    const outcome = await readIncrementalExport(
      c.ctx,
      await plan(table, newIncrementalExport({ from, to }), { recordSuffix: (m) => (m.kind === 'snapshot' ? '' : `,"_op":"${m.kind}","_at":"${writeTimeIso(m.writeTimeMicros)}"`) }),
    );
    expect(outcome.status === 'complete' && outcome.window).toEqual({ from: from.toISOString(), to: to.toISOString() });
    const byKey = new Map(c.records.map((r) => [(JSON.parse(r) as { pk: string }).pk, JSON.parse(r) as Record<string, unknown>]));
    expect([...byKey.keys()].sort()).toEqual(['a', 'b', 'c']);
    expect(byKey.get('a')).toMatchObject({ v: 1, raw: '3q2+7w==', _op: 'upsert' });
    expect(byKey.get('b')).toMatchObject({ v: 2, _op: 'upsert' });
    expect(byKey.get('c')).toMatchObject({ _op: 'delete' });
    // A delete carries the item as it was before (NEW_AND_OLD_IMAGES), numbers exact.
    expect(c.records.find((r) => r.includes('"pk":"c"'))).toContain('"big":12345678901234567890123456789012345678');
    for (const record of byKey.values()) {
      const at = Date.parse(record._at as string);
      expect(at).toBeGreaterThanOrEqual(from.getTime());
      expect(at).toBeLessThan(to.getTime());
    }
    const request = exportRequests(table)[0]!.body as { ExportType: string; IncrementalExportSpecification: Record<string, unknown> };
    expect(request.ExportType).toBe('INCREMENTAL_EXPORT');
    expect(request.IncrementalExportSpecification).toEqual({ ExportFromTime: from.getTime() / 1000, ExportToTime: to.getTime() / 1000, ExportViewType: 'NEW_AND_OLD_IMAGES' });
  });
});

// ---- failures --------------------------------------------------------------------------------------------------

describe('failures', () => {
  it('point-in-time recovery off: a config error that says how to enable it', async () => {
    const table = uniqueName('exp_nopitr');
    await fullTable(table, 3);
    const c = collector();
    const err = await readFullExport(c.ctx, await plan(table, newFullExport())).catch((e: unknown) => e);
    expect(configErrorOf(err).message).toMatch(/point-in-time recovery is off/);
    expect((err as Error).message).toContain(`update-continuous-backups --table-name ${table}`);
    expect(c.records).toHaveLength(0);

    // What check can tell the user beforehand, and that enabling it is the fix.
    const api = { dynamodb: createDynamoDBClient(config()), log: () => undefined, maxRetries: 1, interrupt: new AbortController().signal };
    expect((await pointInTimeRecovery(api, table)).enabled).toBe(false);
    await enablePitr(table);
    const pitr = await pointInTimeRecovery(api, table);
    expect(pitr.enabled).toBe(true);
    expect(pitr.earliest!.getTime()).toBeLessThanOrEqual(Date.now());
    const retried = await readFullExport(collector().ctx, await plan(table, c.urgent[0]!.export!));
    expect(retried.status).toBe('complete');
  });

  it('an export that FAILED on S3 permissions: a config error naming what to grant, and the export forgotten', async () => {
    const table = uniqueName('exp_denied');
    await fullTable(table, 3);
    await enablePitr(table);
    emulator.setBehaviour(table, { failure: { code: 'S3AccessDenied', message: 'Access Denied' }, inProgressMs: 200 });
    const c = collector();
    const err = await readFullExport(c.ctx, await plan(table, newFullExport())).catch((e: unknown) => e);
    const message = configErrorOf(err).message;
    expect(message).toContain('S3AccessDenied: Access Denied');
    expect(message).toContain('s3:PutObject');
    expect(message).toContain(`arn:aws:s3:::${s3.bucket}/airbyte/exports/*`);
    expect(c.urgent.at(-1)!.export).toBeUndefined();
  });

  it('an export that FAILED for another reason: a transient error with its code and message', async () => {
    const table = uniqueName('exp_failed');
    await fullTable(table, 3);
    await enablePitr(table);
    emulator.setBehaviour(table, { failure: { code: 'UNKNOWN', message: 'Internal failure while exporting' } });
    const err = await readFullExport(collector().ctx, await plan(table, newFullExport())).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectorError);
    expect((err as ConnectorError).failureType).toBe('transient_error');
    expect((err as Error).message).toContain('UNKNOWN: Internal failure while exporting');
  });

  it('a bucket that does not exist: the export fails, and the error says to check export.s3_bucket', async () => {
    const table = uniqueName('exp_nobucket');
    await fullTable(table, 3);
    await enablePitr(table);
    const err = await readFullExport(collector().ctx, await plan(table, newFullExport(), {}, config({ s3_bucket: 'no-such-bucket' }))).catch((e: unknown) => e);
    expect(configErrorOf(err).message).toMatch(/S3NoSuchBucket.*export\.s3_bucket/);
  });

  it('S3 refusing the reads: a config error naming s3:GetObject', async () => {
    const table = uniqueName('exp_noread');
    await fullTable(table, 3);
    await enablePitr(table);
    const reader = asConfig(connectorConfig(emulator.endpoint, {
      credentials: { auth_type: 'access_keys', access_key_id: 'not-an-s3-key', secret_access_key: 'test' },
      export: { s3_bucket: s3.bucket, s3_prefix: 'airbyte/exports', s3_endpoint: s3.endpoint },
    }));
    const err = await readFullExport(collector().ctx, await plan(table, newFullExport(), {}, reader)).catch((e: unknown) => e);
    expect(configErrorOf(err).message).toMatch(/Access denied reading the export file .*Grant s3:GetObject/);
  });
});
