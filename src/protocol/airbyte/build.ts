// Pure constructors for the messages we emit: one place that knows each message's shape.
import type {
  AirbyteStream,
  FailureType,
  JsonObject,
  LogLevel,
  Message,
  RawJson,
  StreamDescriptor,
  StreamStatus,
  StreamStatusReason,
} from './messages.js';

export const recordMessage = (stream: string, data: RawJson, emittedAt: number): Message => ({
  type: 'RECORD',
  record: { stream, data, emitted_at: emittedAt },
});

export const logMessage = (level: LogLevel, message: string, stackTrace?: string): Message => ({
  type: 'LOG',
  log: stackTrace === undefined ? { level, message } : { level, message, stack_trace: stackTrace },
});

export const specMessage = (spec: JsonObject): Message => ({ type: 'SPEC', spec });

export const connectionStatusMessage = (status: 'SUCCEEDED' | 'FAILED', message?: string): Message => ({
  type: 'CONNECTION_STATUS',
  connectionStatus: message === undefined ? { status } : { status, message },
});

export const catalogMessage = (streams: AirbyteStream[]): Message => ({ type: 'CATALOG', catalog: { streams } });

export const streamStateMessage = (stream: string, streamState: JsonObject, recordCount: number): Message => ({
  type: 'STATE',
  state: {
    type: 'STREAM',
    stream: { stream_descriptor: { name: stream }, stream_state: streamState },
    sourceStats: { recordCount },
  },
});

export const errorTraceMessage = (
  failureType: FailureType,
  message: string,
  details: { internalMessage?: string; stackTrace?: string; stream?: string } = {},
): Message => {
  const error: {
    message: string;
    failure_type: FailureType;
    internal_message?: string;
    stack_trace?: string;
    stream_descriptor?: StreamDescriptor;
  } = { message, failure_type: failureType };
  if (details.internalMessage !== undefined) error.internal_message = details.internalMessage;
  if (details.stackTrace !== undefined) error.stack_trace = details.stackTrace;
  if (details.stream !== undefined) error.stream_descriptor = { name: details.stream };
  return { type: 'TRACE', trace: { type: 'ERROR', emitted_at: Date.now(), error } };
};

export const estimateTraceMessage = (stream: string, rowEstimate: number, byteEstimate: number): Message => ({
  type: 'TRACE',
  trace: {
    type: 'ESTIMATE',
    emitted_at: Date.now(),
    estimate: { name: stream, type: 'STREAM', row_estimate: rowEstimate, byte_estimate: byteEstimate },
  },
});

export const streamStatusMessage = (stream: string, status: StreamStatus, reasons?: StreamStatusReason[]): Message => ({
  type: 'TRACE',
  trace: { type: 'STREAM_STATUS', emitted_at: Date.now(), stream_status: { stream_descriptor: { name: stream }, status, ...(reasons ? { reasons } : {}) } },
});

/** RUNNING, waiting on the source's rate limit until about `quotaReset` (epoch ms). */
export const rateLimitedStatusMessage = (stream: string, quotaReset: number): Message =>
  streamStatusMessage(stream, 'RUNNING', [{ type: 'RATE_LIMITED', rate_limited: { quota_reset: Math.round(quotaReset) } }]);
