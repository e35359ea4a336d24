// DynamoDB's export to S3 for the tests, in front of DynamoDB Local (which has no exports and no point-in-time
// recovery): a real HTTP server that answers ExportTableToPointInTime, DescribeExport, ListExports,
// DescribeContinuousBackups and UpdateContinuousBackups itself, in DynamoDB's JSON 1.0 protocol, and forwards every
// other request unchanged (as faultProxy.ts does). Exports are written into a real S3 server (s3rver) in AWS's
// documented layout: manifest-summary.json, manifest-files.json and several gzip data files of DynamoDB JSON lines,
// or of Amazon Ion text lines for ExportFormat ION (written with ion-js's writer: N as decimals with an integer's
// trailing zeros in the exponent, 600 → 6d2, as DynamoDB writes them; sets annotated $dynamodb_SS/NS/BS). It can also
// lay exports straight into the bucket (`layExport`), as a schedule of the user's own would have made them beforehand:
// those go through no API call at all.
//
// Where it differs from AWS, on purpose:
// - A full export is the table as scanned when the export is requested, whatever ExportTime says (ExportTime is
//   still checked against the point-in-time recovery window, as AWS does).
// - An incremental export is built from the table's DynamoDB stream (the table must have one, NEW_AND_OLD_IMAGES),
//   read when the export is requested. A change belongs to the window when ExportFromTime <= its time <
//   ExportToTime. DynamoDB Local rounds a stream record's ApproximateCreationDateTime down to the MINUTE, too coarse
//   for windows of seconds, so the emulator times changes itself: after each write it forwards (PutItem,
//   UpdateItem, DeleteItem, BatchWriteItem, TransactWriteItems) it reads the new stream records before answering
//   and stamps them with that moment (millisecond precision; WriteTimestampMicros is that time in µs). Tests write
//   through the emulator's endpoint; a change written around it only has DynamoDB Local's minute.
// - The 15-minute minimum and 24-hour maximum of an incremental window are not enforced, so tests run in seconds.
// - AWS shows no Ion line of an incremental export: the emulator writes the JSON shape with Ion values
//   (Metadata.WriteTimestampMicros a decimal), a guess the reader's tests say is one.
import {
  DescribeTableCommand,
  DynamoDBClient,
  type TableDescription,
} from '@aws-sdk/client-dynamodb';
import { DescribeStreamCommand, DynamoDBStreamsClient, GetShardIteratorCommand } from '@aws-sdk/client-dynamodb-streams';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { createSignedJsonRpc, type SdkClientLike } from '../../src/aws/signedJsonRpc.js';
import { TEST_CREDENTIALS } from './dynamo.js';
import { ionLine, type ExportLine, type WireValue } from './exportLines.js';
import { reply, sendUpstream } from './upstream.js';

const JSON_CONTENT_TYPE = 'application/x-amz-json-1.0';
const WRITE_OPERATIONS = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems']);
const OWN_OPERATIONS = new Set(['ExportTableToPointInTime', 'DescribeExport', 'ListExports', 'DescribeContinuousBackups', 'UpdateContinuousBackups']);
/** How far in the future an ExportTime or ExportToTime may be before it is refused (clocks of one machine). */
const CLOCK_TOLERANCE_MS = 1000;

export interface ExportBehaviour {
  /** DescribeExport answers IN_PROGRESS at least this long after the request. */
  inProgressMs?: number;
  /** The export ends FAILED with this code and message (and writes nothing). */
  failure?: { code: string; message: string };
  /** Data files a full export is split into (AWS writes many). Default 3. */
  dataFiles?: number;
}

export type EmulatedFormat = 'DYNAMODB_JSON' | 'ION';

