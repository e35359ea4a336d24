// Samples items for schema inference from several scan segments at once. Each segment covers a slice of the hash
// key space, so taking a few items from each spreads the sample over the table instead of taking its first N.
// Sample scans draw on the table's read budget like any other scan: on a busy provisioned table, discover must not
// eat the capacity the application needs.
import { ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { isAccessDenied, toConnectorError } from '../aws/errors.js';
import type { TableReadBudget } from '../aws/readBudget.js';
import { isThrottling, withRetry } from '../aws/retry.js';
import { mapConcurrent } from '../util/concurrency.js';
import type { CallContext } from './tables.js';

/** How many segments the sample is spread over. */
const SAMPLE_SEGMENTS = 8;
/** How many sample scans of one table run at once. */
const SAMPLE_CONCURRENCY = 4;

export type SampleResult = { ok: true; items: Record<string, AttributeValue>[] } | { ok: false; reason: string };

export async function sampleItems(ctx: CallContext, table: string, sampleSize: number, budget: TableReadBudget): Promise<SampleResult> {
  if (sampleSize <= 0) return { ok: true, items: [] };
  const perSegment = Math.ceil(sampleSize / SAMPLE_SEGMENTS);
  try {
    const segments = Array.from({ length: SAMPLE_SEGMENTS }, (_, i) => i);
    const bySegment = await mapConcurrent(segments, SAMPLE_CONCURRENCY, (segment) =>
      sampleSegment(ctx, budget, table, segment, perSegment),
    );
    return { ok: true, items: bySegment.flat().slice(0, sampleSize) };
  } catch (err) {
    if (isAccessDenied(err)) {
      return { ok: false, reason: toConnectorError(err, 'dynamodb:Scan', `table ${table}`).message };
    }
    throw toConnectorError(err, 'dynamodb:Scan', `table ${table}`, table);
  }
}

async function sampleSegment(ctx: CallContext, budget: TableReadBudget, table: string, segment: number, limit: number) {
  const items: Record<string, AttributeValue>[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await withRetry(
      async () => {
        const permit = await budget.acquire(limit - items.length);
        try {
          const out = await ctx.client.send(
            new ScanCommand({
              TableName: table,
              Segment: segment,
              TotalSegments: SAMPLE_SEGMENTS,
              Limit: permit.limit,
              ExclusiveStartKey: start,
              ReturnConsumedCapacity: 'TOTAL',
            }),
          );
          budget.pay(permit, out.ConsumedCapacity?.CapacityUnits, out.ScannedCount ?? 0);
          return out;
        } catch (err) {
          budget.failed(permit, isThrottling(err));
          throw err;
        }
      },
      { what: `sample Scan of ${table} segment ${segment}`, log: ctx.log, maxRetries: ctx.maxRetries },
    );
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start !== undefined && items.length < limit);
  return items;
}
