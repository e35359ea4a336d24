// One line of JSON per message. Records are assembled by hand so their data (already exact JSON text) is spliced
// in verbatim; every other message is small and goes through JSON.stringify.
import type { Message } from './messages.js';

export function serializeMessage(message: Message): string {
  if (message.type === 'RECORD') {
    const { stream, data, emitted_at, namespace } = message.record;
    const ns = namespace === undefined ? '' : `"namespace":${JSON.stringify(namespace)},`;
    return `{"type":"RECORD","record":{${ns}"stream":${JSON.stringify(stream)},"data":${data.text},"emitted_at":${emitted_at}}}`;
  }
  return JSON.stringify(message);
}
