// Our own types for the Singer messages and catalog this connector emits or reads (Singer spec; Meltano SDK
// conventions for metadata).
import type { JsonObject, JsonValue } from '../airbyte/messages.js';
import type { RawJson } from '../../pipeline/events.js';

export interface SchemaMessage {
  type: 'SCHEMA';
  stream: string;
  schema: JsonObject;
  key_properties: string[];
  bookmark_properties?: string[];
}

export interface RecordMessage {
  type: 'RECORD';
  stream: string;
  record: RawJson;
  time_extracted: string;
}

export interface StateMessage {
  type: 'STATE';
  value: JsonObject;
}

export type SingerMessage = SchemaMessage | RecordMessage | StateMessage;

export interface MetadataEntry {
  breadcrumb: string[];
  metadata: { [key: string]: JsonValue };
}

export interface CatalogEntry {
  tap_stream_id: string;
  stream: string;
  schema: JsonObject;
  key_properties: string[];
  metadata: MetadataEntry[];
}

export interface SingerCatalog {
  streams: CatalogEntry[];
}

export type ReplicationMethod = 'FULL_TABLE' | 'INCREMENTAL' | 'LOG_BASED';

/** One RECORD line per record of a page (joined by newlines, none at the end); the envelope is built once. */
export function serializeSingerRecords(stream: string, texts: readonly string[], timeExtracted: string): string {
  const head = `{"type":"RECORD","stream":${JSON.stringify(stream)},"record":`;
  const tail = `,"time_extracted":"${timeExtracted}"}`;
  return head + texts.join(tail + '\n' + head) + tail;
}

/** One Singer message per line; record data (already exact JSON text) is spliced in verbatim. */
export function serializeSingerMessage(message: SingerMessage): string {
  if (message.type === 'RECORD') {
    return `{"type":"RECORD","stream":${JSON.stringify(message.stream)},"record":${message.record.text},"time_extracted":"${message.time_extracted}"}`;
  }
  return JSON.stringify(message);
}
