// A real HTTP proxy in front of DynamoDB Local that makes a stream shard behave like AWS shards sometimes do:
// GetRecords answers empty pages in the middle of the shard while handing out a NextShardIterator that moves on.
//
// The "wall" sits just before one record (its sequence number): a page that would cross it is cut short, with a
// genuine iterator at the wall as its NextShardIterator (GetShardIterator AT_SEQUENCE_NUMBER, asked of DynamoDB
// Local by the proxy); a read at the wall then answers `pages` empty pages in a row, each with a new iterator
// (the genuine one wrapped with a hop count), before the real records come. Like on AWS this depends only on the
// position: every reader that starts before the wall meets the same run of empty pages, so a reader that gives
// up after fewer empty pages and resumes from its last record never gets past it.
//
// Positions are read from DynamoDB Local's iterators ("<stream arn>|001|base64(<shard>|<next sequence>|<time>)"),
// a format of DynamoDB Local only. Everything else is forwarded unchanged.
import type { IncomingHttpHeaders } from 'node:http';
import { reply as replyWith, sendUpstream, startLocalProxy, type UpstreamResponse as Upstream } from './upstream.js';

const JSON_CONTENT_TYPE = 'application/x-amz-json-1.0';
const WRAPPED = 'emptywall~';

export interface EmptyPagesWall {
  /** Sequence number of the first record behind the wall. */
  sequence: string;
  /** Empty pages answered at the wall, in a row, before its records. */
  pages: number;
}

export interface StreamsFaultProxy {
  endpoint: string;
  /** Empty pages the proxy answered at the wall so far. */
  emptyPagesServed(): number;
  close(): Promise<void>;
}

export async function startStreamsFaultProxy(target: string, wall: EmptyPagesWall): Promise<StreamsFaultProxy> {
  const targetUrl = new URL(target);
  const wallSequence = BigInt(wall.sequence);
  let served = 0;

  // DynamoDB Local does not check signatures, so the client's headers can carry another operation.
  const send = (headers: IncomingHttpHeaders, method: string, path: string, body: Buffer, operation?: string): Promise<Upstream> =>
    sendUpstream(targetUrl, { method, url: path, headers }, body, operation !== undefined ? { 'x-amz-target': `DynamoDBStreams_20120810.${operation}` } : {});

  const proxy = await startLocalProxy((req, res, body, operation) => {
    const reply = (up: Upstream, json?: unknown) => replyWith(res, up, json === undefined ? up.body : Buffer.from(JSON.stringify(json)));
    const handle = async () => {
      const forward = (b: Buffer) => send(req.headers, req.method ?? 'POST', req.url ?? '/', b);
      if (operation !== 'GetRecords') return reply(await forward(body));
      const request = JSON.parse(body.toString('utf8')) as { ShardIterator: string; Limit?: number };
      let iterator = request.ShardIterator;
      if (iterator.startsWith(WRAPPED)) {
        const [, hop, real] = iterator.split('~', 3) as [string, string, string];
        if (Number(hop) < wall.pages) return emptyPage(`${WRAPPED}${Number(hop) + 1}~${real}`);
        iterator = real;
      } else if (positionOf(iterator) === wallSequence && wall.pages > 0) {
        return emptyPage(`${WRAPPED}1~${iterator}`);
      }
      const up = await forward(Buffer.from(JSON.stringify({ ...request, ShardIterator: iterator })));
      if (up.status !== 200) return reply(up);
      const page = JSON.parse(up.body.toString('utf8')) as { Records?: Array<{ dynamodb?: { SequenceNumber?: string } }>; NextShardIterator?: string };
      const records = page.Records ?? [];
      const cut = records.findIndex((r) => BigInt(r.dynamodb?.SequenceNumber ?? '0') >= wallSequence);
      if (cut <= 0 || positionOf(iterator) >= wallSequence) return reply(up);
      // The page crosses the wall: cut it there, with a genuine iterator at the wall to go on from.
      const { streamArn, shardId } = partsOf(iterator);
      const atWall = await send(req.headers, 'POST', '/', Buffer.from(JSON.stringify({ StreamArn: streamArn, ShardId: shardId, ShardIteratorType: 'AT_SEQUENCE_NUMBER', SequenceNumber: wall.sequence })), 'GetShardIterator');
      const next = (JSON.parse(atWall.body.toString('utf8')) as { ShardIterator: string }).ShardIterator;
      return reply(up, { ...page, Records: records.slice(0, cut), NextShardIterator: next });
    };
    const emptyPage = (next: string) => {
      served++;
      const out = Buffer.from(JSON.stringify({ Records: [], NextShardIterator: next }));
      res.writeHead(200, { 'content-type': JSON_CONTENT_TYPE, 'content-length': String(out.length), 'x-amzn-requestid': `wall-${served}` });
      res.end(out);
    };
    handle().catch(() => res.destroy());
  });
  return { ...proxy, emptyPagesServed: () => served };
}

/** DynamoDB Local iterator → stream ARN, shard and the sequence number its next read starts at. */
function partsOf(iterator: string): { streamArn: string; shardId: string; next: bigint } {
  const [streamArn, , payload] = iterator.split('|') as [string, string, string];
  const [shardId, next] = Buffer.from(payload, 'base64').toString('utf8').split('|') as [string, string];
  return { streamArn, shardId, next: BigInt(next) };
}

const positionOf = (iterator: string) => partsOf(iterator).next;
