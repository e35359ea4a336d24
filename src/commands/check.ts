// check: validate the config (every problem at once), then list tables, describe each included table and read one
// item from it; in DynamoDB Streams mode also describe its stream and read one record from it. Exactly one
// CONNECTION_STATUS; a failure names the table and the permission or field at fault. With export.mode existing it
// also lists the export prefix (S3 only: no export permission is needed) and finds an export of each table there.
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { createDynamoDBClient, createS3Client, createStreamsClient } from '../aws/clients.js';
import { toConnectorError } from '../aws/errors.js';
import { withRetry } from '../aws/retry.js';
import { configProblems, parseConfig } from '../config/validate.js';
import type { Config } from '../config/validate.js';
import { cursorIndexEntryFor, isExactTableName, resolveCursorIndex } from '../discovery/cursorIndex.js';
import { listIncludedTables } from '../discovery/discover.js';
import { ConnectorError } from '../errors/ConnectorError.js';
import { exportTargetFromConfig, exportsOfTable, listExports, noExportError } from '../export/index.js';
import { streamProblem } from '../streams/changeReader.js';
import { streamAccessProblem } from '../streams/streamAccess.js';
import { describeTable, type CallContext } from '../discovery/tables.js';
import type { Logger } from '../log.js';
import { connectionStatusMessage, logMessage } from '../protocol/airbyte/build.js';
import type { Message } from '../protocol/airbyte/messages.js';
import { mapConcurrent } from '../util/concurrency.js';

const CHECK_CONCURRENCY = 8;
/** check should answer quickly: a few retries, not a sync's worth. */
const CHECK_MAX_RETRIES = 3;
/** Failures listed in the status message before the rest is summarised. */
const MAX_LISTED_FAILURES = 20;

export async function* check(rawConfig: unknown): AsyncGenerator<Message> {
  const problems = configProblems(rawConfig);
  if (problems.length > 0) {
    yield connectionStatusMessage('FAILED', `The config is invalid: ${problems.join('; ')}`);
    return;
  }
  const config = parseConfig(rawConfig);
  const logs: Message[] = [];
  const log: Logger = (level, message) => logs.push(logMessage(level, message));
  const client = createDynamoDBClient(config);
  const ctx: CallContext = { client, log, maxRetries: Math.min(config.max_retries ?? CHECK_MAX_RETRIES, CHECK_MAX_RETRIES) };
  let streams: DynamoDBStreamsClient | undefined;
  try {
    const tables = await listIncludedTables(ctx, config);
    if (tables.length === 0) {
      yield* logs;
      yield connectionStatusMessage('FAILED', 'No table in this account and region matches include_tables/exclude_tables.');
      return;
    }
    streams = config.replication?.mode === 'dynamodb_streams' ? createStreamsClient(config) : undefined;
    const streamsClient = streams;
    const failures = [
      ...unknownIndexTables(config, tables),
      ...(await mapConcurrent(tables, CHECK_CONCURRENCY, (table) => checkTable(ctx, config, table, streamsClient))).filter((f): f is string => f !== undefined),
    ];
    if (config.export?.mode === 'existing') failures.push(...(await existingExportProblems(config, tables, log)));
    yield* logs;
    if (failures.length === 0) {
      yield connectionStatusMessage('SUCCEEDED');
    } else {
      const listed = failures.slice(0, MAX_LISTED_FAILURES);
      const more = failures.length > listed.length ? ` (and ${failures.length - listed.length} more)` : '';
      yield connectionStatusMessage('FAILED', `${failures.length} of ${tables.length} tables cannot be read: ${listed.join(' | ')}${more}`);
    }
  } catch (err) {
    yield* logs;
    yield connectionStatusMessage('FAILED', toConnectorError(err, 'dynamodb:ListTables', 'the account').message);
  } finally {
    client.destroy();
    streams?.destroy();
  }
}

/** cursor_indexes entries that name one table exactly, when no included table has that name. */
function unknownIndexTables(config: Config, tables: readonly string[]): string[] {
  return (config.cursor_indexes ?? [])
    .filter((entry) => isExactTableName(entry.table) && !tables.includes(entry.table))
    .map((entry) => `cursor_indexes: table ${entry.table} (index ${entry.index}) does not exist in this account and region, or table filters exclude it`);
}

/** export.mode existing: the prefix can be listed and holds an export of every table (by name). */
async function existingExportProblems(config: Config, tables: readonly string[], log: Logger): Promise<string[]> {
  const s3 = await createS3Client(config);
  try {
    const target = exportTargetFromConfig(config);
    const found = await listExports({ s3, log, maxRetries: Math.min(config.max_retries ?? CHECK_MAX_RETRIES, CHECK_MAX_RETRIES) }, target);
    const pinned = target.existing?.exportArn;
    return tables
      .filter((name) => !exportsOfTable(found, { name, arn: undefined }).some((e) => pinned === undefined || e.exportArn === pinned))
      .map((name) => `table ${name}: ${noExportError(target, name, pinned === undefined ? 'no export' : `no export ${pinned}`).message}`);
  } catch (err) {
    return [toConnectorError(err, 's3:ListBucket', 'the export prefix').message];
  } finally {
    s3.destroy();
  }
}

/** Returns why the table cannot be read, or undefined when it can. */
/** In DynamoDB Streams mode (`streams` given) the table's stream must have full rows and be readable too. */
async function checkTable(ctx: CallContext, config: Config, table: string, streams: DynamoDBStreamsClient | undefined): Promise<string | undefined> {
  let streamArn: string | undefined;
  try {
    const description = await describeTable(ctx, table);
    const problem = streams !== undefined ? streamProblem(description) : undefined;
    if (problem !== undefined) return problem;
    const indexEntry = cursorIndexEntryFor(config, table);
    const index = indexEntry !== undefined ? resolveCursorIndex(description, indexEntry) : undefined;
    if (index instanceof ConnectorError) return index.message;
    streamArn = description.LatestStreamArn;
  } catch (err) {
    return `table ${table}: ${toConnectorError(err, 'dynamodb:DescribeTable', `table ${table}`).message}`;
  }
  try {
    await withRetry(() => ctx.client.send(new ScanCommand({ TableName: table, Limit: 1 })), {
      what: `Scan of ${table}`,
      log: ctx.log,
      maxRetries: ctx.maxRetries,
    });
  } catch (err) {
    return `table ${table}: ${toConnectorError(err, 'dynamodb:Scan', `table ${table}`).message}`;
  }
  if (streams === undefined || streamArn === undefined) return undefined;
  return streamAccessProblem({ streams, log: ctx.log, maxRetries: ctx.maxRetries }, table, streamArn);
}
