// Singer catalogs: discovered tables → a catalog with breadcrumb metadata (discover), and a catalog given to a
// sync → the streams to read, their replication method and attribute selection (read). Selection follows the
// Singer spec as Meltano writes it: a stream is read when its breadcrumb [] has selected: true (or, without
// `selected`, selected-by-default); a property with selected: false is left out of every record.
import type { DiscoveredTable } from '../../discovery/discover.js';
import { configError } from '../../errors/ConnectorError.js';
import { cdcColumnsSchema, SINGER_CDC_COLUMNS } from '../../pipeline/cdcColumns.js';
import type { ConfiguredStream } from '../../read/configuredStream.js';
import type { JsonObject } from '../airbyte/messages.js';
import type { CatalogEntry, MetadataEntry, ReplicationMethod, SchemaMessage, SingerCatalog } from './messages.js';

export function singerCatalogOf(tables: readonly DiscoveredTable[]): SingerCatalog {
  return { streams: tables.map(catalogEntryOf) };
}

function catalogEntryOf(table: DiscoveredTable): CatalogEntry {
  const properties = (table.schema.properties ?? {}) as Record<string, JsonObject>;
  // A table read through a cursor index has one cursor: the index's sort key.
  const replicationKeys =
    table.indexCursor !== undefined ? [table.indexCursor] : Object.keys(properties).filter((name) => !table.keyNames.includes(name) && canBeCursor(properties[name]!));
  const streamMetadata: MetadataEntry['metadata'] = {
    'table-key-properties': table.keyNames,
    'valid-replication-keys': replicationKeys,
    'selected-by-default': true,
    inclusion: 'available',
  };
  // Without a usable DynamoDB stream and without a candidate cursor, a full table copy is all there is.
  if (table.streamProblem !== undefined && replicationKeys.length === 0) streamMetadata['forced-replication-method'] = 'FULL_TABLE';
  const metadata: MetadataEntry[] = [{ breadcrumb: [], metadata: streamMetadata }];
  for (const name of Object.keys(properties)) {
    const key = table.keyNames.includes(name);
    metadata.push({ breadcrumb: ['properties', name], metadata: { inclusion: key ? 'automatic' : 'available', 'selected-by-default': true } });
  }
  return { tap_stream_id: table.name, stream: table.name, schema: table.schema, key_properties: table.keyNames, metadata };
}

/** A cursor must hold strings or numbers (DynamoDB compares only those with `>`). */
function canBeCursor(schema: JsonObject): boolean {
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  const scalar = types.filter((t) => t !== 'null');
  return scalar.length === 1 && ['string', 'number', 'integer'].includes(scalar[0] as string) && schema.contentEncoding === undefined;
}

export interface SelectedStream {
  configured: ConfiguredStream;
  /** The SCHEMA message that goes out before the stream's first record. */
  schema: SchemaMessage;
}

const METHODS: readonly ReplicationMethod[] = ['FULL_TABLE', 'INCREMENTAL', 'LOG_BASED'];

/** The selected streams of a Singer catalog; anything that cannot be honoured is a config error naming the stream. */
export function parseSingerCatalog(raw: unknown): SelectedStream[] {
  const streams = (raw as { streams?: unknown } | null)?.streams;
  if (!Array.isArray(streams)) throw configError('The catalog must be a JSON object with a "streams" list (a Singer catalog, as --discover prints it).');
  const selected: SelectedStream[] = [];
  const seen = new Set<string>();
  for (const [i, value] of streams.entries()) {
    const entry = value as Partial<CatalogEntry> & { replication_method?: unknown; replication_key?: unknown; selected?: unknown };
    const name = entry?.tap_stream_id ?? entry?.stream;
    if (typeof name !== 'string' || name === '') throw configError(`Catalog stream ${i} has no tap_stream_id.`);
    const metadata = Array.isArray(entry.metadata) ? entry.metadata : [];
    const streamMd = metadataAt(metadata, []);
    if (!isSelected(streamMd, entry.selected)) continue;
    if (seen.has(name)) throw configError(`Stream ${name} appears twice in the catalog.`, { stream: name });
    seen.add(name);
    selected.push(selectedStream(name, entry, metadata, streamMd));
  }
  return selected;
}

