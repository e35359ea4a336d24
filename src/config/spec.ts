// schemas/spec.json, loaded once: the connection spec served by `spec` and used to validate every config.
import { existsSync, readFileSync } from 'node:fs';
import type { JsonObject } from '../util/json.js';

export interface ConnectorSpecification extends JsonObject {
  connectionSpecification: JsonObject;
}

/** The package's schemas/spec.json, from the compiled module (dist/src/config/) or the source (src/config/). */
function specFile(): URL {
  const candidates = ['../../../schemas/spec.json', '../../schemas/spec.json'].map((path) => new URL(path, import.meta.url));
  return candidates.find((url) => existsSync(url)) ?? (candidates[0] as URL);
}

export const connectorSpecification: ConnectorSpecification = JSON.parse(readFileSync(specFile(), 'utf8'));
