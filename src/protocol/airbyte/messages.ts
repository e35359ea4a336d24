// Our own types for the Airbyte protocol messages this connector emits or reads (protocol v0.3.x).
// Only what we use is modelled; field names follow the protocol exactly (camelCase where it is camelCase).

import type { FailureType } from '../../errors/ConnectorError.js';
import type { LogLevel } from '../../log.js';
import type { RawJson, StreamStatus } from '../../pipeline/events.js';

export type { FailureType, LogLevel, RawJson, StreamStatus };

import type { JsonObject, JsonValue, SyncMode } from '../../util/json.js';

export type { JsonObject, JsonValue, SyncMode };

export interface StreamDescriptor {
  name: string;
  namespace?: string;
}

export type DestinationSyncMode = 'append' | 'overwrite' | 'append_dedup' | 'update';

export interface AirbyteStream {
  name: string;
  namespace?: string;
  json_schema: JsonObject;
  supported_sync_modes: SyncMode[];
  source_defined_cursor?: boolean;
  default_cursor_field?: string[];
  source_defined_primary_key?: string[][];
  is_resumable?: boolean;
}

export interface ConfiguredAirbyteStream {
  stream: AirbyteStream;
  sync_mode: SyncMode;
  destination_sync_mode?: DestinationSyncMode;
  cursor_field?: string[];
  primary_key?: string[][];
}

export interface ConfiguredAirbyteCatalog {
  streams: ConfiguredAirbyteStream[];
}


export interface RecordMessage {
  type: 'RECORD';
  record: { namespace?: string; stream: string; data: RawJson; emitted_at: number };
}

/**
 * The RECORD messages of one page of one stream, kept together so they are serialized in one go. Not a message of
 * its own: it is written as one RECORD line per record (serializeOutput), and the library's read() hands out the
 * RECORD messages one by one.
 */
export interface RecordBatch {
  type: 'RECORD_BATCH';
  stream: string;
  /** Each record's data, as JSON object text. */
  texts: readonly string[];
  emitted_at: number;
}

export interface StreamStateMessage {
  type: 'STATE';
  state: {
    type: 'STREAM';
    stream: { stream_descriptor: StreamDescriptor; stream_state: JsonObject };
    sourceStats?: { recordCount: number };
  };
}

export interface LogMessage {
  type: 'LOG';
  log: { level: LogLevel; message: string; stack_trace?: string };
}

export interface SpecMessage {
  type: 'SPEC';
  spec: JsonObject;
}

export interface ConnectionStatusMessage {
  type: 'CONNECTION_STATUS';
  connectionStatus: { status: 'SUCCEEDED' | 'FAILED'; message?: string };
}

export interface CatalogMessage {
  type: 'CATALOG';
  catalog: { streams: AirbyteStream[] };
}

export interface ErrorTrace {
  type: 'ERROR';
  emitted_at: number;
  error: {
    message: string;
    internal_message?: string;
    stack_trace?: string;
    failure_type: FailureType;
    stream_descriptor?: StreamDescriptor;
  };
}

export interface EstimateTrace {
  type: 'ESTIMATE';
  emitted_at: number;
  estimate: { name: string; namespace?: string; type: 'STREAM'; row_estimate?: number; byte_estimate?: number };
}

export interface StreamStatusTrace {
  type: 'STREAM_STATUS';
  emitted_at: number;
  stream_status: { stream_descriptor: StreamDescriptor; status: StreamStatus; reasons?: StreamStatusReason[] };
}

/** Why a stream is in its status: the protocol knows one reason, RATE_LIMITED (with RUNNING). */
export interface StreamStatusReason {
  type: 'RATE_LIMITED';
  /** quota_reset: epoch ms when the quota should be back. */
  rate_limited?: { quota_reset?: number };
}

export interface TraceMessage {
  type: 'TRACE';
  trace: ErrorTrace | EstimateTrace | StreamStatusTrace;
}

export type Message =
  | RecordMessage
  | StreamStateMessage
  | LogMessage
  | SpecMessage
  | ConnectionStatusMessage
  | CatalogMessage
  | TraceMessage;

/** What a read yields on its way to stdout: messages, with a page's records batched. */
export type Output = Message | RecordBatch;
