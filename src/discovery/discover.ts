// discover: list and filter tables, describe them with bounded concurrency, sample each, and build one stream per
// table. A table that cannot be scanned is still described (key columns only) and reported in a warning.
import type { TableDescription } from '@aws-sdk/client-dynamodb';
import type { Config } from '../config/validate.js';
import type { AirbyteStream } from '../protocol/airbyte/messages.js';
import { cdcColumnsSchema, type CdcColumns } from '../pipeline/cdcColumns.js';
import { streamProblem } from '../streams/changeReader.js';
import { mapConcurrent } from '../util/concurrency.js';
import { addAttributes, streamSchema, type Shape } from './inferSchema.js';
import { sampleItems } from './sample.js';
import { makeTableFilter } from './tableFilter.js';
import { describeTable, listTableNames, tableKeys, type CallContext } from './tables.js';

/** How many tables are described and sampled at once. */
const DESCRIBE_CONCURRENCY = 8;

export async function listIncludedTables(ctx: CallContext, config: Config): Promise<string[]> {
  const included = makeTableFilter({ include: config.include_tables, exclude: config.exclude_tables });
  const names: string[] = [];
  for await (const name of listTableNames(ctx)) if (included(name)) names.push(name);
  return names;
}

export async function discoverStreams(ctx: CallContext, config: Config, cdcColumns: CdcColumns): Promise<AirbyteStream[]> {
  const tables = await listIncludedTables(ctx, config);
  const sampleSize = config.discovery_sample_size ?? 1000;
  return mapConcurrent(tables, DESCRIBE_CONCURRENCY, async (table) => {
    const description = await describeTable(ctx, table);
    const shapes = new Map<string, Shape>();
    const sample = await sampleItems(ctx, table, sampleSize);
    if (sample.ok) {
      for (const item of sample.items) addAttributes(shapes, item);
    } else {
      ctx.log('WARN', `Table ${table} cannot be sampled, so only its key attributes are typed: ${sample.reason}`);
    }
    if (config.replication?.mode !== 'dynamodb_streams') return scanModeStream(description, shapes);
    const problem = streamProblem(description);
    if (problem !== undefined) ctx.log('WARN', `Stream ${table} offers full refresh only in DynamoDB Streams mode: ${problem}.`);
    return streamsModeStream(description, shapes, problem === undefined, cdcColumns);
  });
}

function baseStream(table: TableDescription, sampled: Map<string, Shape>): AirbyteStream {
  const keys = tableKeys(table);
  return {
    name: table.TableName as string,
    json_schema: streamSchema(keys, sampled),
    supported_sync_modes: ['full_refresh'],
    source_defined_primary_key: [[keys.hashKey], ...(keys.rangeKey === undefined ? [] : [[keys.rangeKey]])],
    is_resumable: true,
  };
}

/** Incremental by a cursor the user picks (any top-level attribute of strings or numbers). */
export function scanModeStream(table: TableDescription, sampled: Map<string, Shape>): AirbyteStream {
  return { ...baseStream(table, sampled), supported_sync_modes: ['full_refresh', 'incremental'], source_defined_cursor: false };
}

/** Incremental from the table's DynamoDB stream, with the CDC metadata columns; full refresh only without one. */
export function streamsModeStream(table: TableDescription, sampled: Map<string, Shape>, hasUsableStream: boolean, cdcColumns: CdcColumns): AirbyteStream {
  const stream = baseStream(table, sampled);
  if (!hasUsableStream) return stream;
  const schema = stream.json_schema as { properties: Record<string, unknown> };
  return {
    ...stream,
    json_schema: { ...stream.json_schema, properties: { ...schema.properties, ...cdcColumnsSchema(cdcColumns) } } as AirbyteStream['json_schema'],
    supported_sync_modes: ['full_refresh', 'incremental'],
    source_defined_cursor: true,
    default_cursor_field: [cdcColumns.cursor],
  };
}
