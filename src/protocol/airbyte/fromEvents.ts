// The Airbyte adapter of the read pipeline: each protocol-neutral event becomes one Airbyte message.
import type { ReadEvent } from '../../pipeline/events.js';
import { stateToJson } from '../../state/streamState.js';
import { errorTraceMessage, estimateTraceMessage, logMessage, recordMessage, streamStateMessage, streamStatusMessage } from './build.js';
import type { Message } from './messages.js';

export function airbyteMessageOf(event: ReadEvent): Message {
  switch (event.type) {
    case 'record':
      return recordMessage(event.stream, event.data, event.emittedAt);
    case 'checkpoint':
      return streamStateMessage(event.stream, stateToJson(event.state), event.recordCount);
    case 'status':
      return streamStatusMessage(event.stream, event.status);
    case 'estimate':
      return estimateTraceMessage(event.stream, event.rows, event.bytes);
    case 'log':
      return logMessage(event.level, event.message);
    case 'error':
      return errorTraceMessage(event.failureType, event.message, {
        ...(event.stream !== undefined ? { stream: event.stream } : {}),
        ...(event.internalMessage !== undefined ? { internalMessage: event.internalMessage } : {}),
      });
  }
}

export async function* airbyteMessages(events: AsyncIterable<ReadEvent>): AsyncGenerator<Message> {
  for await (const event of events) yield airbyteMessageOf(event);
}
