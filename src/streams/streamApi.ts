// DynamoDB Streams calls: a paginated, rate-limited DescribeStream and shard iterators. Every call is retried with
// backoff on throttling (LimitExceededException) like the table calls.
import {
  DescribeStreamCommand,
  GetShardIteratorCommand,
  type DynamoDBStreamsClient,
  type ShardIteratorType,
} from '@aws-sdk/client-dynamodb-streams';
import { withRetry, sleep } from '../aws/retry.js';
import type { Logger } from '../log.js';
import type { ListedShard } from './shardTree.js';

/** DescribeStream allows about 10 calls a second per account: stay well below it. */
const DESCRIBE_STREAM_MIN_INTERVAL_MS = 250;

export interface StreamsContext {
  streams: DynamoDBStreamsClient;
  log: Logger;
  maxRetries: number;
}

let nextDescribeAt = 0;

async function describeStreamRateLimit(): Promise<void> {
  const now = Date.now();
  const wait = nextDescribeAt - now;
  nextDescribeAt = Math.max(now, nextDescribeAt) + DESCRIBE_STREAM_MIN_INTERVAL_MS;
  if (wait > 0) await sleep(wait);
}

export async function listShards(ctx: StreamsContext, streamArn: string): Promise<{ shards: ListedShard[]; status: string | undefined }> {
  const shards: ListedShard[] = [];
  let start: string | undefined;
  let status: string | undefined;
  do {
    await describeStreamRateLimit();
    const out = await withRetry(
      () => ctx.streams.send(new DescribeStreamCommand({ StreamArn: streamArn, ExclusiveStartShardId: start })),
      { what: `DescribeStream of ${streamArn}`, log: ctx.log, maxRetries: ctx.maxRetries },
    );
    const description = out.StreamDescription;
    status = description?.StreamStatus;
    for (const shard of description?.Shards ?? []) {
      if (!shard.ShardId) continue;
      shards.push({ id: shard.ShardId, parent: shard.ParentShardId ?? null, closed: shard.SequenceNumberRange?.EndingSequenceNumber !== undefined });
    }
    start = description?.LastEvaluatedShardId;
  } while (start !== undefined);
  return { shards, status };
}

export async function shardIterator(ctx: StreamsContext, streamArn: string, shardId: string, afterSequence: string | null): Promise<string | undefined> {
  return afterSequence === null ? shardIteratorOfType(ctx, streamArn, shardId, 'TRIM_HORIZON') : shardIteratorOfType(ctx, streamArn, shardId, 'AFTER_SEQUENCE_NUMBER', afterSequence);
}

export async function shardIteratorOfType(
  ctx: StreamsContext,
  streamArn: string,
  shardId: string,
  type: ShardIteratorType,
  sequence?: string,
): Promise<string | undefined> {
  const out = await withRetry(
    () => ctx.streams.send(new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: shardId, ShardIteratorType: type, ...(sequence !== undefined ? { SequenceNumber: sequence } : {}) })),
    { what: `GetShardIterator of ${shardId}`, log: ctx.log, maxRetries: ctx.maxRetries },
  );
  return out.ShardIterator;
}
