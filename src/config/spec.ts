// schemas/spec.json, loaded once: the connection spec served by `spec` and used to validate every config.
import { readFileSync } from 'node:fs';
import type { JsonObject } from '../util/json.js';
import { packageFile } from '../util/packageFiles.js';

export interface ConnectorSpecification extends JsonObject {
  connectionSpecification: JsonObject;
}

export const connectorSpecification: ConnectorSpecification = JSON.parse(readFileSync(packageFile('schemas/spec.json'), 'utf8'));
