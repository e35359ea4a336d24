// Paginated ListTables and DescribeTable, each call retried and mapped to a user-facing error.
import { DescribeTableCommand, ListTablesCommand, type DynamoDBClient, type TableDescription } from '@aws-sdk/client-dynamodb';
import { toConnectorError } from '../aws/errors.js';
import { withRetry } from '../aws/retry.js';
import type { Logger } from '../log.js';

export interface CallContext {
  client: DynamoDBClient;
  log: Logger;
  maxRetries: number;
}

export async function* listTableNames(ctx: CallContext): AsyncGenerator<string> {
  let start: string | undefined;
  do {
    const page = await withRetry(
      () => ctx.client.send(new ListTablesCommand({ ExclusiveStartTableName: start, Limit: 100 })),
      { what: 'ListTables', log: ctx.log, maxRetries: ctx.maxRetries },
    ).catch((err: unknown) => {
      throw toConnectorError(err, 'dynamodb:ListTables', 'the account');
    });
    yield* page.TableNames ?? [];
    start = page.LastEvaluatedTableName;
  } while (start !== undefined);
}

export async function describeTable(ctx: CallContext, table: string): Promise<TableDescription> {
  try {
    const out = await withRetry(() => ctx.client.send(new DescribeTableCommand({ TableName: table })), {
      what: `DescribeTable of ${table}`,
      log: ctx.log,
      maxRetries: ctx.maxRetries,
    });
    if (!out.Table) throw new Error(`DescribeTable returned no table for ${table}`);
    return out.Table;
  } catch (err) {
    throw toConnectorError(err, 'dynamodb:DescribeTable', `table ${table}`, table);
  }
}

export interface TableKeys {
  hashKey: string;
  rangeKey?: string;
  /** S, N or B for each key attribute. */
  types: Record<string, 'S' | 'N' | 'B'>;
}

export function tableKeys(table: TableDescription): TableKeys {
  const hashKey = table.KeySchema?.find((k) => k.KeyType === 'HASH')?.AttributeName;
  if (hashKey === undefined) throw new Error(`Table ${table.TableName} has no HASH key in its KeySchema`);
  const rangeKey = table.KeySchema?.find((k) => k.KeyType === 'RANGE')?.AttributeName;
  const types: Record<string, 'S' | 'N' | 'B'> = {};
  for (const def of table.AttributeDefinitions ?? []) {
    if (def.AttributeName && def.AttributeType) types[def.AttributeName] = def.AttributeType as 'S' | 'N' | 'B';
  }
  return rangeKey === undefined ? { hashKey, types } : { hashKey, rangeKey, types };
}
