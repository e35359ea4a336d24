// Proves, for check, that a table's stream can be read the way a sync will read it: DescribeStream, then a LATEST
// iterator on one shard and a one-record GetRecords on it (LATEST: quick, and it reads no old change). Each step
// names the IAM action it needs, so a failure says which permission is missing.
import { DescribeStreamCommand, GetRecordsCommand, GetShardIteratorCommand } from '@aws-sdk/client-dynamodb-streams';
import { toConnectorError } from '../aws/errors.js';
import { withRetry } from '../aws/retry.js';
import type { StreamsContext } from './streamApi.js';

/** Why the table's stream cannot be read with these credentials, or undefined when it can. */
export async function streamAccessProblem(ctx: StreamsContext, table: string, streamArn: string): Promise<string | undefined> {
  const step = async <T>(action: string, call: () => Promise<T>): Promise<T | { problem: string }> => {
    try {
      return await withRetry(call, { what: `${action} on the stream of ${table}`, log: ctx.log, maxRetries: ctx.maxRetries });
    } catch (err) {
      return { problem: `table ${table}: ${toConnectorError(err, `dynamodb:${action}`, `the stream of table ${table}`).message}` };
    }
  };
  const failed = (v: unknown): v is { problem: string } => typeof v === 'object' && v !== null && 'problem' in v;

  const described = await step('DescribeStream', () => ctx.streams.send(new DescribeStreamCommand({ StreamArn: streamArn, Limit: 1 })));
  if (failed(described)) return described.problem;
  const shardId = described.StreamDescription?.Shards?.[0]?.ShardId;
  // A stream enabled a moment ago may list no shard yet: nothing more can be proven, and a sync will find none either.
  if (shardId === undefined) return undefined;
  const iterator = await step('GetShardIterator', () =>
    ctx.streams.send(new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: shardId, ShardIteratorType: 'LATEST' })),
  );
  if (failed(iterator)) return iterator.problem;
  const shardIterator = iterator.ShardIterator;
  if (shardIterator === undefined) return undefined;
  const read = await step('GetRecords', () => ctx.streams.send(new GetRecordsCommand({ ShardIterator: shardIterator, Limit: 1 })));
  return failed(read) ? read.problem : undefined;
}
