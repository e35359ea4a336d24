import { connectorSpecification } from '../config/spec.js';
import { specMessage } from '../protocol/build.js';
import type { Message } from '../protocol/messages.js';

export async function* spec(): AsyncGenerator<Message> {
  yield specMessage(connectorSpecification);
}
