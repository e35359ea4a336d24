// The fast path for per-page calls (Scan, Query, GetRecords): the request is signed with the SDK's own SigV4 signer
// (the client's resolved credential provider, region and clock offset, so the default chain, access keys and
// assume-role all work as everywhere else) and sent over a kept-alive agent; the caller gets the response's bytes
// and turns them into record text itself (convert/), without the SDK's parse into AttributeValue objects, which
// with the garbage it makes was most of the CPU of a read. Failures are shaped like the SDK's (name from __type,
// $metadata.httpStatusCode), so aws/retry.ts and aws/errors.ts classify them the same: throttling and 5xx are
// retried, expired iterators, trimmed data, access denied and missing resources are reported as such.
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, Provider } from '@aws-sdk/types';
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

/** Sockets kept per client: enough for the widest read concurrency. */
const MAX_SOCKETS = 300;
/** A page is at most 1 MB; a server that sends nothing for this long is treated as a dropped connection. */
const REQUEST_TIMEOUT_MS = 60_000;
const CONTENT_TYPE = 'application/x-amz-json-1.0';

/** What is read from an SDK client's resolved config (DynamoDBClient and DynamoDBStreamsClient both have it). */
export interface SdkClientLike {
  config: {
    credentials: AwsCredentialIdentity | Provider<AwsCredentialIdentity> | ((...args: never[]) => Promise<AwsCredentialIdentity>);
    region: Provider<string>;
    sha256: ConstructorParameters<typeof SignatureV4>[0]['sha256'];
    systemClockOffset?: number;
    isCustomEndpoint?: boolean;
    endpoint?: () => Promise<{ protocol: string; hostname: string; port?: number; path: string }>;
    endpointProvider: (params: { Region: string; UseFIPS: boolean; UseDualStack: boolean }) => { url: URL };
    useFipsEndpoint: Provider<boolean>;
    useDualstackEndpoint: Provider<boolean>;
  };
}

/** A failed request, shaped like the SDK's service exceptions. */
export class WireServiceError extends Error {
  readonly $fault: 'client' | 'server';
  readonly $metadata: { httpStatusCode: number; requestId: string | undefined };

  constructor(name: string, message: string, status: number, requestId: string | undefined) {
    super(message);
    this.name = name;
    this.$fault = status >= 500 ? 'server' : 'client';
    this.$metadata = { httpStatusCode: status, requestId };
  }
}

export interface SignedJsonRpc {
  /** Sends one call (`target` such as DynamoDB_20120810.Scan) and resolves the body of its 200 response. */
  call(target: string, body: string): Promise<Buffer>;
  /** Closes the kept-alive sockets. */
  destroy(): void;
}

/** Calls signed and sent as `client` would: same credentials, region, endpoint and clock offset. */
export function createSignedJsonRpc(client: SdkClientLike, signingName = 'dynamodb'): SignedJsonRpc {
  const config = client.config;
  const signer = new SignatureV4({
    credentials: config.credentials as AwsCredentialIdentity | Provider<AwsCredentialIdentity>,
    region: config.region,
    service: signingName,
    sha256: config.sha256,
    applyChecksum: false,
  });
  const agentOptions = { keepAlive: true, maxSockets: MAX_SOCKETS };
  const httpAgent = new HttpAgent(agentOptions);
  const httpsAgent = new HttpsAgent(agentOptions);
  let endpoint: Promise<URL> | undefined;

  const call = async (target: string, body: string): Promise<Buffer> => {
    endpoint ??= resolveEndpoint(client);
    const url = await endpoint;
    const port = url.port === '' ? undefined : Number(url.port);
    const signed = await signer.sign(
      {
        method: 'POST',
        protocol: url.protocol,
        hostname: url.hostname,
        ...(port !== undefined ? { port } : {}),
        path: url.pathname,
        query: {},
        headers: {
          host: url.host,
          'content-type': CONTENT_TYPE,
          'x-amz-target': target,
          'content-length': String(Buffer.byteLength(body)),
        },
        body,
      },
      // The SDK corrects its clock after a skew error; signing with the same offset keeps both paths in step.
      { signingDate: new Date(Date.now() + (config.systemClockOffset ?? 0)) },
    );
    const isHttps = url.protocol === 'https:';
    const response = await send(
      isHttps ? httpsRequest : httpRequest,
      { protocol: url.protocol, hostname: url.hostname, port: port ?? null, path: url.pathname, method: 'POST', headers: signed.headers, agent: isHttps ? httpsAgent : httpAgent },
      body,
    );
    if (response.status !== 200) throw serviceError(response.status, response.headers, response.body.toString('utf8'));
    return response.body;
  };

  return {
    call,
    destroy() {
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  };
}

async function resolveEndpoint(client: SdkClientLike): Promise<URL> {
  const config = client.config;
  if (config.isCustomEndpoint && config.endpoint) {
    const e = await config.endpoint();
    return new URL(`${e.protocol}//${e.hostname}${e.port !== undefined ? `:${e.port}` : ''}${e.path}`);
  }
  const resolved = config.endpointProvider({
    Region: await config.region(),
    UseFIPS: await config.useFipsEndpoint(),
    UseDualStack: await config.useDualstackEndpoint(),
  });
  return new URL(resolved.url.href);
}

interface RawResponse {
  status: number;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

type RequestFn = typeof httpRequest;

/** One HTTP exchange; a connection dropped before the whole body arrived rejects (and is retried by the caller). */
function send(requestFn: RequestFn, options: RequestOptions, body: string): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = requestFn(options, (res) => {
      const chunks: Buffer[] = [];
      let received = 0;
      res.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        received += chunk.length;
      });
      res.on('error', reject);
      res.on('end', () => {
        const expected = Number(res.headers['content-length'] ?? NaN);
        if (!Number.isNaN(expected) && received !== expected) {
          reject(networkError(`premature close: ${received} of ${expected} bytes received`, 'ECONNRESET'));
          return;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks, received) });
      });
      res.on('close', () => {
        if (!res.complete) reject(networkError('aborted: the connection closed before the response was complete', 'ECONNRESET'));
      });
    });
    req.setTimeout(REQUEST_TIMEOUT_MS, () => {
      const err = new Error(`no response within ${REQUEST_TIMEOUT_MS} ms`);
      err.name = 'TimeoutError';
      req.destroy(err);
    });
    req.on('error', reject);
    req.end(body);
  });
}

function networkError(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

/** As the SDK's JSON protocol does it: the name is the part of __type (or x-amzn-errortype) after '#'. */
function serviceError(status: number, headers: IncomingMessage['headers'], text: string): WireServiceError {
  let parsed: { __type?: unknown; message?: unknown; Message?: unknown } = {};
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch {
    // A proxy or load balancer may answer with HTML; the status alone then classifies the failure.
  }
  const header = headers['x-amzn-errortype'];
  const rawType = typeof parsed.__type === 'string' ? parsed.__type : typeof header === 'string' ? header.split(':')[0] : undefined;
  const name = rawType ? rawType.slice(rawType.lastIndexOf('#') + 1) : status >= 500 ? 'InternalServerError' : 'UnknownError';
  const message = typeof parsed.message === 'string' ? parsed.message : typeof parsed.Message === 'string' ? parsed.Message : `HTTP ${status}`;
  const requestId = headers['x-amzn-requestid'];
  return new WireServiceError(name, message, status, typeof requestId === 'string' ? requestId : undefined);
}
