import { createDynamoDBClient } from '../aws/clients.js';
import { parseConfig } from '../config/validate.js';
import { discoverStreams } from '../discovery/discover.js';
import { AIRBYTE_CDC_COLUMNS } from '../pipeline/cdcColumns.js';
import type { Logger } from '../log.js';
import { catalogMessage, logMessage } from '../protocol/airbyte/build.js';
import type { AirbyteStream, Message } from '../protocol/airbyte/messages.js';

export async function* discover(rawConfig: unknown): AsyncGenerator<Message> {
  const config = parseConfig(rawConfig);
  const logs: Message[] = [];
  const log: Logger = (level, message) => logs.push(logMessage(level, message));
  const client = createDynamoDBClient(config);
  let streams: AirbyteStream[];
  try {
    streams = await discoverStreams({ client, log, maxRetries: config.max_retries ?? 10 }, config, AIRBYTE_CDC_COLUMNS);
  } catch (err) {
    yield* logs; // the retries and warnings that led to the failure
    throw err;
  } finally {
    client.destroy();
  }
  yield* logs;
  yield catalogMessage(streams);
}