function selectedStream(name: string, entry: Partial<CatalogEntry> & { replication_method?: unknown; replication_key?: unknown }, metadata: MetadataEntry[], streamMd: MetadataEntry['metadata']): SelectedStream {
  const fail = (what: string) => configError(`Stream ${name}: ${what}`, { stream: name });
  const method = streamMd['replication-method'] ?? entry.replication_method ?? streamMd['forced-replication-method'] ?? 'FULL_TABLE';
  if (typeof method !== 'string' || !METHODS.includes(method as ReplicationMethod)) {
    throw fail(`replication-method ${JSON.stringify(method)} is not supported; use FULL_TABLE, INCREMENTAL or LOG_BASED.`);
  }
  const replicationKey = streamMd['replication-key'] ?? entry.replication_key;
  if (method === 'INCREMENTAL' && (typeof replicationKey !== 'string' || replicationKey === '')) {
    throw fail('replication-method INCREMENTAL needs a replication-key: a top-level attribute holding strings or numbers.');
  }
  const schema = (entry.schema ?? { type: 'object', properties: {} }) as JsonObject;
  const properties = { ...((schema.properties ?? {}) as Record<string, JsonObject>) };
  const keyProperties = keyPropertiesOf(entry, streamMd);
  const deselected: string[] = [];
  for (const md of metadata) {
    if (md.breadcrumb.length !== 2 || md.breadcrumb[0] !== 'properties') continue;
    const property = md.breadcrumb[1]!;
    if (md.metadata.selected === false || (md.metadata.selected === undefined && md.metadata['selected-by-default'] === false)) {
      deselected.push(property);
      delete properties[property];
    }
  }
  const cursorField = method === 'INCREMENTAL' ? (replicationKey as string) : undefined;
  const outSchema: JsonObject = { ...schema, properties: method === 'LOG_BASED' ? { ...properties, ...cdcColumnsSchema(SINGER_CDC_COLUMNS) } : properties };
  const configured: ConfiguredStream = {
    name,
    // Records are checked against the SCHEMA the target gets; drift widens it mid-stream.
    schema: outSchema,
    syncMode: method === 'FULL_TABLE' ? 'full_refresh' : 'incremental',
    cursorField,
    deselected,
    ...(method === 'FULL_TABLE' ? {} : { incrementalBy: method === 'LOG_BASED' ? ('dynamodb_streams' as const) : ('cursor' as const) }),
    // A schema closed to other attributes is an include list: only its properties are read.
    ...(schema.additionalProperties === false ? { selectedOnly: Object.keys(properties) } : {}),
  };
  return {
    configured,
    schema: {
      type: 'SCHEMA',
      stream: name,
      schema: outSchema,
      key_properties: keyProperties,
      ...(cursorField !== undefined ? { bookmark_properties: [cursorField] } : {}),
    },
  };
}

function keyPropertiesOf(entry: Partial<CatalogEntry>, streamMd: MetadataEntry['metadata']): string[] {
  const fromMetadata = streamMd['table-key-properties'];
  if (Array.isArray(fromMetadata)) return fromMetadata.filter((k): k is string => typeof k === 'string');
  return Array.isArray(entry.key_properties) ? entry.key_properties : [];
}

function metadataAt(metadata: MetadataEntry[], breadcrumb: string[]): MetadataEntry['metadata'] {
  const found = metadata.find((m) => Array.isArray(m?.breadcrumb) && m.breadcrumb.length === breadcrumb.length && m.breadcrumb.every((b, i) => b === breadcrumb[i]));
  return found?.metadata ?? {};
}

function isSelected(streamMd: MetadataEntry['metadata'], legacySelected: unknown): boolean {
  if (typeof streamMd.selected === 'boolean') return streamMd.selected;
  if (typeof legacySelected === 'boolean') return legacySelected;
  return streamMd['selected-by-default'] === true;
}