/** An export laid into the bucket as if made beforehand by someone else's schedule. */
export interface LaidExport {
  bucket: string;
  /** S3Prefix of the export (none: the bucket's root). */
  prefix?: string;
  type?: 'FULL_EXPORT' | 'INCREMENTAL_EXPORT';
  format?: EmulatedFormat;
  /** Full exports: the time the summary gives (default now); the items are the table as it is now. */
  exportTime?: Date;
  /** Incremental exports: the window, filled from the table's stream as ExportTableToPointInTime would. */
  window?: { from: Date; to: Date };
  dataFiles?: number;
  /** Overrides the summary's tableArn (an export of a table of the same name in another account or region). */
  tableArn?: string;
}

export interface EmulatorRequest {
  operation: string;
  /** TableName, or the table named by TableArn or ExportArn. */
  table: string | undefined;
  /** Answered here rather than forwarded to DynamoDB Local. */
  emulated: boolean;
  body: Record<string, unknown>;
}

export interface EmulatedExport {
  arn: string;
  table: string;
  type: 'FULL_EXPORT' | 'INCREMENTAL_EXPORT';
  clientToken: string;
  /** Data files written, with their items. */
  files: Array<{ key: string; itemCount: number }>;
}

export interface ExportEmulator {
  /** http://127.0.0.1:port — use as the DynamoDB endpoint. */
  endpoint: string;
  /** Every request received, in arrival order. */
  requests: EmulatorRequest[];
  /** Applies to exports of this table requested from now on. */
  setBehaviour(table: string, behaviour: ExportBehaviour): void;
  exports(): EmulatedExport[];
  /**
   * Point-in-time recovery as UpdateContinuousBackups would set it (tests usually call the API instead); `since`
   * backdates it, for a table whose recovery window already reaches further back than the test has run.
   */
  enablePitr(table: string, since?: Date): void;
  /** Writes an export of the table into S3 directly; no request is recorded and DescribeExport does not know it. */
  layExport(table: string, options: LaidExport): Promise<{ arn: string; summaryKey: string; itemCount: number }>;
  close(): Promise<void>;
}

interface ExportRecord {
  description: Record<string, unknown>;
  table: string;
  paramsKey: string;
  readyAt: number;
  outcome: Promise<{ ok: true; manifest: string; itemCount: number; billed: number } | { ok: false; code: string; message: string }>;
  settled: Awaited<ExportRecord['outcome']> | undefined;
  files: Array<{ key: string; itemCount: number }>;
}

class ApiError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

