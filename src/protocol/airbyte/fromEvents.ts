// The Airbyte adapter of the read pipeline: each protocol-neutral event becomes one Airbyte message, except a page
// of records, which stays one batch of RECORD messages until it is serialized.
import type { ReadEvent } from '../../pipeline/events.js';
import { describeDrift } from '../../pipeline/schemaDrift.js';
import { stateToJson } from '../../state/streamState.js';
import { errorTraceMessage, estimateTraceMessage, logMessage, rateLimitedStatusMessage, streamStateMessage, streamStatusMessage } from './build.js';
import type { Output } from './messages.js';

export function airbyteOutputOf(event: ReadEvent): Output {
  switch (event.type) {
    case 'records':
      return { type: 'RECORD_BATCH', stream: event.stream, texts: event.texts, emitted_at: event.emittedAt };
    case 'checkpoint':
      return streamStateMessage(event.stream, stateToJson(event.state), event.recordCount);
    case 'status':
      return streamStatusMessage(event.stream, event.status);
    case 'estimate':
      return estimateTraceMessage(event.stream, event.rows, event.bytes);
    case 'rate-limit':
      // Entering: RUNNING with the RATE_LIMITED reason; leaving: a plain RUNNING again.
      return event.limited ? rateLimitedStatusMessage(event.stream, event.resetAt) : streamStatusMessage(event.stream, 'RUNNING');
    case 'log':
      return logMessage(event.level, event.message);
    case 'schema_drift':
      // The schema stays open: the values pass as they are, and the user learns the catalog is behind the table.
      return logMessage('WARN', `Stream ${event.stream}: ${describeDrift(event.changes)}; the values pass as they are. Refresh the source schema to type them.`);
    case 'error':
      return errorTraceMessage(event.failureType, event.message, {
        ...(event.stream !== undefined ? { stream: event.stream } : {}),
        ...(event.internalMessage !== undefined ? { internalMessage: event.internalMessage } : {}),
      });
  }
}

export async function* airbyteOutputs(events: AsyncIterable<ReadEvent>): AsyncGenerator<Output> {
  for await (const event of events) yield airbyteOutputOf(event);
}
