// The per-stream state: one versioned JSON object per stream, always emitted whole (Airbyte replaces what it
// stored with each STATE). Keys and cursor values keep DynamoDB's wire form ({"N":"…"}, {"B":"base64"}) so they
// round-trip exactly.
//
// {
//   "version": 1,
//   "sync_mode": "full_refresh" | "incremental",
//   "scan": null | {                        // a scan in progress; null when none is
//     "total_segments": 8,                 // frozen for the life of the scan
//     "completed_segments": [[0, 2], [5, 5]],
//     "segment_positions": { "3": {…ExclusiveStartKey…} },   // started segments that are not finished
//     "cursor_lower_bound": null | {"S": "…"} | {"N": "…"},  // incremental: the filter of this scan
//     "max_cursor_seen": null | {"N": "…"}                    // incremental: running maximum of what was emitted
//   },
//   "cursor": null | { "field": "updated_at", "value": {"S": "…"} | {"N": "…"} }, // committed cursor
//   "cdc": null | {                                    // DynamoDB Streams mode
//     "stream_arn": "arn:…/stream/…",                  // the stream this state belongs to
//     "generation": 0,                                 // snapshot generation; a re-snapshot increments it
//     "snapshot_done": false,                          // the snapshot (in "scan") is finished
//     "shards": { "shardId-…": { "parent": null | "shardId-…", "last_sequence": null | "…", "finished": false,
//                                "empty_pages": 3 } }   // optional: empty pages already read past last_sequence
//     "read_until": "2026-11-24T10:00:00.000Z"       // optional: every change before it has been read
//   },
//   "export": {                                        // an export to S3 being read; absent when none is
//     "export_arn": null | "arn:…/export/…",           // null until ExportTableToPointInTime has answered
//     "kind": "full" | "incremental",
//     "requested_at": "2026-11-24T10:00:00.000Z",       // when this export was decided on: with the rest, its ClientToken
//     "export_time": null | "2026-11-24T10:00:00.000Z", // full: the point in time asked for; null: as of the request
//     "window": null | { "from": "…", "to": "…" },      // incremental: [from, to)
//     "file_count": null | 12,                          // data files in manifest-files.json, once read
//     "files_done": [[0, 3], [5, 5]],                   // finished files, by their line in manifest-files.json
//     "files_in_flight": { "4": 2000 }                  // started files: lines already emitted
//   },
//   "exported_until": "2026-11-24T10:00:00.000Z",     // s3_export mode: every change before it has been read
//   "last_export": "arn:…/export/…",                  // s3_export mode, export.mode existing: the last export loaded
//   "query": {                                         // cursor_indexes: a pass of Queries in progress; absent when none is
//     "index": "by_updated_at",                        // the global secondary index queried
//     "partition_values": [{"S": "s0"}, {"S": "s1"}],  // frozen for the life of the pass, as the config listed them
//     "lower_bound": {"S": "…"} | {"N": "…"},          // the pass reads sort keys above it (the cursor minus the lookback)
//     "completed": [[0, 1]],                           // partition values read to their end, by their place in the list
//     "positions": { "2": {…LastEvaluatedKey…} },      // started partition values that are not finished
//     "max_cursor_seen": null | {"S": "…"}             // largest cursor of the pass, committed when every value is done
//   }
// }
import { isWireKey, type WireKey } from '../convert/keyCodec.js';
import { configError } from '../errors/ConnectorError.js';
import type { JsonObject, SyncMode } from '../util/json.js';
import { hasSegment, isValidRanges, type SegmentRanges } from './segmentRanges.js';

export const STATE_VERSION = 1;

export type CursorValue = { S: string } | { N: string };

export interface ScanState {
  total_segments: number;
  completed_segments: SegmentRanges;
  segment_positions: Record<string, WireKey>;
  cursor_lower_bound: CursorValue | null;
  /**
   * The largest cursor value among the records this scan has emitted (across all segments). A scan is unordered,
   * so it becomes the committed cursor only when every segment has finished.
   */
  max_cursor_seen: CursorValue | null;
}

export interface CommittedCursor {
  field: string;
  value: CursorValue;
}

