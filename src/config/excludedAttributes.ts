// excluded_attributes: per table glob, top-level attributes that never leave the connector (PII, big blobs).
import { globToRegExp } from '../discovery/tableFilter.js';
import type { Config } from './validate.js';

export function excludedAttributesFor(config: Config, table: string): Set<string> {
  const out = new Set<string>();
  for (const rule of config.excluded_attributes ?? []) {
    if (globToRegExp(rule.tables).test(table)) for (const name of rule.attributes) out.add(name);
  }
  return out;
}
