// A stream as a sync should read it, whichever protocol's catalog asked for it (Airbyte's configured catalog or a
// Singer catalog with metadata).
import type { JsonObject, SyncMode } from '../util/json.js';

/** Where an incremental stream finds its changes. */
export type IncrementalBy = 'cursor' | 'dynamodb_streams' | 's3_export';

export interface ConfiguredStream {
  name: string;
  /** full_refresh: the whole table every sync; incremental: by cursor (scan mode) or from the table's stream. */
  syncMode: SyncMode;
  /** Top-level attribute chosen as cursor (incremental by cursor). */
  cursorField: string | undefined;
  /**
   * Where an incremental stream finds its changes: a cursor-filtered scan, the table's DynamoDB stream, or
   * incremental exports to S3. Singer
   * catalogs say it per stream (INCREMENTAL / LOG_BASED); when undefined, the config's replication.mode decides.
   */
  incrementalBy?: IncrementalBy;
  /** Attributes the catalog deselected: left out of every record. */
  deselected: readonly string[];
  /** When the selection is an include list: only these attributes are read (keys and cursor are added). */
  selectedOnly?: readonly string[];
  /** The stream's JSON schema as the catalog gave it to the destination: records are checked against it for
   *  schema drift. Undefined: no check. */
  schema?: JsonObject;
}
