// schemas/spec.json, loaded once: the connection spec served by `spec` and used to validate every config.
import { readFileSync } from 'node:fs';
import type { JsonObject } from '../util/json.js';

const specUrl = new URL('../../../schemas/spec.json', import.meta.url);

export interface ConnectorSpecification extends JsonObject {
  connectionSpecification: JsonObject;
}

export const connectorSpecification: ConnectorSpecification = JSON.parse(readFileSync(specUrl, 'utf8'));