export async function startExportEmulator(options: { ddbEndpoint: string; s3Endpoint: string }): Promise<ExportEmulator> {
  const target = new URL(options.ddbEndpoint);
  const ddb = new DynamoDBClient({ region: 'us-east-1', endpoint: options.ddbEndpoint, credentials: TEST_CREDENTIALS });
  const streams = new DynamoDBStreamsClient({ region: 'us-east-1', endpoint: options.ddbEndpoint, credentials: TEST_CREDENTIALS });
  const ddbWire = createSignedJsonRpc(ddb as unknown as SdkClientLike);
  const streamsWire = createSignedJsonRpc(streams as unknown as SdkClientLike);
  const s3 = new S3Client({
    region: 'us-east-1',
    endpoint: options.s3Endpoint,
    forcePathStyle: true,
    credentials: TEST_CREDENTIALS,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });

  const requests: EmulatorRequest[] = [];
  const behaviours = new Map<string, ExportBehaviour>();
  /** table name → when point-in-time recovery was enabled */
  const pitr = new Map<string, Date>();
  const exports = new Map<string, ExportRecord>();
  const byToken = new Map<string, string>();
  const changeLogs = new Map<string, { shards: Map<string, string | null>; records: TimedRecord[]; busy: Promise<void> }>();

  async function describeTable(name: string): Promise<TableDescription> {
    try {
      const out = await ddb.send(new DescribeTableCommand({ TableName: name }));
      return out.Table!;
    } catch (err) {
      if ((err as Error).name === 'ResourceNotFoundException') throw new ApiError('TableNotFoundException', `Table not found: ${name}`);
      throw err;
    }
  }

  function pitrDescription(table: string): Record<string, unknown> {
    const since = pitr.get(table);
    return {
      ContinuousBackupsStatus: 'ENABLED',
      PointInTimeRecoveryDescription: since
        ? { PointInTimeRecoveryStatus: 'ENABLED', EarliestRestorableDateTime: epoch(since), LatestRestorableDateTime: epoch(new Date()), RecoveryPeriodInDays: 35 }
        : { PointInTimeRecoveryStatus: 'DISABLED' },
    };
  }

  function publicDescription(record: ExportRecord): Record<string, unknown> {
    const done = record.settled !== undefined && Date.now() >= record.readyAt;
    if (!done) return { ...record.description, ExportStatus: 'IN_PROGRESS' };
    const s = record.settled!;
    const end = { EndTime: epoch(new Date(Math.max(record.readyAt, (record.description.StartTime as number) * 1000))) };
    if (!s.ok) return { ...record.description, ...end, ExportStatus: 'FAILED', FailureCode: s.code, FailureMessage: s.message };
    return { ...record.description, ...end, ExportStatus: 'COMPLETED', ExportManifest: s.manifest, ItemCount: s.itemCount, BilledSizeBytes: s.billed };
  }

  async function handle(operation: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
    switch (operation) {
      case 'DescribeContinuousBackups': {
        const table = String(body.TableName);
        await describeTable(table);
        return { ContinuousBackupsDescription: pitrDescription(table) };
      }
      case 'UpdateContinuousBackups': {
        const table = String(body.TableName);
        await describeTable(table);
        const spec = body.PointInTimeRecoverySpecification as { PointInTimeRecoveryEnabled?: boolean } | undefined;
        if (spec?.PointInTimeRecoveryEnabled) {
          if (!pitr.has(table)) pitr.set(table, new Date());
        } else {
          pitr.delete(table);
        }
        return { ContinuousBackupsDescription: pitrDescription(table) };
      }
      case 'ExportTableToPointInTime':
        return { ExportDescription: publicDescription(await startExport(body)) };
      case 'DescribeExport': {
        const record = exports.get(String(body.ExportArn));
        if (!record) throw new ApiError('ExportNotFoundException', `Export not found: ${String(body.ExportArn)}`);
        return { ExportDescription: publicDescription(record) };
      }
      case 'ListExports': {
        const all = [...exports.values()].filter((r) => body.TableArn === undefined || r.description.TableArn === body.TableArn);
        const start = body.NextToken === undefined ? 0 : Number(body.NextToken);
        const size = typeof body.MaxResults === 'number' ? body.MaxResults : 25;
        const page = all.slice(start, start + size).map((r) => {
          const d = publicDescription(r);
          return { ExportArn: d.ExportArn, ExportStatus: d.ExportStatus, ExportType: d.ExportType };
        });
        return { ExportSummaries: page, ...(start + size < all.length ? { NextToken: String(start + size) } : {}) };
      }
      default:
        throw new ApiError('UnknownOperationException', operation);
    }
  }

  async function startExport(body: Record<string, unknown>): Promise<ExportRecord> {
    const tableArn = String(body.TableArn ?? '');
    const table = tableNameOf(tableArn);
    if (!table) throw new ApiError('ValidationException', `Invalid TableArn: ${tableArn}`);
    const type = (body.ExportType ?? 'FULL_EXPORT') as 'FULL_EXPORT' | 'INCREMENTAL_EXPORT';
    const format = (body.ExportFormat ?? 'DYNAMODB_JSON') as EmulatedFormat;
    if (format !== 'DYNAMODB_JSON' && format !== 'ION') throw new ApiError('ValidationException', `Unknown ExportFormat ${String(body.ExportFormat)}`);
    const token = typeof body.ClientToken === 'string' ? body.ClientToken : randomBytes(16).toString('hex');
    const { ClientToken: _token, ...params } = body;
    const paramsKey = JSON.stringify(params, Object.keys(params).sort());
    const previous = byToken.get(token);
    if (previous !== undefined) {
      const record = exports.get(previous)!;
      if (record.paramsKey !== paramsKey) throw new ApiError('ExportConflictException', 'The ClientToken was already used with other parameters');
      return record;
    }
    const description = await describeTable(table);
    const since = pitr.get(table);
    if (!since) throw new ApiError('PointInTimeRecoveryUnavailableException', `Point in time recovery is not enabled for table '${table}'`);
    const now = new Date();
    const spec = body.IncrementalExportSpecification as { ExportFromTime?: number; ExportToTime?: number; ExportViewType?: string } | undefined;
    let exportTime = now;
    if (type === 'FULL_EXPORT' && typeof body.ExportTime === 'number') {
      exportTime = new Date(body.ExportTime * 1000);
      if (exportTime < since || exportTime.getTime() > now.getTime() + CLOCK_TOLERANCE_MS) {
        throw new ApiError('InvalidExportTimeException', 'ExportTime is outside of the point in time recovery window');
      }
    }
    let window: { from: Date; to: Date } | undefined;
    if (type === 'INCREMENTAL_EXPORT') {
      if (typeof spec?.ExportFromTime !== 'number' || typeof spec.ExportToTime !== 'number') {
        throw new ApiError('ValidationException', 'An incremental export needs ExportFromTime and ExportToTime');
      }
      window = { from: new Date(spec.ExportFromTime * 1000), to: new Date(spec.ExportToTime * 1000) };
      if (window.from >= window.to) throw new ApiError('ValidationException', 'ExportFromTime must be before ExportToTime');
      if (window.from < since || window.to.getTime() > now.getTime() + CLOCK_TOLERANCE_MS) {
        throw new ApiError('InvalidExportTimeException', 'The export window is outside of the point in time recovery window');
      }
      if (!description.LatestStreamArn || description.StreamSpecification?.StreamViewType !== 'NEW_AND_OLD_IMAGES') {
        throw new ApiError('ValidationException', 'The emulator builds incremental exports from the table stream: give the table a NEW_AND_OLD_IMAGES stream');
      }
    }

    const exportId = `${now.getTime().toString().padStart(14, '0')}-${randomBytes(4).toString('hex')}`;
    const arn = `${tableArn}/export/${exportId}`;
    const bucket = String(body.S3Bucket ?? '');
    const prefix = typeof body.S3Prefix === 'string' && body.S3Prefix !== '' ? body.S3Prefix.replace(/\/+$/, '') : undefined;
    const base = `${prefix ? prefix + '/' : ''}AWSDynamoDB/${exportId}`;
    const behaviour = behaviours.get(table) ?? {};
    const record: ExportRecord = {
      table,
      paramsKey,
      readyAt: now.getTime() + (behaviour.inProgressMs ?? 0),
      settled: undefined,
      files: [],
      outcome: Promise.resolve({ ok: false, code: 'UNKNOWN', message: '' }),
      description: {
        ExportArn: arn,
        ExportStatus: 'IN_PROGRESS',
        StartTime: epoch(now),
        TableArn: tableArn,
        TableId: description.TableId,
        ExportTime: epoch(exportTime),
        ClientToken: token,
        S3Bucket: bucket,
        ...(prefix !== undefined ? { S3Prefix: body.S3Prefix } : {}),
        ...(typeof body.S3BucketOwner === 'string' ? { S3BucketOwner: body.S3BucketOwner } : {}),
        S3SseAlgorithm: 'AES256',
        ExportFormat: format,
        ExportType: type,
        ...(window ? { IncrementalExportSpecification: { ExportFromTime: epoch(window.from), ExportToTime: epoch(window.to), ExportViewType: spec?.ExportViewType ?? 'NEW_AND_OLD_IMAGES' } } : {}),
      },
    };
    const summaryBase = {
      version: '2023-08-01',
      exportArn: arn,
      startTime: now.toISOString(),
      tableArn,
      tableId: description.TableId,
      exportTime: exportTime.toISOString(),
      s3Bucket: bucket,
      s3Prefix: prefix ?? null,
      s3SseAlgorithm: 'AES256',
      s3SseKmsKeyId: null,
      manifestFilesS3Key: `${base}/manifest-files.json`,
      outputFormat: format,
      ...(window
        ? { exportFromTime: window.from.toISOString(), exportToTime: window.to.toISOString(), outputView: spec?.ExportViewType ?? 'NEW_AND_OLD_IMAGES', exportType: 'INCREMENTAL_EXPORT' }
        : {}),
    };
    record.outcome = (async () => {
      if (behaviour.failure) return { ok: false as const, ...behaviour.failure };
      try {
        const lines = window
          ? await changeLines(description.LatestStreamArn!, window, spec?.ExportViewType !== 'NEW_IMAGE')
          : await itemLines(table);
        const written = await writeExportObjects({ bucket, base, lines, format, dataFiles: behaviour.dataFiles, summary: summaryBase });
        record.files.push(...written.files);
        return { ok: true as const, manifest: written.manifest, itemCount: lines.length, billed: written.billed };
      } catch (err) {
        const name = (err as Error).name;
        const code = name === 'NoSuchBucket' ? 'S3NoSuchBucket' : name === 'AccessDenied' || name === 'InvalidAccessKeyId' ? 'S3AccessDenied' : 'UNKNOWN';
        return { ok: false as const, code, message: `${name}: ${(err as Error).message}` };
      }
    })();
    void record.outcome.then((s) => (record.settled = s));
    exports.set(arn, record);
    byToken.set(token, arn);
    return record;
  }

  /** Data files and manifests of one export; the summary last, as AWS writes it once the export has completed. */
  async function writeExportObjects(out: { bucket: string; base: string; lines: ExportLine[]; format: EmulatedFormat; dataFiles: number | undefined; summary: Record<string, unknown> }) {
    const { bucket, base, lines, format } = out;
    const parts = split(lines, Math.max(1, Math.min(lines.length, out.dataFiles ?? 3)));
    const files: Array<{ key: string; itemCount: number }> = [];
    let billed = 0;
    const manifestLines: string[] = [];
    for (const part of parts) {
      const key = `${base}/data/${randomName()}.${format === 'ION' ? 'ion' : 'json'}.gz`;
      const gz = gzipSync(part.map((l) => (format === 'ION' ? ionLine(l) : JSON.stringify(l)) + '\n').join(''));
      billed += gz.length;
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: gz }));
      files.push({ key, itemCount: part.length });
      manifestLines.push(
        JSON.stringify({
          itemCount: part.length,
          md5Checksum: createHash('md5').update(gz).digest('base64'),
          etag: createHash('md5').update(gz).digest('hex'),
          dataFileS3Key: key,
        }),
      );
    }
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `${base}/manifest-files.json`, Body: manifestLines.map((l) => l + '\n').join('') }));
    const summary = { ...out.summary, endTime: new Date().toISOString(), billedSizeBytes: billed, itemCount: lines.length };
    const manifest = `${base}/manifest-summary.json`;
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: manifest, Body: JSON.stringify(summary) }));
    return { manifest, files, billed };
  }

  async function layExport(table: string, options: LaidExport): Promise<{ arn: string; summaryKey: string; itemCount: number }> {
    const description = await describeTable(table);
    const tableArn = options.tableArn ?? description.TableArn!;
    const now = new Date();
    const type = options.type ?? 'FULL_EXPORT';
    const format = options.format ?? 'DYNAMODB_JSON';
    const window = options.window;
    if (type === 'INCREMENTAL_EXPORT' && (window === undefined || !description.LatestStreamArn)) throw new Error('An incremental export needs a window and a table with a stream');
    const exportTime = options.exportTime ?? now;
    const exportId = `${(type === 'FULL_EXPORT' ? exportTime : window!.to).getTime().toString().padStart(14, '0')}-${randomBytes(4).toString('hex')}`;
    const arn = `${tableArn}/export/${exportId}`;
    const prefix = options.prefix ? options.prefix.replace(/\/+$/, '') : undefined;
    const base = `${prefix ? prefix + '/' : ''}AWSDynamoDB/${exportId}`;
    const lines = type === 'INCREMENTAL_EXPORT' ? await changeLines(description.LatestStreamArn!, window!, true) : await itemLines(table);
    const summary = {
      version: '2023-08-01',
      exportArn: arn,
      startTime: now.toISOString(),
      tableArn,
      tableId: description.TableId,
      exportTime: (type === 'FULL_EXPORT' ? exportTime : window!.to).toISOString(),
      s3Bucket: options.bucket,
      s3Prefix: prefix ?? null,
      s3SseAlgorithm: 'AES256',
      s3SseKmsKeyId: null,
      manifestFilesS3Key: `${base}/manifest-files.json`,
      outputFormat: format,
      ...(type === 'INCREMENTAL_EXPORT' ? { exportFromTime: window!.from.toISOString(), exportToTime: window!.to.toISOString(), outputView: 'NEW_AND_OLD_IMAGES', exportType: 'INCREMENTAL_EXPORT' } : {}),
    };
    const written = await writeExportObjects({ bucket: options.bucket, base, lines, format, dataFiles: options.dataFiles, summary });
    return { arn, summaryKey: written.manifest, itemCount: lines.length };
  }

  /**
   * The table's items as export lines. Scanned as raw wire JSON, not through the SDK: its deserializer defines an
   * attribute named `__proto__` away, while JSON.parse keeps it as an own member and JSON.stringify writes it back.
   */
  async function itemLines(table: string): Promise<ExportLine[]> {
    const lines: ExportLine[] = [];
    let start: unknown;
    do {
      const body = await ddbWire.call('DynamoDB_20120810.Scan', JSON.stringify({ TableName: table, ...(start !== undefined ? { ExclusiveStartKey: start } : {}) }));
      const page = JSON.parse(body.toString('utf8')) as { Items?: Array<Record<string, WireValue>>; LastEvaluatedKey?: unknown };
      for (const item of page.Items ?? []) lines.push({ Item: item });
      start = page.LastEvaluatedKey;
    } while (start !== undefined);
    return lines;
  }

  /** The stream compacted to the last state of each item in the window, as an incremental export is. */
  async function changeLines(streamArn: string, window: { from: Date; to: Date }, withOld: boolean): Promise<ExportLine[]> {
    const records = await changesOf(streamArn, true);
    const byKey = new Map<string, { first: TimedRecord; last: TimedRecord }>();
    for (const r of records) {
      if (r.at < window.from || r.at >= window.to) continue;
      const key = JSON.stringify(r.record.dynamodb.Keys);
      const seen = byKey.get(key);
      if (seen) seen.last = r;
      else byKey.set(key, { first: r, last: r });
    }
    const lines: ExportLine[] = [];
    for (const { first, last } of byKey.values()) {
      const oldImage = first.record.dynamodb.OldImage;
      const deleted = last.record.eventName === 'REMOVE';
      if (deleted && oldImage === undefined) continue; // created and deleted inside the window
      const micros = BigInt(last.at.getTime()) * 1000n;
      const line: ExportLine = { Metadata: { WriteTimestampMicros: { N: micros.toString() } }, Keys: last.record.dynamodb.Keys };
      if (withOld && oldImage) line.OldImage = oldImage;
      if (!deleted) line.NewImage = last.record.dynamodb.NewImage!;
      lines.push(line);
    }
    return lines;
  }

  /**
   * The stream's records read so far, each with its time. Records are read right after each write forwarded here
   * and stamped with that moment; records of writes that went around the emulator get DynamoDB Local's
   * ApproximateCreationDateTime, which it rounds down to the minute.
   */
  function changesOf(streamArn: string, fromAnyWriter: boolean): Promise<TimedRecord[]> {
    let log = changeLogs.get(streamArn);
    if (!log) {
      log = { shards: new Map(), records: [], busy: Promise.resolve() };
      changeLogs.set(streamArn, log);
    }
    const current = log;
    const next = current.busy.then(async () => {
      const now = new Date();
      for (const [shardId, after] of await shardsInOrder(streamArn, current.shards)) {
        let iterator = (
          await streams.send(
            new GetShardIteratorCommand({
              StreamArn: streamArn,
              ShardId: shardId,
              ...(after ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: after } : { ShardIteratorType: 'TRIM_HORIZON' }),
            }),
          )
        ).ShardIterator;
        while (iterator) {
          // Raw wire JSON, for the same reason as itemLines: images keep every attribute name.
          const out = JSON.parse((await streamsWire.call('DynamoDBStreams_20120810.GetRecords', JSON.stringify({ ShardIterator: iterator }))).toString('utf8')) as {
            Records?: WireStreamRecord[];
            NextShardIterator?: string;
          };
          const page = out.Records ?? [];
          for (const record of page) {
            const stamped = record.dynamodb.ApproximateCreationDateTime;
            current.records.push({ record, at: fromAnyWriter && stamped !== undefined ? new Date(Math.round(stamped * 1000)) : now });
            current.shards.set(shardId, record.dynamodb.SequenceNumber);
          }
          // An open shard answers empty pages once it is read to its current end.
          if (page.length === 0) break;
          iterator = out.NextShardIterator;
        }
      }
      return current.records;
    });
    current.busy = next.then(() => undefined, () => undefined);
    return next;
  }

  /** Shards parents first (each item's changes stay in order), with the last sequence number read from each. */
  async function shardsInOrder(streamArn: string, read: Map<string, string | null>): Promise<Array<[string, string | null]>> {
    const shards: Array<{ id: string; parent: string | undefined }> = [];
    let start: string | undefined;
    do {
      const out = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn, ExclusiveStartShardId: start }));
      for (const s of out.StreamDescription?.Shards ?? []) shards.push({ id: s.ShardId!, parent: s.ParentShardId });
      start = out.StreamDescription?.LastEvaluatedShardId;
    } while (start !== undefined);
    const ids = new Set(shards.map((s) => s.id));
    const ordered: string[] = [];
    const visit = (id: string) => {
      if (ordered.includes(id)) return;
      const parent = shards.find((s) => s.id === id)?.parent;
      if (parent && ids.has(parent)) visit(parent);
      ordered.push(id);
    };
    for (const s of shards) visit(s.id);
    return ordered.map((id) => [id, read.get(id) ?? null]);
  }

  /** After a write, reads the new records of the written tables' streams, so each gets the time of its write. */
  async function stampWrites(body: Record<string, unknown>, operation: string): Promise<void> {
    for (const table of tablesWrittenBy(operation, body)) {
      const description = await ddb.send(new DescribeTableCommand({ TableName: table })).catch(() => undefined);
      const streamArn = description?.Table?.LatestStreamArn;
      if (streamArn && description?.Table?.StreamSpecification?.StreamEnabled) await changesOf(streamArn, false);
    }
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('error', () => res.destroy());
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const operation = operationOf(req.headers);
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(raw.toString('utf8') || '{}') as Record<string, unknown>;
      } catch {
        // not JSON: forwarded as it is
      }
      const emulated = OWN_OPERATIONS.has(operation);
      requests.push({ operation, table: tableOf(body), emulated, body });
      if (!emulated) return forward(req, raw, res, WRITE_OPERATIONS.has(operation) ? () => stampWrites(body, operation) : undefined);
      handle(operation, body).then(
        (out) => send(res, 200, out),
        (err: unknown) => {
          if (err instanceof ApiError) send(res, err.status, { __type: `com.amazonaws.dynamodb.v20120810#${err.type}`, message: err.message });
          else send(res, 500, { __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: String(err) });
        },
      );
    });
  });

  /** `afterWrite` runs once the upstream has answered and before the client gets the answer. */
  function forward(req: IncomingMessage, body: Buffer, res: ServerResponse, afterWrite?: () => Promise<void>): void {
    sendUpstream(target, req, body).then(
      async (up) => {
        if (afterWrite) await afterWrite().catch(() => undefined);
        reply(res, up);
      },
      () => res.destroy(),
    );
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    setBehaviour(table, behaviour) {
      behaviours.set(table, behaviour);
    },
    exports() {
      return [...exports.entries()].map(([arn, r]) => ({
        arn,
        table: r.table,
        type: r.description.ExportType as EmulatedExport['type'],
        clientToken: r.description.ClientToken as string,
        files: r.files,
      }));
    },
    layExport,
    enablePitr(table, since) {
      if (since !== undefined) pitr.set(table, since);
      else if (!pitr.has(table)) pitr.set(table, new Date());
    },
    async close() {
      // Let exports still being written finish, so nothing writes into a closed S3 server.
      await Promise.allSettled([...exports.values()].map((r) => r.outcome));
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      ddb.destroy();
      streams.destroy();
      ddbWire.destroy();
      streamsWire.destroy();
      s3.destroy();
    },
  };
}

