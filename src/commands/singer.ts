// The Singer commands (--about, --discover, a sync with --catalog): each is an async iterable of output lines that
// never throws; a failure arrives as one CRITICAL line for stderr.
import { createDynamoDBClient } from '../aws/clients.js';
import { parseConfig, type Config } from '../config/validate.js';
import { discoverTables } from '../discovery/discover.js';
import { ConnectorError } from '../errors/ConnectorError.js';
import { SINGER_CDC_COLUMNS } from '../pipeline/cdcColumns.js';
import { aboutInfo, aboutMarkdown } from '../protocol/singer/about.js';
import { singerCatalogOf, parseSingerCatalog } from '../protocol/singer/catalog.js';
import { singerOutputs, type SingerOutput } from '../protocol/singer/fromEvents.js';
import { parseSingerState } from '../protocol/singer/state.js';
import type { ConfiguredStream } from '../read/configuredStream.js';
import { readStreams, type ReadOptions } from '../read/read.js';
import { OutputQueue } from '../util/outputQueue.js';

const LOG_QUEUE_CAPACITY = 10_000;

export async function* singerAbout(format: 'json' | 'markdown'): AsyncGenerator<SingerOutput> {
  yield { to: 'stdout', line: format === 'markdown' ? aboutMarkdown() : JSON.stringify(aboutInfo()), urgent: true };
}

export function singerDiscover(rawConfig: unknown): AsyncIterable<SingerOutput> {
  return guardSinger(discoverCatalog(rawConfig));
}

async function* discoverCatalog(rawConfig: unknown): AsyncGenerator<SingerOutput> {
  const config = parseConfig(rawConfig);
  const queue = new OutputQueue<SingerOutput>(LOG_QUEUE_CAPACITY);
  const client = createDynamoDBClient(config);
  const work = discoverTables({ client, log: (level, message) => queue.pushNow({ to: 'stderr', line: `${level} ${message}` }), maxRetries: config.max_retries ?? 10 }, config)
    .then((tables) => queue.pushNow({ to: 'stdout', line: JSON.stringify(singerCatalogOf(tables)), urgent: true }))
    .catch((err: unknown) => queue.pushNow(criticalLine(err)))
    .finally(() => {
      client.destroy();
      queue.close();
    });
  yield* queue.drain();
  await work;
}

async function discoverQuietly(config: Config) {
  const client = createDynamoDBClient(config);
  try {
    return await discoverTables({ client, log: () => {}, maxRetries: config.max_retries ?? 10 }, config);
  } finally {
    client.destroy();
  }
}

/** @param rawCatalog undefined: discover first and read every stream */
export function singerSync(rawConfig: unknown, rawCatalog: unknown | undefined, rawState: unknown, options: ReadOptions = {}): AsyncIterable<SingerOutput> {
  return guardSinger(sync(rawConfig, rawCatalog, rawState, options));
}

async function* sync(rawConfig: unknown, rawCatalog: unknown | undefined, rawState: unknown, options: ReadOptions): AsyncGenerator<SingerOutput> {
  const config = parseConfig(rawConfig);
  // Without a catalog, as Singer SDK taps do: discover, then read every stream selected by default (all of them).
  const selected = parseSingerCatalog(rawCatalog ?? singerCatalogOf(await discoverQuietly(config)));
  const bookmarks = parseSingerState(rawState);
  if (selected.length === 0) {
    yield { to: 'stderr', line: 'WARN No stream is selected in the catalog: nothing to read. Select streams with metadata "selected": true at breadcrumb [].' };
  }
  const schemas = new Map(selected.map((s) => [s.configured.name, s.schema]));
  const versions = tableVersions(selected.map((s) => s.configured), bookmarks);
  const events = readStreams(config, selected.map((s) => s.configured), bookmarks, { ...options, cdcColumns: SINGER_CDC_COLUMNS });
  yield* singerOutputs(events, schemas, bookmarks, versions);
}

/**
 * The table version of each FULL_TABLE stream this sync copies from its start: the sync's start time (Singer table
 * versions grow). A copy resumed from a bookmark's scan in progress gets none: the rows an earlier run copied
 * carry another version, and activating this one would delete them.
 */
function tableVersions(streams: readonly ConfiguredStream[], bookmarks: ReadonlyMap<string, unknown>): Map<string, number> {
  const version = Date.now();
  const versions = new Map<string, number>();
  for (const stream of streams) {
    if (stream.syncMode !== 'full_refresh') continue;
    const bookmark = bookmarks.get(stream.name) as { scan?: unknown } | null | undefined;
    if (bookmark?.scan === undefined || bookmark.scan === null) versions.set(stream.name, version);
  }
  return versions;
}

async function* guardSinger(outputs: AsyncIterable<SingerOutput>): AsyncGenerator<SingerOutput> {
  try {
    yield* outputs;
  } catch (err) {
    yield criticalLine(err);
  }
}

export function criticalLine(err: unknown): SingerOutput {
  const message = err instanceof ConnectorError ? err.message : `Unexpected failure: ${(err as Error)?.message ?? String(err)}`;
  // One line: the message a user acts on, never a stack trace.
  return { to: 'stderr', line: `CRITICAL ${message.replaceAll('\n', ' ')}`, critical: true };
}
