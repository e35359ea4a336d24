// Our own types for the Singer messages and catalog this connector emits or reads (Singer spec; Meltano SDK
// conventions for metadata).
import type { JsonObject, JsonValue } from '../airbyte/messages.js';

export interface SchemaMessage {
  type: 'SCHEMA';
  stream: string;
  schema: JsonObject;
  key_properties: string[];
  bookmark_properties?: string[];
}

export interface StateMessage {
  type: 'STATE';
  value: JsonObject;
}

/** A full table copy is complete: rows of the stream's table without this version are gone (Singer's table
 *  versioning; the target deletes them or marks them _sdc_deleted_at). */
export interface ActivateVersionMessage {
  type: 'ACTIVATE_VERSION';
  stream: string;
  version: number;
}

/** The messages written one at a time; RECORDs go out a page at a time (serializeSingerRecords). */
export type SingerMessage = SchemaMessage | StateMessage | ActivateVersionMessage;

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

/**
 * One RECORD line per record of a page (joined by newlines, none at the end):
 * {"type":"RECORD","stream":…,"record":<the record's JSON text, verbatim>,"time_extracted":…[,"version":…]}. The
 * envelope is built once per page.
 */
export function serializeSingerRecords(stream: string, texts: readonly string[], timeExtracted: string, version?: number): string {
  const head = `{"type":"RECORD","stream":${JSON.stringify(stream)},"record":`;
  const tail = `,"time_extracted":"${timeExtracted}"${version === undefined ? '' : `,"version":${version}`}}`;
  return head + texts.join(tail + '\n' + head) + tail;
}

/** One Singer message per line. */
export function serializeSingerMessage(message: SingerMessage): string {
  return JSON.stringify(message);
}
