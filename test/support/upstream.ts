// The forwarding half of every test proxy in front of DynamoDB Local (faults, capacity recording, the export
// emulator, the streams empty-page wall): send the client's request on unchanged (Host rewritten to the target,
// hop-by-hop headers dropped) and hand back the whole answer, so each proxy only decides what to do with it.
import { request as httpRequest, type IncomingHttpHeaders, type ServerResponse } from 'node:http';

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
