// The importable API: each command is an async iterable of protocol messages that never throws — failures arrive
// as ERROR traces. Only the CLI writes them to stdout.
import { check as checkCommand } from './commands/check.js';
import { discover as discoverCommand } from './commands/discover.js';
import { guard } from './commands/guard.js';
import { read as readCommand } from './commands/read.js';
import { spec as specCommand } from './commands/spec.js';
import type { Message, Output } from './protocol/airbyte/messages.js';
import { recordMessagesOf } from './protocol/airbyte/serialize.js';
import type { ReadOptions } from './read/read.js';

export const spec = (): AsyncIterable<Message> => guard(specCommand());
export const check = (config: unknown): AsyncIterable<Message> => guard(checkCommand(config));
export const discover = (config: unknown): AsyncIterable<Message> => guard(discoverCommand(config));
export const read = (config: unknown, catalog: unknown, state?: unknown, options?: ReadOptions): AsyncIterable<Message> =>
  oneRecordAtATime(readBatched(config, catalog, state, options));
/** read(), with the records of a page kept together in one RECORD_BATCH: what a writer that serializes wants. */
export const readBatched = (config: unknown, catalog: unknown, state?: unknown, options?: ReadOptions): AsyncIterable<Output> =>
  guard(readCommand(config, catalog, state, options));

async function* oneRecordAtATime(outputs: AsyncIterable<Output>): AsyncGenerator<Message> {
  for await (const output of outputs) {
    if (output.type === 'RECORD_BATCH') yield* recordMessagesOf(output);
    else yield output;
  }
}

export type { Message, Output, RecordBatch } from './protocol/airbyte/messages.js';
export type { Config } from './config/validate.js';
export type { ReadOptions } from './read/read.js';
export { serializeMessage, serializeOutput } from './protocol/airbyte/serialize.js';
