// Samples items for schema inference from several scan segments at once. Each segment covers a slice of the hash
// key space, so taking a few items from each spreads the sample over the table instead of taking its first N.
// Sample scans draw on the table's read budget like any other scan: on a busy provisioned table, discover must not
// eat the capacity the application needs. The scans go over the same signed fast path as a read's, and items are
// read from the response's bytes as [name, value] lists (convert/wireTree.ts), so that every attribute name, such
// as `__proto__`, reaches schema inference.
import { isAccessDenied, toConnectorError } from '../aws/errors.js';
import { createSignedJsonRpc, type SignedJsonRpc, type SdkClientLike } from '../aws/signedJsonRpc.js';
import { itemsResponseToTrees, type WireEntries } from '../convert/wireTree.js';
import type { TableReadBudget } from '../aws/readBudget.js';
import { isThrottling, withRetry } from '../aws/retry.js';
import { mapConcurrent } from '../util/concurrency.js';
import type { CallContext } from './tables.js';

/** How many segments the sample is spread over. */
const SAMPLE_SEGMENTS = 8;
/** How many sample scans of one table run at once. */
const SAMPLE_CONCURRENCY = 4;

const SCAN_TARGET = 'DynamoDB_20120810.Scan';

export type SampleResult = { ok: true; items: WireEntries[] } | { ok: false; reason: string };

export async function sampleItems(ctx: CallContext, table: string, sampleSize: number, budget: TableReadBudget): Promise<SampleResult> {
  if (sampleSize <= 0) return { ok: true, items: [] };
  const perSegment = Math.ceil(sampleSize / SAMPLE_SEGMENTS);
  const rpc = createSignedJsonRpc(ctx.client as unknown as SdkClientLike);
  try {
    const segments = Array.from({ length: SAMPLE_SEGMENTS }, (_, i) => i);
    const bySegment = await mapConcurrent(segments, SAMPLE_CONCURRENCY, (segment) =>
      sampleSegment(ctx, rpc, budget, table, segment, perSegment),
    );
    return { ok: true, items: bySegment.flat().slice(0, sampleSize) };
  } catch (err) {
    if (isAccessDenied(err)) {
      return { ok: false, reason: toConnectorError(err, 'dynamodb:Scan', `table ${table}`).message };
    }
    throw toConnectorError(err, 'dynamodb:Scan', `table ${table}`, table);
  } finally {
    rpc.destroy();
  }
}

async function sampleSegment(ctx: CallContext, rpc: SignedJsonRpc, budget: TableReadBudget, table: string, segment: number, limit: number) {
  const items: WireEntries[] = [];
  /** LastEvaluatedKey as the wire has it, sent back as it came. */
  let start: unknown;
  do {
    const page = await withRetry(
      async () => {
        const permit = await budget.acquire(limit - items.length);
        try {
          const request = { TableName: table, Segment: segment, TotalSegments: SAMPLE_SEGMENTS, Limit: permit.limit, ExclusiveStartKey: start, ReturnConsumedCapacity: 'TOTAL' };
          const out = itemsResponseToTrees(await rpc.call(SCAN_TARGET, JSON.stringify(request)));
          const consumed = (out.rest.ConsumedCapacity as { CapacityUnits?: number } | undefined)?.CapacityUnits;
          budget.pay(permit, consumed, typeof out.rest.ScannedCount === 'number' ? out.rest.ScannedCount : out.items.length);
          return out;
        } catch (err) {
          budget.failed(permit, isThrottling(err));
          throw err;
        }
      },
      { what: `sample Scan of ${table} segment ${segment}`, log: ctx.log, maxRetries: ctx.maxRetries },
    );
    items.push(...page.items);
    start = page.rest.LastEvaluatedKey;
  } while (start !== undefined && items.length < limit);
  return items;
}
