// discover (Airbyte): LOG messages as each table is described, then one CATALOG.
import { createDynamoDBClient } from '../aws/clients.js';
import { parseConfig } from '../config/validate.js';
import { discoverTables } from '../discovery/discover.js';
import type { Logger } from '../log.js';
import { AIRBYTE_CDC_COLUMNS } from '../pipeline/cdcColumns.js';
import { airbyteStreamsOf } from '../protocol/airbyte/catalog.js';
import { catalogMessage, logMessage } from '../protocol/airbyte/build.js';
import type { Message } from '../protocol/airbyte/messages.js';
import { OutputQueue } from '../util/outputQueue.js';
import { toErrorTrace } from './guard.js';

/** Log lines buffered before discovery waits (it never does in practice: logs are few). */
const LOG_QUEUE_CAPACITY = 10_000;

export async function* discover(rawConfig: unknown): AsyncGenerator<Message> {
  const config = parseConfig(rawConfig);
  const queue = new OutputQueue<Message>(LOG_QUEUE_CAPACITY);
  const log: Logger = (level, message) => queue.pushNow(logMessage(level, message));
  const client = createDynamoDBClient(config);
  const work = discoverTables({ client, log, maxRetries: config.max_retries ?? 10 }, config)
    .then((tables) => queue.pushNow(catalogMessage(airbyteStreamsOf(tables, config, AIRBYTE_CDC_COLUMNS, log))))
    .catch((err: unknown) => queue.pushNow(toErrorTrace(err)))
    .finally(() => {
      client.destroy();
      queue.close();
    });
  yield* queue.drain();
  await work;
}