export interface ShardState {
  parent: string | null;
  /** Sequence number of the last record emitted from this shard; null before any. */
  last_sequence: string | null;
  /** Read to its end (a closed shard); its children may be read. */
  finished: boolean;
  /**
   * Consecutive empty GetRecords pages already read past last_sequence (absent when none). An open shard can
   * answer empty pages in the middle of its life; iterators expire after 15 minutes, so the durable resume point
   * stays the sequence number, and this count lets the next sync replay those pages without counting them as a
   * sign of being caught up: every sync that stops on empty pages goes further than the one before.
   */
  empty_pages?: number;
}

export interface CdcState {
  stream_arn: string;
  generation: number;
  snapshot_done: boolean;
  shards: Record<string, ShardState>;
  /**
   * ISO 8601: every change made before it has been read (the snapshot's start, then the start of the last sync
   * that read every shard up to its start). Where an export begins when the stream lost changes (on_data_loss export).
   */
  read_until?: string;
}

export type ExportKind = 'full' | 'incremental';

export interface ExportWindow {
  /** ISO 8601, inclusive. */
  from: string;
  /** ISO 8601, exclusive. */
  to: string;
}

export interface ExportState {
  export_arn: string | null;
  kind: ExportKind;
  /** ISO 8601. Part of the ClientToken, so that asking again after a crash returns the same export. */
  requested_at: string;
  /** Full exports: the point in time asked for (ISO 8601); null when the export is of the moment it was requested. */
  export_time: string | null;
  window: ExportWindow | null;
  file_count: number | null;
  /** Indexes of data files (their line in manifest-files.json) read to their end. */
  files_done: SegmentRanges;
  /** Started data files, by index: how many of their lines have been emitted. */
  files_in_flight: Record<string, number>;
}

/** A pass of Queries on a cursor index: one Query per partition value, each resumable from its LastEvaluatedKey. */
export interface QueryState {
  index: string;
  partition_values: CursorValue[];
  lower_bound: CursorValue;
  completed: SegmentRanges;
  positions: Record<string, WireKey>;
  /** Every partition value is read in sort key order, but the pass is not: the cursor moves only when it is over. */
  max_cursor_seen: CursorValue | null;
}

export interface StreamState {
  version: typeof STATE_VERSION;
  sync_mode: SyncMode;
  scan: ScanState | null;
  cursor: CommittedCursor | null;
  cdc: CdcState | null;
  /** Optional so that the states of streams that never export keep their shape. */
  export?: ExportState;
  /**
   * Replication mode s3_export: the end of the last finished export (a full export's time, an incremental export's
   * ExportToTime), ISO 8601. The next incremental export starts there; absent before the first export has finished.
   */
  exported_until?: string;
  /** Replication mode s3_export with export.mode existing: the ARN of the last export loaded (exports after it are next). */
  last_export?: string;
  /** Optional, like export: only streams read through a cursor index have one, and only during a pass. */
  query?: QueryState;
}

export const emptyState = (syncMode: SyncMode): StreamState => ({ version: STATE_VERSION, sync_mode: syncMode, scan: null, cursor: null, cdc: null });

export function stateToJson(state: StreamState): JsonObject {
  return state as unknown as JsonObject;
}

const resetAdvice = 'Reset (clear) the data of this stream in your orchestrator, or remove it from the state file, then sync again.';

/** Validates a stream's state blob read from --state; anything unexpected is a config_error naming the stream. */
export function parseStreamState(stream: string, blob: unknown, syncMode: SyncMode): StreamState {
  const fail = (what: string) => configError(`The state of stream ${stream} ${what}. ${resetAdvice}`, { stream });
  if (typeof blob !== 'object' || blob === null || Array.isArray(blob)) throw fail('is not a JSON object');
  const s = blob as Record<string, unknown>;
  if (s.version !== STATE_VERSION) throw fail(`has version ${JSON.stringify(s.version)}, but this connector reads version ${STATE_VERSION}`);
  if (s.sync_mode !== syncMode) {
    throw fail(`was written by a ${JSON.stringify(s.sync_mode)} sync, but the catalog now asks for ${syncMode}`);
  }
  const scan = s.scan === null || s.scan === undefined ? null : parseScan(s.scan, fail);
  const cursor = s.cursor === null || s.cursor === undefined ? null : parseCursor(s.cursor, fail);
  const cdc = s.cdc === null || s.cdc === undefined ? null : parseCdc(s.cdc, fail);
  const exported = s.export === null || s.export === undefined ? undefined : parseExport(s.export, fail);
  const query = s.query === null || s.query === undefined ? undefined : parseQuery(s.query, fail);
  const until = s.exported_until;
  if (until !== undefined && (typeof until !== 'string' || Number.isNaN(Date.parse(until)))) throw fail('has an invalid exported_until');
  const last = s.last_export;
  if (last !== undefined && (typeof last !== 'string' || !last.includes('/export/'))) throw fail('has an invalid last_export');
  return {
    version: STATE_VERSION,
    sync_mode: syncMode,
    scan,
    cursor,
    cdc,
    ...(exported ? { export: exported } : {}),
    ...(until !== undefined ? { exported_until: until } : {}),
    ...(last !== undefined ? { last_export: last } : {}),
    ...(query ? { query } : {}),
  };
}

