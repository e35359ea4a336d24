// discover: list and filter tables, describe them with bounded concurrency, sample each, and build one stream per
// table. A table that cannot be scanned is still described (key columns only) and reported in a warning.
import type { TableDescription } from '@aws-sdk/client-dynamodb';
import type { Config } from '../config/validate.js';
import type { AirbyteStream } from '../protocol/messages.js';
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

export async function discoverStreams(ctx: CallContext, config: Config): Promise<AirbyteStream[]> {
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
    return buildStream(description, shapes);
  });
}

export function buildStream(table: TableDescription, sampled: Map<string, Shape>): AirbyteStream {
  const keys = tableKeys(table);
  const primaryKey = [[keys.hashKey], ...(keys.rangeKey === undefined ? [] : [[keys.rangeKey]])];
  return {
    name: table.TableName as string,
    json_schema: streamSchema(keys, sampled),
    // Incremental by a cursor the user picks (any top-level attribute of strings or numbers).
    supported_sync_modes: ['full_refresh', 'incremental'],
    source_defined_cursor: false,
    source_defined_primary_key: primaryKey,
    is_resumable: true,
  };
}
