// Discovered tables → Airbyte streams. Scan mode: incremental by a cursor the user picks. DynamoDB Streams mode:
// incremental from the table's stream with the CDC metadata columns, or full refresh only without a usable stream.
// S3 export mode: incremental from exports with the same CDC columns, for every table.
import type { Config } from '../../config/validate.js';
import type { DiscoveredTable } from '../../discovery/discover.js';
import type { Logger } from '../../log.js';
import { cdcColumnsSchema, type CdcColumns } from '../../pipeline/cdcColumns.js';
import type { AirbyteStream } from './messages.js';

export function airbyteStreamsOf(tables: readonly DiscoveredTable[], config: Config, columns: CdcColumns, log: Logger): AirbyteStream[] {
  const mode = config.replication?.mode;
  return tables.map((table) => {
    // Exports need no DynamoDB stream: every table is incremental with the CDC columns.
    if (mode === 's3_export') return cdcModeStream(table, columns);
    if (mode !== 'dynamodb_streams') return scanModeStream(table);
    if (table.streamProblem !== undefined) log('WARN', `Stream ${table.name} offers full refresh only in DynamoDB Streams mode: ${table.streamProblem}.`);
    return table.streamProblem !== undefined ? baseStream(table) : cdcModeStream(table, columns);
  });
}

function baseStream(table: DiscoveredTable): AirbyteStream {
  return {
    name: table.name,
    json_schema: table.schema,
    supported_sync_modes: ['full_refresh'],
    source_defined_primary_key: table.keyNames.map((k) => [k]),
    is_resumable: true,
  };
}

/** Incremental by a cursor the user picks (any top-level attribute of strings or numbers); with a cursor index, its
 *  sort key is the default (and the only cursor that index can serve). */
function scanModeStream(table: DiscoveredTable): AirbyteStream {
  const stream: AirbyteStream = { ...baseStream(table), supported_sync_modes: ['full_refresh', 'incremental'], source_defined_cursor: false };
  return table.indexCursor !== undefined ? { ...stream, default_cursor_field: [table.indexCursor] } : stream;
}

/** Incremental with a source-defined cursor and the CDC metadata columns (DynamoDB Streams and s3_export modes). */
function cdcModeStream(table: DiscoveredTable, columns: CdcColumns): AirbyteStream {
  const stream = baseStream(table);
  const schema = stream.json_schema as { properties: Record<string, unknown> };
  return {
    ...stream,
    json_schema: { ...stream.json_schema, properties: { ...schema.properties, ...cdcColumnsSchema(columns) } } as AirbyteStream['json_schema'],
    supported_sync_modes: ['full_refresh', 'incremental'],
    source_defined_cursor: true,
    default_cursor_field: [columns.cursor],
  };
}
