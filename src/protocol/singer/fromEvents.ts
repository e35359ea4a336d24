// The Singer adapter of the read pipeline: SCHEMA before a stream's first record, RECORD with time_extracted, and a
// STATE holding every stream's bookmark after each checkpoint. Schema drift widens the stream's SCHEMA: before its
// first record, the one SCHEMA that goes out is already wide (a target creating its table then needs no ALTER);
// later, an updated SCHEMA goes out before the first record needing it, as the Singer spec lets a tap do. A
// FULL_TABLE copy made from its start is versioned: its RECORDs carry the version, and ACTIVATE_VERSION follows
// its COMPLETE, so a target drops (or marks deleted) the rows of items deleted since the last copy. Logs, estimates and stream status become stderr
// lines; a stream's error becomes a CRITICAL line (and a non-zero exit), while the other streams go on.
import type { ReadEvent } from '../../pipeline/events.js';
import { describeDrift, widenSchema } from '../../pipeline/schemaDrift.js';
import { stateToJson } from '../../state/streamState.js';
import type { JsonObject } from '../airbyte/messages.js';
import { serializeSingerMessage, serializeSingerRecords, type SchemaMessage, type SingerMessage } from './messages.js';
import { stateValue } from './state.js';

/** Lines for stdout (Singer messages only; one, or a page of RECORDs; `urgent` ones are flushed at once) or a line
 *  for stderr (logs, CRITICAL errors). */
export type SingerOutput = { to: 'stdout'; line: string; urgent: boolean } | { to: 'stderr'; line: string; critical?: boolean };

/** SCHEMA and STATE: rare, and flushed at once. */
const out = (message: SingerMessage): SingerOutput => ({ to: 'stdout', line: serializeSingerMessage(message), urgent: true });

/**
 * @param versions per FULL_TABLE stream copied from its start, the table version its RECORDs carry; when the copy
 *   completes, an ACTIVATE_VERSION tells the target that rows without it are deleted items
 */
export async function* singerOutputs(
  events: AsyncIterable<ReadEvent>,
  schemas: ReadonlyMap<string, SchemaMessage>,
  inputBookmarks: ReadonlyMap<string, unknown>,
  versions: ReadonlyMap<string, number> = new Map(),
): AsyncGenerator<SingerOutput> {
  // Bookmarks of streams not read in this sync are carried forward, so the state a run leaves is complete.
  const bookmarks = new Map<string, JsonObject>();
  for (const [stream, state] of inputBookmarks) bookmarks.set(stream, state as JsonObject);
  // Per stream, its SCHEMA until the first record goes (or the stream ends), then the last one sent.
  const pending = new Map<string, SchemaMessage>();
  const sent = new Map<string, SchemaMessage>();
  const flush = (stream: string): SingerOutput | undefined => {
    const schema = pending.get(stream);
    if (schema === undefined) return undefined;
    pending.delete(stream);
    sent.set(stream, schema);
    return out(schema);
  };
  let extractedAtMs = -1;
  let extractedAt = '';
  for await (const event of events) {
    switch (event.type) {
      case 'status': {
        if (event.status === 'STARTED' && !sent.has(event.stream) && !pending.has(event.stream)) {
          const schema = schemas.get(event.stream);
          if (schema !== undefined) pending.set(event.stream, schema);
        }
        if (event.status === 'COMPLETE' || event.status === 'INCOMPLETE') {
          const schema = flush(event.stream);
          if (schema !== undefined) yield schema;
        }
        const version = versions.get(event.stream);
        if (event.status === 'COMPLETE' && version !== undefined) yield out({ type: 'ACTIVATE_VERSION', stream: event.stream, version });
        yield { to: 'stderr', line: `INFO Stream ${event.stream}: ${event.status}` };
        break;
      }
      case 'schema_drift': {
        const before = pending.get(event.stream) ?? sent.get(event.stream);
        if (before === undefined) break;
        const widened: SchemaMessage = { ...before, schema: widenSchema(before.schema, event.changes) };
        yield { to: 'stderr', line: `INFO Stream ${event.stream}: ${describeDrift(event.changes)}; the SCHEMA is widened to take it.` };
        if (pending.has(event.stream)) {
          pending.set(event.stream, widened);
        } else {
          sent.set(event.stream, widened);
          yield out(widened);
        }
        break;
      }
      case 'records': {
        if (event.texts.length === 0) break;
        const schema = flush(event.stream);
        if (schema !== undefined) yield schema;
        // Records of one page share their extraction time, formatted once.
        if (event.emittedAt !== extractedAtMs) {
          extractedAtMs = event.emittedAt;
          extractedAt = new Date(extractedAtMs).toISOString();
        }
        yield { to: 'stdout', line: serializeSingerRecords(event.stream, event.texts, extractedAt, versions.get(event.stream)), urgent: false };
        break;
      }
      case 'checkpoint':
        bookmarks.set(event.stream, stateToJson(event.state));
        yield out({ type: 'STATE', value: stateValue(bookmarks) });
        break;
      case 'estimate':
        yield { to: 'stderr', line: `INFO Stream ${event.stream}: about ${event.rows} items, ${event.bytes} bytes (DescribeTable)` };
        break;
      case 'rate-limit':
        yield event.limited
          ? { to: 'stderr', line: `WARN Stream ${event.stream}: waiting on DynamoDB throttling (rate limited); reads should resume about ${new Date(event.resetAt).toISOString()}` }
          : { to: 'stderr', line: `INFO Stream ${event.stream}: reading at speed again after throttling` };
        break;
      case 'log':
        yield { to: 'stderr', line: `${event.level} ${event.message}` };
        break;
      case 'error':
        yield { to: 'stderr', line: `CRITICAL ${event.message}`, critical: true };
        break;
    }
  }
}
