// discover: list and filter tables, describe them with bounded concurrency, sample each, and infer each table's
// schema. A table that cannot be scanned is still described (key columns only); a table that cannot be described is
// left out; both with a warning, logged as each table is done. Each protocol builds its own catalog from the result.
import type { TableDescription } from '@aws-sdk/client-dynamodb';
import { isAccessDenied } from '../aws/errors.js';
import { budgetLimitsOf, ReadBudgets } from '../aws/readBudget.js';
import { excludedAttributesFor } from '../config/excludedAttributes.js';
import type { Config } from '../config/validate.js';
import { configError, ConnectorError } from '../errors/ConnectorError.js';
import type { JsonObject } from '../util/json.js';
import { streamProblem } from '../streams/changeReader.js';
import { mapConcurrent } from '../util/concurrency.js';
import { cursorIndexEntryFor, resolveCursorIndex } from './cursorIndex.js';
import { addAttributes, streamSchema, type Shape } from './inferSchema.js';
import { sampleItems } from './sample.js';
import { makeTableFilter } from './tableFilter.js';
import { describeTable, listTableNames, tableKeys, type CallContext, type TableKeys } from './tables.js';

/** How many tables are described and sampled at once. */
const DESCRIBE_CONCURRENCY = 8;

export interface DiscoveredTable {
  name: string;
  description: TableDescription;
  keys: TableKeys;
  /** Key attributes first: the hash key, then the range key when there is one. */
  keyNames: string[];
  /** The inferred JSON schema of its items, without excluded attributes and without CDC columns. */
  schema: JsonObject;
  /** Why its DynamoDB stream cannot serve change data capture; undefined when it can. */
  streamProblem: string | undefined;
  /** The sort key of its cursor_indexes index: the cursor incremental syncs Query by. Absent without a usable one. */
  indexCursor?: string;
}

export async function listIncludedTables(ctx: CallContext, config: Config): Promise<string[]> {
  const included = makeTableFilter({ include: config.include_tables, exclude: config.exclude_tables });
  const names: string[] = [];
  for await (const name of listTableNames(ctx)) if (included(name)) names.push(name);
  return names;
}

function indexCursorOf(config: Config, description: TableDescription, ctx: CallContext): { indexCursor?: string } {
  const entry = cursorIndexEntryFor(config, description.TableName ?? '');
  if (entry === undefined) return {};
  const index = resolveCursorIndex(description, entry);
  if (!(index instanceof ConnectorError)) return { indexCursor: index.sortKey };
  ctx.log('WARN', `${index.message} Its stream is offered without it.`);
  return {};
}

export async function discoverTables(ctx: CallContext, config: Config): Promise<DiscoveredTable[]> {
  const tables = await listIncludedTables(ctx, config);
  const sampleSize = config.discovery_sample_size ?? 1000;
  const budgets = new ReadBudgets({ limits: budgetLimitsOf(config), consistentRead: false, log: ctx.log, describe: (table) => describeTable(ctx, table) });
  const denied: string[] = [];
  const discovered = await mapConcurrent(tables, DESCRIBE_CONCURRENCY, async (table): Promise<DiscoveredTable | undefined> => {
    let description: TableDescription;
    try {
      description = await describeTable(ctx, table);
    } catch (err) {
      if (!isAccessDenied((err as { details?: { cause?: unknown } }).details?.cause ?? err)) throw err;
      denied.push(table);
      ctx.log('WARN', `Table ${table} is left out of the catalog: ${(err as Error).message}`);
      return undefined;
    }
    const shapes = new Map<string, Shape>();
    const sample = await sampleItems(ctx, table, sampleSize, await budgets.forTable(table, description));
    if (sample.ok) {
      for (const item of sample.items) addAttributes(shapes, item);
    } else {
      ctx.log('WARN', `Table ${table} cannot be sampled, so only its key attributes are typed: ${sample.reason}`);
    }
    const keys = tableKeys(description);
    for (const name of excludedAttributesFor(config, table)) shapes.delete(name);
    const result: DiscoveredTable = {
      name: table,
      description,
      keys,
      keyNames: [keys.hashKey, ...(keys.rangeKey === undefined ? [] : [keys.rangeKey])],
      schema: streamSchema(keys, shapes),
      streamProblem: streamProblem(description),
      ...indexCursorOf(config, description, ctx),
    };
    ctx.log('INFO', `Table ${table}: ${description.ItemCount ?? 0} items, key ${result.keyNames.join(' + ')}, ${shapes.size} attributes typed from ${sample.ok ? sample.items.length : 0} sampled items.`);
    return result;
  });
  const found = discovered.filter((t): t is DiscoveredTable => t !== undefined);
  if (found.length === 0 && denied.length > 0) {
    throw configError(`No table could be described: dynamodb:DescribeTable is denied on ${denied.join(', ')}. Grant dynamodb:DescribeTable on the tables to read.`);
  }
  return found;
}
