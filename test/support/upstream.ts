// The forwarding half of every test proxy in front of DynamoDB Local (faults, capacity recording, the export
// emulator, the streams empty-page wall): send the client's request on unchanged (Host rewritten to the target,
// hop-by-hop headers dropped) and hand back the whole answer, so each proxy only decides what to do with it.
import { createServer, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Hop-by-hop headers are per connection and are not forwarded. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer']);

export interface UpstreamResponse {
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
}

export interface ForwardedRequest {
  method?: string | undefined;
  url?: string | undefined;
  headers: IncomingHttpHeaders;
}

function endToEnd(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
  return out;
}

/** @param overrides headers replaced on the way (e.g. another X-Amz-Target: DynamoDB Local does not check signatures) */
export function sendUpstream(target: URL, req: ForwardedRequest, body: Buffer, overrides: Record<string, string> = {}): Promise<UpstreamResponse> {
  return new Promise((resolve, reject) => {
    const headers = { ...endToEnd(req.headers), host: target.host, 'content-length': String(body.length), ...overrides };
    const upstream = httpRequest(
      { protocol: target.protocol, hostname: target.hostname, port: target.port, method: req.method, path: req.url, headers },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (chunk: Buffer) => parts.push(chunk));
        res.on('error', reject);
        res.on('end', () => resolve({ status: res.statusCode ?? 502, headers: endToEnd(res.headers), body: Buffer.concat(parts) }));
      },
    );
    upstream.on('error', reject);
    upstream.end(body);
  });
}

/** Answers the client with `body` (the upstream's own by default), its length announced. */
export function reply(res: ServerResponse, up: UpstreamResponse, body: Buffer = up.body): void {
  const headers: Record<string, string | string[]> = { ...up.headers, 'content-length': String(body.length) };
  // A rewritten body no longer matches the checksum DynamoDB sent; the SDK would reject it.
  if (body !== up.body) delete headers['x-amz-crc32'];
  res.writeHead(up.status, headers);
  res.end(body);
}

export interface LocalProxy {
  endpoint: string;
  close(): Promise<void>;
}

/** A proxy's server on a free local port: `handle` gets each request with its whole body and its DynamoDB operation
 *  (the end of X-Amz-Target, "" when there is none). */
export async function startLocalProxy(handle: (req: IncomingMessage, res: ServerResponse, body: Buffer, operation: string) => void): Promise<LocalProxy> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => handle(req, res, Buffer.concat(chunks), String(req.headers['x-amz-target'] ?? '').split('.').pop() ?? ''));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
