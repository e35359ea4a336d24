// Turns any failure of a command into an Airbyte ERROR trace: the user gets a message and a failure_type, never a
// stack trace on stdout. Unknown failures are system_errors (ours to fix); their stack goes to the internal message.
import { ConnectorError } from '../errors/ConnectorError.js';
import { errorTraceMessage } from '../protocol/airbyte/build.js';
import type { Message, Output } from '../protocol/airbyte/messages.js';

export async function* guard<T extends Output>(messages: AsyncIterable<T>): AsyncGenerator<T | Message> {
  try {
    yield* messages;
  } catch (err) {
    yield toErrorTrace(err);
  }
}

export function toErrorTrace(err: unknown): Message {
  if (err instanceof ConnectorError) {
    const cause = err.details.cause as Error | undefined;
    return errorTraceMessage(err.failureType, err.message, {
      ...(err.details.stream !== undefined ? { stream: err.details.stream } : {}),
      ...(cause ? { internalMessage: `${cause.name}: ${cause.message}` } : {}),
    });
  }
  const e = err as Error;
  return errorTraceMessage('system_error', `Unexpected failure: ${e?.message ?? String(err)}`, {
    internalMessage: e?.stack ?? String(err),
  });
}
