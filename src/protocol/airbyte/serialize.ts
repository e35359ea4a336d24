// One line of JSON per message. Records are assembled by hand so their data (already exact JSON text) is spliced
// in verbatim; every other message is small and goes through JSON.stringify.
import { RawJson } from '../../pipeline/events.js';
import { recordMessage } from './build.js';
import type { Message, Output, RecordBatch } from './messages.js';

export function serializeMessage(message: Message): string {
  if (message.type === 'RECORD') {
    const { stream, data, emitted_at, namespace } = message.record;
    const ns = namespace === undefined ? '' : `"namespace":${JSON.stringify(namespace)},`;
    return `{"type":"RECORD","record":{${ns}"stream":${JSON.stringify(stream)},"data":${data.text},"emitted_at":${emitted_at}}}`;
  }
  return JSON.stringify(message);
}

/** A message, or a batch of records as one RECORD line each (joined by newlines, none at the end). */
export function serializeOutput(output: Output): string {
  if (output.type !== 'RECORD_BATCH') return serializeMessage(output);
  // The envelope is the same for every record of the batch: built once, the data spliced between its halves.
  const head = `{"type":"RECORD","record":{"stream":${JSON.stringify(output.stream)},"data":`;
  const tail = `,"emitted_at":${output.emitted_at}}}`;
  const glue = tail + '\n' + head;
  return head + output.texts.join(glue) + tail;
}

/** The RECORD messages of a batch, one by one (for callers of the library's read()). */
export function* recordMessagesOf(batch: RecordBatch): Generator<Message> {
  for (const text of batch.texts) yield recordMessage(batch.stream, new RawJson(text), batch.emitted_at);
}