function send(res: ServerResponse, status: number, payload: Record<string, unknown>): void {
  const body = JSON.stringify(payload);
  res.writeHead(status, { 'content-type': JSON_CONTENT_TYPE, 'content-length': Buffer.byteLength(body), 'x-amzn-requestid': randomBytes(8).toString('hex') });
  res.end(body);
}

/** Items spread over `count` files in contiguous runs (the last ones may be smaller or empty, as AWS's can be). */
function split<T>(lines: T[], count: number): T[][] {
  const size = Math.max(1, Math.ceil(lines.length / count));
  return Array.from({ length: count }, (_, i) => lines.slice(i * size, (i + 1) * size));
}

/** Like AWS's data file names: 26 lowercase letters and digits. */
function randomName(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  return Array.from(randomBytes(26), (b) => alphabet[b % 32]).join('');
}

const epoch = (d: Date) => d.getTime() / 1000;

function tableNameOf(arn: string): string | undefined {
  const m = /:table\/([^/]+)/.exec(arn);
  return m?.[1];
}

function tableOf(body: Record<string, unknown>): string | undefined {
  if (typeof body.TableName === 'string') return body.TableName;
  for (const field of ['TableArn', 'ExportArn']) {
    if (typeof body[field] === 'string') return tableNameOf(body[field] as string);
  }
  return undefined;
}

function operationOf(headers: IncomingHttpHeaders): string {
  const target = headers['x-amz-target'];
  const value = Array.isArray(target) ? target[0] : target;
  return value ? value.slice(value.lastIndexOf('.') + 1) : '';
}

/** A stream record as GetRecords sends it: images in wire form, the time in epoch seconds. */
interface WireStreamRecord {
  eventName: string;
  dynamodb: { Keys: Record<string, WireValue>; NewImage?: Record<string, WireValue>; OldImage?: Record<string, WireValue>; SequenceNumber: string; ApproximateCreationDateTime?: number };
}

interface TimedRecord {
  record: WireStreamRecord;
  at: Date;
}

function tablesWrittenBy(operation: string, body: Record<string, unknown>): string[] {
  if (operation === 'BatchWriteItem') return Object.keys((body.RequestItems as object | undefined) ?? {});
  if (operation === 'TransactWriteItems') {
    const items = (body.TransactItems as Array<Record<string, { TableName?: string }>> | undefined) ?? [];
    return [...new Set(items.flatMap((i) => Object.values(i).map((op) => op.TableName ?? '')).filter((t) => t !== ''))];
  }
  return typeof body.TableName === 'string' ? [body.TableName] : [];
}
