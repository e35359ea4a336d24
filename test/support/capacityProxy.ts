// A real HTTP proxy in front of DynamoDB Local that records, for every request, what was asked (operation, body)
// and what DynamoDB said it cost (ConsumedCapacity) and when the answer went back. DynamoDB Local reports consumed
// capacity but does not enforce provisioned throughput, so this is how a test sees the rate a reader really used.
// Given a capacity, it also models DynamoDB's throttling: a Scan that would take what it forwarded over the last
// second over the capacity is throttled, whatever the reader's own budget says.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sendThrottle } from './faultProxy.js';
import { reply, sendUpstream } from './upstream.js';

export interface RecordedExchange {
  operation: string;
  /** The request body, parsed. */
  request: Record<string, unknown>;
  /** ConsumedCapacity.CapacityUnits of the response, when it had one (summed over tables for BatchGetItem's list). */
  consumed: number | undefined;
  /** performance.now() when the response was sent back. */
  answeredAt: number;
  /** Throttled by the capacity model (never forwarded). */
  throttled: boolean;
}

export interface CapacityModel {
  /** Read units per second the table serves: over any 1 s, the Scans forwarded consume at most about this much. */
  unitsPerSecond: number;
}

/** The sliding window of the capacity model. */
const CAPACITY_WINDOW_MS = 1_000;

export interface CapacityProxy {
  endpoint: string;
  exchanges: RecordedExchange[];
  /** Sets (or with undefined, lifts) the capacity model for the requests from now on. */
  setCapacity(model: CapacityModel | undefined): void;
  close(): Promise<void>;
}

export async function startCapacityProxy(target: string): Promise<CapacityProxy> {
  const targetUrl = new URL(target);
  const exchanges: RecordedExchange[] = [];
  let capacity: CapacityModel | undefined;
  /** Scans forwarded: when answered and what they consumed (the capacity model's window). */
  const forwarded: { at: number; units: number }[] = [];
  let lastCost = 0;

  /** Whether a Scan sent now would take the consumption of the last second over the capacity. */
  const overCapacity = (): boolean => {
    if (capacity === undefined) return false;
    const now = performance.now();
    while (forwarded.length > 0 && (forwarded[0] as { at: number }).at <= now - CAPACITY_WINDOW_MS) forwarded.shift();
    const used = forwarded.reduce((sum, f) => sum + f.units, 0);
    // The cost of a Scan is known once DynamoDB has run it: the last one's stands for it.
    return used + lastCost > capacity.unitsPerSecond;
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const target = String(req.headers['x-amz-target'] ?? '');
      const operation = target.slice(target.lastIndexOf('.') + 1);
      const request = parseOr(body.toString('utf8'));
      const modelled = operation === 'Scan' && capacity !== undefined;
      if (modelled && overCapacity()) {
        exchanges.push({ operation, request, consumed: undefined, answeredAt: performance.now(), throttled: true });
        sendThrottle(res);
        return;
      }
      sendUpstream(targetUrl, req, body).then((up) => {
        const consumed = capacityUnits(parseOr(up.body.toString('utf8')).ConsumedCapacity);
        const answeredAt = performance.now();
        if (modelled) {
          forwarded.push({ at: answeredAt, units: consumed ?? 0 });
          lastCost = consumed ?? lastCost;
        }
        exchanges.push({ operation, request, consumed, answeredAt, throttled: false });
        reply(res, up);
      }, () => res.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    exchanges,
    setCapacity(model) {
      capacity = model;
    },
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
