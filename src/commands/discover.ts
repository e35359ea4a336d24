import { createDynamoDBClient } from '../aws/clients.js';
import { parseConfig } from '../config/validate.js';
import { discoverStreams } from '../discovery/discover.js';
import type { Logger } from '../log.js';
import { catalogMessage, logMessage } from '../protocol/build.js';
import type { Message } from '../protocol/messages.js';

export async function* discover(rawConfig: unknown): AsyncGenerator<Message> {
  const config = parseConfig(rawConfig);
  const logs: Message[] = [];
  const log: Logger = (level, message) => logs.push(logMessage(level, message));
  const client = createDynamoDBClient(config);
  try {
    const streams = await discoverStreams({ client, log, maxRetries: config.max_retries ?? 10 }, config);
    yield* logs;
    yield catalogMessage(streams);
  } finally {
    client.destroy();
  }
}
