// Whole items by primary key, for the records of an index that does not project every attribute: BatchGetItem,
// at most 100 keys a request, each request paced and paid by the table's read budget. Keys DynamoDB leaves
// unprocessed (throttling, 16 MB responses) go out again after a backoff; keys of items deleted since the index
// listed them simply find nothing.
import type { AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetItemCommand } from '@aws-sdk/client-dynamodb';
import { toConnectorError } from '../aws/errors.js';
import type { TableReadBudget } from '../aws/readBudget.js';
import { backoffDelay, isThrottling, sleep, withRetry } from '../aws/retry.js';
import type { Logger } from '../log.js';
import type { Semaphore } from '../util/concurrency.js';

/** BatchGetItem takes at most this many keys. */
export const BATCH_GET_MAX_KEYS = 100;

export interface BatchGetContext {
  client: DynamoDBClient;
  budget: TableReadBudget;
  permits: Semaphore;
  log: Logger;
  maxRetries: number;
  consistentRead: boolean;
}

export interface BatchGetRequest {
  table: string;
  keys: readonly Record<string, AttributeValue>[];
  projection?: { expression: string; names: Record<string, string> };
}

/** The items found for `keys`, in no particular order. */
export async function batchGetItems(ctx: BatchGetContext, request: BatchGetRequest): Promise<Record<string, AttributeValue>[]> {
  const { table } = request;
  const pending = [...request.keys];
  const found: Record<string, AttributeValue>[] = [];
  let fruitless = 0; // consecutive requests that returned every key unprocessed
  while (pending.length > 0) {
    const permit = await ctx.budget.acquire(Math.min(BATCH_GET_MAX_KEYS, pending.length));
    const keys = pending.splice(0, permit.limit ?? BATCH_GET_MAX_KEYS);
    const out = await withRetry(
      () =>
        ctx.permits.use(() =>
          ctx.client.send(
            new BatchGetItemCommand({
              RequestItems: {
                [table]: {
                  Keys: keys,
                  ConsistentRead: ctx.consistentRead,
                  ...(request.projection !== undefined ? { ProjectionExpression: request.projection.expression, ExpressionAttributeNames: request.projection.names } : {}),
                },
              },
              ReturnConsumedCapacity: 'TOTAL',
            }),
          ),
        ),
      { what: `BatchGetItem of ${keys.length} items of ${table}`, log: ctx.log, maxRetries: ctx.maxRetries },
    ).catch((err: unknown) => {
      ctx.budget.failed(permit, isThrottling(err));
      throw toConnectorError(err, 'dynamodb:BatchGetItem', `table ${table}`, table);
    });
    const items = out.Responses?.[table] ?? [];
    const consumed = out.ConsumedCapacity?.reduce((sum, c) => sum + (c.CapacityUnits ?? 0), 0);
    ctx.budget.pay(permit, consumed, items.length);
    found.push(...items);
    const unprocessed = out.UnprocessedKeys?.[table]?.Keys ?? [];
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
