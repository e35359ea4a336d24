// GetRecords, the one Streams call made per page, over the signed kept-alive fast path (aws/signedJsonRpc.ts); its
// response stays bytes until the rows are transcoded from them (convert/streamRecordsPage.ts). DescribeStream and
// GetShardIterator stay on the SDK client (streamApi.ts). Errors come shaped like the SDK's
// (ExpiredIteratorException, TrimmedDataAccessException, LimitExceededException, ResourceNotFoundException by name).
import type { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { createSignedJsonRpc, type SdkClientLike } from '../aws/signedJsonRpc.js';
import { getRecordsResponse, type ChangeRowFraming, type GetRecordsPage } from '../convert/streamRecordsPage.js';

const TARGET = 'DynamoDBStreams_20120810.GetRecords';

export interface StreamRecordsReader {
  /** One page; its rows are framed by `rows` (none wanted: a framing whose suffix is ""). */
  getRecords(shardIterator: string, limit: number, rows: ChangeRowFraming): Promise<GetRecordsPage>;
  /** Closes the kept-alive sockets. */
  destroy(): void;
}

/** Signs and sends as `streams` would: same credentials, region, endpoint and clock offset. */
export function createStreamRecordsReader(streams: DynamoDBStreamsClient): StreamRecordsReader {
  const rpc = createSignedJsonRpc(streams as unknown as SdkClientLike);
  return {
    async getRecords(shardIterator, limit, rows) {
      return getRecordsResponse(await rpc.call(TARGET, JSON.stringify({ ShardIterator: shardIterator, Limit: limit })), rows);
    },
    destroy: () => rpc.destroy(),
  };
}
