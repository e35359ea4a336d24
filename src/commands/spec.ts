import { connectorSpecification } from '../config/spec.js';
import { specMessage } from '../protocol/airbyte/build.js';
import type { Message } from '../protocol/airbyte/messages.js';

export async function* spec(): AsyncGenerator<Message> {
  yield specMessage(connectorSpecification);
}
