// What a read produces, in neither protocol's words: records, checkpoints, stream status, estimates, logs and
// per-stream errors. The Airbyte and Singer adapters (protocol/) turn these into their own messages.
import type { FailureType } from '../errors/ConnectorError.js';
import type { LogLevel } from '../log.js';
import type { StreamState } from '../state/streamState.js';
import type { DriftChange } from './schemaDrift.js';

/** JSON text that is already serialized (record data: numbers keep all 38 digits, so it never goes through a JS number). */
export class RawJson {
  constructor(readonly text: string) {}
  toJSON(): never {
    throw new Error('RawJson must be spliced into a message by its protocol serializer, not JSON.stringify');
  }
}

export type StreamStatus = 'STARTED' | 'RUNNING' | 'COMPLETE' | 'INCOMPLETE';

export type ReadEvent =
  /** The records of one page, in order: each text is one record's JSON object. Kept together so that every later
   *  step (queue, adapter, serializer, writer) pays per page rather than per record. */
  | { type: 'records'; stream: string; texts: readonly string[]; emittedAt: number }
  /** The whole state of one stream, covering every record of that stream emitted before it. */
  | { type: 'checkpoint'; stream: string; state: StreamState; recordCount: number }
  | { type: 'status'; stream: string; status: StreamStatus }
  /** The records that follow need a wider schema than the stream's catalog gave (schemaDrift.ts): attributes
   *  discover never saw, or values of a kind the schema does not allow. Comes before the first record needing it. */
  | { type: 'schema_drift'; stream: string; changes: readonly DriftChange[] }
  | { type: 'estimate'; stream: string; rows: number; bytes: number }
  /** The stream has been waiting on throttling for a noticeable time and expects the quota back at `resetAt` (epoch
   *  ms); or (limited: false) it reads at speed again. Both while the stream is RUNNING. */
  | { type: 'rate-limit'; stream: string; limited: true; resetAt: number }
  | { type: 'rate-limit'; stream: string; limited: false }
  | { type: 'log'; level: LogLevel; message: string }
  | { type: 'error'; failureType: FailureType; message: string; stream?: string; internalMessage?: string };