function parseScan(value: unknown, fail: (what: string) => Error): ScanState {
  if (typeof value !== 'object' || value === null) throw fail('has a scan that is not an object');
  const v = value as Record<string, unknown>;
  const total = v.total_segments;
  if (!Number.isInteger(total) || (total as number) < 1 || (total as number) > 1_000_000) throw fail('has an invalid scan.total_segments');
  if (!isValidRanges(v.completed_segments, total as number)) throw fail('has invalid scan.completed_segments');
  const positions = v.segment_positions ?? {};
  if (typeof positions !== 'object' || positions === null || Array.isArray(positions)) throw fail('has invalid scan.segment_positions');
  for (const [segment, key] of Object.entries(positions)) {
    if (!isSegmentNumber(segment, total as number) || !isWireKey(key)) throw fail(`has an invalid position for segment ${segment}`);
  }
  const bound = v.cursor_lower_bound ?? null;
  if (bound !== null && !isCursorValue(bound)) throw fail('has an invalid scan.cursor_lower_bound');
  const maxSeen = v.max_cursor_seen ?? null;
  if (maxSeen !== null && !isCursorValue(maxSeen)) throw fail('has an invalid scan.max_cursor_seen');
  return {
    total_segments: total as number,
    completed_segments: v.completed_segments as SegmentRanges,
    segment_positions: positions as Record<string, WireKey>,
    cursor_lower_bound: bound as CursorValue | null,
    max_cursor_seen: maxSeen as CursorValue | null,
  };
}

function parseQuery(value: unknown, fail: (what: string) => Error): QueryState {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw fail('has a query part that is not an object');
  const v = value as Record<string, unknown>;
  if (typeof v.index !== 'string' || v.index === '') throw fail('has no query.index');
  const values = v.partition_values;
  if (!Array.isArray(values) || values.length === 0 || !values.every(isCursorValue)) throw fail('has invalid query.partition_values');
  if (!isCursorValue(v.lower_bound)) throw fail('has an invalid query.lower_bound');
  if (!isValidRanges(v.completed, values.length)) throw fail('has invalid query.completed');
  const positions = v.positions ?? {};
  if (typeof positions !== 'object' || positions === null || Array.isArray(positions)) throw fail('has invalid query.positions');
  for (const [place, key] of Object.entries(positions)) {
    const open = isSegmentNumber(place, values.length) && !hasSegment(v.completed, Number(place));
    if (!open || !isWireKey(key)) throw fail(`has an invalid query position for partition value ${place}`);
  }
  const maxSeen = v.max_cursor_seen ?? null;
  if (maxSeen !== null && !isCursorValue(maxSeen)) throw fail('has an invalid query.max_cursor_seen');
  return {
    index: v.index,
    partition_values: values,
    lower_bound: v.lower_bound,
    completed: v.completed,
    positions: positions as Record<string, WireKey>,
    max_cursor_seen: maxSeen as CursorValue | null,
  };
}

function parseCursor(value: unknown, fail: (what: string) => Error): CommittedCursor {
  if (typeof value !== 'object' || value === null) throw fail('has a cursor that is not an object');
  const v = value as Record<string, unknown>;
  if (typeof v.field !== 'string' || !isCursorValue(v.value)) throw fail('has an invalid cursor');
  return { field: v.field, value: v.value };
}

