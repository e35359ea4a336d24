// A small real HTTP proxy in front of DynamoDB Local that injects faults the way AWS produces them: throttling,
// 500s, dropped connections (before or in the middle of a response), access denied, and batch reads that leave
// keys unprocessed. Everything it does not
// fault is forwarded unchanged (method, path, headers, body; Host rewritten to the target) and piped back. The SDK
// signs for the proxy's host; DynamoDB Local does not verify signatures, so that is harmless.
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { reply, sendUpstream } from './upstream.js';

/** `unprocessed` (BatchGetItem): only the first half of each table's keys is read, the rest comes back as UnprocessedKeys. */
export type FaultKind = 'throttle' | 'serverError' | 'serviceUnavailable' | 'drop' | 'dropMidResponse' | 'slow' | 'deny' | 'unprocessed';

/** How long a 'slow' answer is held before it is forwarded. */
const SLOW_ANSWER_MS = 1_500;

export interface FaultRule {
  /** The fault injected; with several, one of them at random for each request faulted. */
  fault: FaultKind | readonly FaultKind[];
  /** X-Amz-Target suffix: "Scan", "ListTables", "DescribeTable"… */
  operation: string;
  /** Only requests whose body names this TableName; any table when absent. */
  table?: string;
  /** How many matching requests the rule faults before it stops matching; Infinity for all of them. */
  count: number;
  /** Matching requests let through untouched before the rule starts firing (to fault mid-scan pages). */
  skip?: number;
  /** A matching request is faulted with this probability (default 1): a share of requests faulted at random,
   *  whatever the rate of the reader. Requests let through do not use up the count. */
  probability?: number;
}

export interface ProxiedRequest {
  operation: string;
  table: string | undefined;
  /** The fault injected into this request, if any. */
  fault: FaultKind | undefined;
}

export interface FaultProxy {
  /** http://127.0.0.1:port — use as the connector's endpoint. */
  endpoint: string;
  /** Every request received, in arrival order. */
  requests: ProxiedRequest[];
  /** Replaces the rules (and their remaining counts). The first matching rule with count left and nothing left to skip fires. */
  setRules(rules: FaultRule[]): void;
  close(): Promise<void>;
}

const JSON_CONTENT_TYPE = 'application/x-amz-json-1.0';


export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const targetUrl = new URL(target);
  let rules: FaultRule[] = [];
  const requests: ProxiedRequest[] = [];

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('error', () => res.destroy());
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const operation = operationOf(req.headers);
      const table = tableOf(body);
      let fault: FaultKind | undefined;
      for (const r of rules) {
        if (r.count <= 0 || r.operation !== operation || (r.table !== undefined && r.table !== table)) continue;
        if ((r.skip ?? 0) > 0) {
          r.skip = (r.skip ?? 0) - 1;
          continue;
        }
        if (r.probability !== undefined && Math.random() >= r.probability) continue;
        r.count--;
        fault = typeof r.fault === 'string' ? r.fault : r.fault[Math.floor(Math.random() * r.fault.length)];
        break;
      }
      requests.push({ operation, table, fault });
      switch (fault) {
        case undefined:
          return forward(req, body, res, false);
        case 'dropMidResponse':
          return forward(req, body, res, true);
        case 'slow':
          return void setTimeout(() => forward(req, body, res, false), SLOW_ANSWER_MS);
        case 'serviceUnavailable':
          return sendError(res, 503, 'com.amazonaws.dynamodb.v20120810#ServiceUnavailable', 'Service unavailable');
        case 'unprocessed':
          return forwardHalfBatch(req, body, res);
        case 'drop':
          return req.socket.destroy();
        case 'throttle':
          return sendThrottle(res);
        case 'serverError':
          return sendError(res, 500, 'com.amazonaws.dynamodb.v20120810#InternalServerError', 'Internal server error');
        case 'deny':
          return sendError(
            res,
            400,
            'com.amazon.coral.service#AccessDeniedException',
            `User: arn:aws:iam::123456789012:user/test is not authorized to perform: dynamodb:${operation} on resource: arn:aws:dynamodb:us-east-1:123456789012:table/${table ?? '*'}`,
          );
      }
    });
  });

  /** Sends the request on to the target; with `cutHalfway`, answers with half of the real body and drops the socket. */
  function forward(req: IncomingMessage, body: Buffer, res: ServerResponse, cutHalfway: boolean): void {
    sendUpstream(targetUrl, req, body).then((up) => {
      if (!cutHalfway) return reply(res, up);
      // The full length is announced, so a cut response is visibly incomplete to the client.
      res.writeHead(up.status, { ...up.headers, 'content-length': String(up.body.length) });
      res.write(up.body.subarray(0, Math.floor(up.body.length / 2)), () => {
        // Give the half body a moment on the wire before the connection goes away.
        setTimeout(() => res.socket?.destroy(), 20);
      });
    }, () => res.destroy());
  }

  /** A BatchGetItem as DynamoDB answers it under pressure: half of each table's keys read, the rest unprocessed. */
  function forwardHalfBatch(req: IncomingMessage, body: Buffer, res: ServerResponse): void {
    const request = JSON.parse(body.toString('utf8')) as { RequestItems: Record<string, { Keys: unknown[] }> };
    const sent: typeof request.RequestItems = {};
    const unprocessed: typeof request.RequestItems = {};
    for (const [table, wanted] of Object.entries(request.RequestItems)) {
      const half = Math.ceil(wanted.Keys.length / 2);
      sent[table] = { ...wanted, Keys: wanted.Keys.slice(0, half) };
      if (wanted.Keys.length > half) unprocessed[table] = { ...wanted, Keys: wanted.Keys.slice(half) };
    }
    sendUpstream(targetUrl, req, Buffer.from(JSON.stringify({ ...request, RequestItems: sent }))).then((up) => {
      if (up.status !== 200) return reply(res, up);
      const answer = JSON.parse(up.body.toString('utf8')) as Record<string, unknown>;
      reply(res, up, Buffer.from(JSON.stringify({ ...answer, UnprocessedKeys: unprocessed })));
    }, () => res.destroy());
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    setRules(next) {
      rules = next.map((r) => ({ ...r }));
    },
    close() {
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

/** DynamoDB's answer to a request over the table's (or partition's) capacity. */
export function sendThrottle(res: ServerResponse): void {
  sendError(res, 400, 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException', 'The level of configured provisioned throughput for the table was exceeded.');
}

/** An AWS JSON error answer (`type`: the full __type, such as com.amazonaws.dynamodb.v20120810#…). */
export function sendError(res: ServerResponse, status: number, type: string, message: string): void {
  const body = JSON.stringify({ __type: type, message });
  res.writeHead(status, {
    'content-type': JSON_CONTENT_TYPE,
    'content-length': Buffer.byteLength(body),
    'x-amzn-requestid': `fault-${Math.random().toString(36).slice(2)}`,
  });
  res.end(body);
}

/** "DynamoDB_20120810.Scan" → "Scan". */
function operationOf(headers: IncomingHttpHeaders): string {
  const target = headers['x-amz-target'];
  const value = Array.isArray(target) ? target[0] : target;
  if (!value) return '';
  return value.slice(value.lastIndexOf('.') + 1);
}

function tableOf(body: Buffer): string | undefined {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { TableName?: unknown };
    return typeof parsed.TableName === 'string' ? parsed.TableName : undefined;
  } catch {
    return undefined;
  }
}
