// Samples items for schema inference from several scan segments at once. Each segment covers a slice of the hash
// key space, so taking a few items from each spreads the sample over the table instead of taking its first N.
import { ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { isAccessDenied, toConnectorError } from '../aws/errors.js';
import { withRetry } from '../aws/retry.js';
import { mapConcurrent } from '../util/concurrency.js';
import type { CallContext } from './tables.js';

/** How many segments the sample is spread over. */
const SAMPLE_SEGMENTS = 8;
/** How many sample scans of one table run at once. */
const SAMPLE_CONCURRENCY = 4;

export type SampleResult = { ok: true; items: Record<string, AttributeValue>[] } | { ok: false; reason: string };

export async function sampleItems(ctx: CallContext, table: string, sampleSize: number): Promise<SampleResult> {
  if (sampleSize <= 0) return { ok: true, items: [] };
  const perSegment = Math.ceil(sampleSize / SAMPLE_SEGMENTS);
  try {
    const segments = Array.from({ length: SAMPLE_SEGMENTS }, (_, i) => i);
    const bySegment = await mapConcurrent(segments, SAMPLE_CONCURRENCY, (segment) =>
      sampleSegment(ctx, table, segment, perSegment),
    );
    return { ok: true, items: bySegment.flat().slice(0, sampleSize) };
  } catch (err) {
    if (isAccessDenied(err)) {
      return { ok: false, reason: toConnectorError(err, 'dynamodb:Scan', `table ${table}`).message };
    }
    throw toConnectorError(err, 'dynamodb:Scan', `table ${table}`, table);
  }
}

async function sampleSegment(ctx: CallContext, table: string, segment: number, limit: number) {
  const items: Record<string, AttributeValue>[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await withRetry(
      () =>
        ctx.client.send(
          new ScanCommand({
            TableName: table,
            Segment: segment,
            TotalSegments: SAMPLE_SEGMENTS,
            Limit: limit - items.length,
            ExclusiveStartKey: start,
          }),
        ),
      { what: `sample Scan of ${table} segment ${segment}`, log: ctx.log, maxRetries: ctx.maxRetries },
    );
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start !== undefined && items.length < limit);
  return items;
}
