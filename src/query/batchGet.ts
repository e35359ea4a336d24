// Whole items by primary key, for the records of an index that does not project every attribute: BatchGetItem over
// the signed fast path (wireQuery.ts), at most 100 keys a request, each request paced and paid by the table's read
// budget. Keys DynamoDB leaves unprocessed (throttling, 16 MB responses) go out again after a backoff; keys of items
// deleted since the index listed them simply find nothing.
import { toConnectorError } from '../aws/errors.js';
import type { TableReadBudget } from '../aws/readBudget.js';
import { backoffDelay, isThrottling, sleep, withRetry } from '../aws/retry.js';
import type { Logger } from '../log.js';
import type { Semaphore } from '../util/concurrency.js';
import type { WireQueryClient } from './wireQuery.js';

/** BatchGetItem takes at most this many keys. */
export const BATCH_GET_MAX_KEYS = 100;

export interface BatchGetContext {
  client: WireQueryClient;
  budget: TableReadBudget;
  permits: Semaphore;
  log: Logger;
  maxRetries: number;
  consistentRead: boolean;
}

export interface BatchGetRequest {
  table: string;
  /** Each key as wire JSON text, e.g. {"pk":{"S":"a"}}. */
  keys: readonly string[];
  projection?: { expression: string; names: Record<string, string> };
  /** Top-level attributes left out of the records. */
  omit?: ReadonlySet<string> | undefined;
}

/**
 * The record text of each item found for `keys`, in no particular order: BatchGetItem answers in its own order,
 * and the records of one page are handed over together, before the STATE that covers them, so their order within
 * the page does not matter.
 */
export async function batchGetRecords(ctx: BatchGetContext, request: BatchGetRequest): Promise<string[]> {
  const { table } = request;
  const pending = [...request.keys];
  const found: string[] = [];
  let fruitless = 0; // consecutive requests that returned every key unprocessed
  while (pending.length > 0) {
    const permit = await ctx.budget.acquire(Math.min(BATCH_GET_MAX_KEYS, pending.length));
    const keys = pending.splice(0, permit.limit ?? BATCH_GET_MAX_KEYS);
    const out = await withRetry(
      () =>
        ctx.permits.use(() =>
          ctx.client.batchGet({ table, keys, consistentRead: ctx.consistentRead, projection: request.projection, omit: request.omit }),
        ),
      { what: `BatchGetItem of ${keys.length} items of ${table}`, log: ctx.log, maxRetries: ctx.maxRetries },
    ).catch((err: unknown) => {
      ctx.budget.failed(permit, isThrottling(err));
      throw toConnectorError(err, 'dynamodb:BatchGetItem', `table ${table}`, table);
    });
    ctx.budget.pay(permit, out.consumedCapacity, out.records.length);
    for (const record of out.records) found.push(record);
    const unprocessed = out.unprocessedKeys;
    if (unprocessed.length === 0) {
      fruitless = 0;
      continue;
    }
    pending.unshift(...unprocessed);
    fruitless = unprocessed.length === keys.length ? fruitless + 1 : 0;
    if (fruitless > ctx.maxRetries) {
      throw Object.assign(new Error(`BatchGetItem on ${table} left every key unprocessed ${fruitless} times in a row`), { name: 'ProvisionedThroughputExceededException' });
    }
    const delay = backoffDelay(fruitless);
    ctx.log('WARN', `BatchGetItem on ${table} left ${unprocessed.length} of ${keys.length} keys unprocessed; asking again in ${delay} ms.`);
    await sleep(delay);
  }
  return found;
}
