// Reads the configured catalog given to `read`: only the fields we use are checked, the rest is tolerated.
import { configError } from '../../errors/ConnectorError.js';
import type { ConfiguredStream } from '../../read/configuredStream.js';
import type { JsonObject } from '../../util/json.js';

export function parseConfiguredCatalog(raw: unknown, options: { sourceDefinedCursor: boolean }): ConfiguredStream[] {
  const streams = (raw as { streams?: unknown } | null)?.streams;
  if (!Array.isArray(streams)) throw configError('The catalog must be a JSON object with a "streams" list (a ConfiguredAirbyteCatalog).');
  const seen = new Set<string>();
  return streams.map((entry: unknown, i) => {
    const e = entry as { stream?: { name?: unknown; json_schema?: unknown }; sync_mode?: unknown; cursor_field?: unknown } | null;
    const name = e?.stream?.name;
    if (typeof name !== 'string' || name === '') throw configError(`Catalog stream ${i} has no stream.name.`);
    if (seen.has(name)) throw configError(`Stream ${name} appears twice in the catalog.`, { stream: name });
    seen.add(name);
    const syncMode = e?.sync_mode ?? 'full_refresh';
    if (syncMode !== 'full_refresh' && syncMode !== 'incremental') {
      throw configError(`Stream ${name} asks for sync mode ${JSON.stringify(syncMode)}; supported: full_refresh, incremental.`, { stream: name });
    }
    const cursor = e?.cursor_field;
    let cursorField: string | undefined;
    if (syncMode === 'incremental' && !options.sourceDefinedCursor) {
      if (!Array.isArray(cursor) || cursor.length === 0 || typeof cursor[0] !== 'string') {
        throw configError(`Stream ${name} is incremental but its cursor_field is not set: choose a top-level attribute holding strings or numbers.`, { stream: name });
      }
      if (cursor.length > 1) {
        throw configError(`Stream ${name}: the cursor_field must be a top-level attribute, not the nested path ${cursor.join('.')}.`, { stream: name });
      }
      cursorField = cursor[0];
    }
    const schema = e?.stream?.json_schema;
    const known = schema !== null && typeof schema === 'object' && !Array.isArray(schema) ? { schema: schema as JsonObject } : {};
    return { name, syncMode, cursorField, deselected: [], ...known };
  });
}
