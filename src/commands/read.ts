import { parseConfig } from '../config/validate.js';
import type { Message } from '../protocol/airbyte/messages.js';
import { readStreams, type ReadOptions } from '../read/read.js';

export async function* read(rawConfig: unknown, rawCatalog: unknown, rawState: unknown, options: ReadOptions = {}): AsyncGenerator<Message> {
  yield* readStreams(parseConfig(rawConfig), rawCatalog, rawState, options);
}
