// A real HTTP proxy in front of DynamoDB Local that records, for every request, what was asked (operation, body)
// and what DynamoDB said it cost (ConsumedCapacity) and when the answer went back. DynamoDB Local reports consumed
// capacity but does not enforce provisioned throughput, so this is how a test sees the rate a reader really used.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { reply, sendUpstream } from './upstream.js';

export interface RecordedExchange {
  operation: string;
  /** The request body, parsed. */
  request: Record<string, unknown>;
  /** ConsumedCapacity.CapacityUnits of the response, when it had one (summed over tables for BatchGetItem's list). */
  consumed: number | undefined;
  /** performance.now() when the response was sent back. */
  answeredAt: number;
}

export interface CapacityProxy {
  endpoint: string;
  exchanges: RecordedExchange[];
  close(): Promise<void>;
}

export async function startCapacityProxy(target: string): Promise<CapacityProxy> {
  const targetUrl = new URL(target);
  const exchanges: RecordedExchange[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const target = String(req.headers['x-amz-target'] ?? '');
      sendUpstream(targetUrl, req, body).then((up) => {
        exchanges.push({
          operation: target.slice(target.lastIndexOf('.') + 1),
          request: parseOr(body.toString('utf8')),
          consumed: capacityUnits(parseOr(up.body.toString('utf8')).ConsumedCapacity),
          answeredAt: performance.now(),
        });
        reply(res, up);
      }, () => res.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    exchanges,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Scan and Query answer one ConsumedCapacity; batch operations a list of them, one per table. */
function capacityUnits(consumed: unknown): number | undefined {
  const entries = (Array.isArray(consumed) ? consumed : consumed === undefined ? [] : [consumed]) as { CapacityUnits?: number }[];
  const units = entries.map((c) => c.CapacityUnits).filter((u): u is number => typeof u === 'number');
  return units.length === 0 ? undefined : units.reduce((a, b) => a + b, 0);
}

function parseOr(text: string): Record<string, unknown> {
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return {};
  }
}