function parseCdc(value: unknown, fail: (what: string) => Error): CdcState {
  if (typeof value !== 'object' || value === null) throw fail('has a cdc part that is not an object');
  const v = value as Record<string, unknown>;
  if (typeof v.stream_arn !== 'string' || v.stream_arn === '') throw fail('has no cdc.stream_arn');
  if (!Number.isInteger(v.generation) || (v.generation as number) < 0) throw fail('has an invalid cdc.generation');
  if (typeof v.snapshot_done !== 'boolean') throw fail('has an invalid cdc.snapshot_done');
  const shards = v.shards;
  if (typeof shards !== 'object' || shards === null || Array.isArray(shards)) throw fail('has invalid cdc.shards');
  for (const [id, shard] of Object.entries(shards)) {
    const sh = shard as Record<string, unknown> | null;
    const ok =
      sh !== null &&
      typeof sh === 'object' &&
      (sh.parent === null || typeof sh.parent === 'string') &&
      (sh.last_sequence === null || (typeof sh.last_sequence === 'string' && /^\d+$/.test(sh.last_sequence))) &&
      typeof sh.finished === 'boolean' &&
      (sh.empty_pages === undefined || (Number.isInteger(sh.empty_pages) && (sh.empty_pages as number) >= 0));
    if (!ok) throw fail(`has an invalid entry for shard ${id}`);
  }
  if (v.read_until !== undefined && (typeof v.read_until !== 'string' || Number.isNaN(Date.parse(v.read_until)))) throw fail('has an invalid cdc.read_until');
  return {
    stream_arn: v.stream_arn,
    generation: v.generation as number,
    snapshot_done: v.snapshot_done,
    shards: shards as Record<string, ShardState>,
    ...(v.read_until !== undefined ? { read_until: v.read_until as string } : {}),
  };
}

function parseExport(value: unknown, fail: (what: string) => Error): ExportState {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw fail('has an export part that is not an object');
  const v = value as Record<string, unknown>;
  const arn = v.export_arn ?? null;
  if (arn !== null && (typeof arn !== 'string' || !arn.includes('/export/'))) throw fail('has an invalid export.export_arn');
  if (v.kind !== 'full' && v.kind !== 'incremental') throw fail('has an invalid export.kind');
  if (!isIsoTime(v.requested_at)) throw fail('has an invalid export.requested_at');
  const exportTime = v.export_time ?? null;
  const window = v.window ?? null;
  if (v.kind === 'full' && ((exportTime !== null && !isIsoTime(exportTime)) || window !== null)) throw fail('has a full export with an invalid export.export_time');
  if (v.kind === 'incremental') {
    const w = window as Record<string, unknown> | null;
    const ok = typeof w === 'object' && w !== null && isIsoTime(w.from) && isIsoTime(w.to) && Date.parse(w.from) < Date.parse(w.to);
    if (!ok || exportTime !== null) throw fail('has an incremental export without a valid export.window');
  }
  const fileCount = v.file_count ?? null;
  if (fileCount !== null && (!Number.isInteger(fileCount) || (fileCount as number) < 0)) throw fail('has an invalid export.file_count');
  const done = v.files_done ?? [];
  const inFlight = v.files_in_flight ?? {};
  if (fileCount === null) {
    // Files are numbered by the manifest: before it was read, no file can have been started.
    if (!Array.isArray(done) || done.length > 0 || Object.keys(inFlight as object).length > 0) throw fail('lists export files before their manifest was read');
  } else if (!isValidRanges(done, fileCount as number)) {
    throw fail('has invalid export.files_done');
  }
  if (typeof inFlight !== 'object' || inFlight === null || Array.isArray(inFlight)) throw fail('has invalid export.files_in_flight');
  for (const [file, lines] of Object.entries(inFlight)) {
    const inRange = isSegmentNumber(file, (fileCount as number | null) ?? 0) && !hasSegment(done as SegmentRanges, Number(file));
    if (!inRange || !Number.isInteger(lines) || (lines as number) < 0) throw fail(`has an invalid position for export file ${file}`);
  }
  return {
    export_arn: arn as string | null,
    kind: v.kind,
    requested_at: v.requested_at,
    export_time: exportTime as string | null,
    window: window as ExportWindow | null,
    file_count: fileCount as number | null,
    files_done: done as SegmentRanges,
    files_in_flight: inFlight as Record<string, number>,
  };
}

const isIsoTime = (value: unknown): value is string =>
  typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/.test(value) && !Number.isNaN(Date.parse(value));

const isSegmentNumber = (s: string, total: number) => /^(0|[1-9]\d*)$/.test(s) && Number(s) < total;

export function isCursorValue(value: unknown): value is CursorValue {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  if (keys.length !== 1) return false;
  const v = value as Record<string, unknown>;
  if (typeof v.S === 'string') return true;
  return typeof v.N === 'string' && /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(v.N);
}
