// `npm run bench`: how fast and how lean the connector's full-refresh read is, next to what else reads the same table
// in the same run: a plain SDK scan loop doing the same work at the same segments (bench/plainScan.ts; the baseline
// of every ratio), the same loop sending the connector's Scan Limit (how much of the gap that alone closes), the fast
// decode path alone (bench/fastScan.ts), the connector with a single segment, singer-io tap-dynamodb (the peer a
// Meltano user would pick today) when Python is present, and the connector's other two routes to the same items: a
// read of a finished export of the table (gzip data files on a local S3 server, behind the export emulator the tests
// use; each run resumes the same export, so only the read is timed) and a Streams-mode sync that reads the table's
// stream, where every loaded item is an INSERT (each run starts from the stream's first record). Starts DynamoDB Local, loads a table, checks the connector
// emits every item, then times every variant as a child process, interleaved, and reports medians: the machine is
// shared and noisy, so only ratios of figures taken in the same run mean anything. Exits non-zero only when
// something broke.
//
// BENCH_ITEMS overrides the item count (default 100000); BENCH_ROUNDS the timed runs of the fast variants (default
// 3; the single-segment reader and tap-dynamodb run once). `npm run bench -- --million` then tops the table up to
// 1,000,000 items and runs the connector once more, to compare its peak RSS at both sizes.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { spawn } from 'node:child_process';
import { mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Readable } from 'node:stream';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startDynamoDBLocal, type RunningDynamoDBLocal } from '../src/local/dynamodbLocal.js';
import { averageItemBytes, createBenchTable, loadItems } from './dataset.js';
import type { Usage } from './measure.js';
import { prepareTapDynamodb, tapEnv, tapRowCount } from './tapDynamodb.js';
import { startExportEmulator, type ExportEmulator } from '../test/support/exportEmulator.js';
import { startS3Server, type RunningS3Server } from '../test/support/s3Server.js';

// The SDK's "Node 22 will be required" notice is noise in a report (the CLI turns it off the same way); the
// children inherit this too.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const ITEMS = positiveIntFromEnv('BENCH_ITEMS', 100_000);
const ROUNDS = positiveIntFromEnv('BENCH_ROUNDS', 3);
const MILLION = process.argv.includes('--million');
const LARGE_ITEMS = 1_000_000;
const SEGMENTS = 4;
const LOAD_WRITERS = 8;
const TABLE = 'bench_items';
/** tap-dynamodb's use_local_dynamo means exactly this endpoint. */
const TAP_PORT = 8000;
const CHILD_TIMEOUT_MS = 30 * 60_000;
const TARGET_CPU_RATIO = 1 / 3;
const TARGET_THROUGHPUT_RATIO = 1.5;
const TARGET_PEAK_RSS_MB = 300;
const TARGET_RSS_GROWTH = 1.2;
/** The export and Streams routes may cost at most this much CPU per item next to the connector's Scan read. */
const TARGET_ROUTE_CPU_RATIO = 1.3;
const TARGET_EXPORT_ITEMS_PER_S = 100_000;

const benchDir = dirname(fileURLToPath(import.meta.url)); // dist/bench
const CLI = resolve(benchDir, '..', 'src', 'cli.js');
const PLAIN_SCAN = join(benchDir, 'plainScan.js');
const FAST_SCAN = join(benchDir, 'fastScan.js');
const MEASURE_URL = pathToFileURL(join(benchDir, 'measure.js')).href;

interface RunResult {
  wallS: number;
  cpuS: number;
  peakRssMb: number;
}

type VariantName = 'connector' | 'sdk loop' | 'sdk loop, Limit' | 'fast loop' | 'connector 1 seg' | 'tap-dynamodb' | 'export read' | 'streams sync';

interface Variant {
  name: VariantName;
  /** Program and arguments; node variants get the measuring preload, python the usage wrapper. */
  command: string[];
  /** Where the child's stdout goes: records to /dev/null, a loop's one summary line to us, or records to a counter
   *  here (then `check` gets the number of RECORD lines as its stdout). */
  stdout: 'devnull' | 'pipe' | 'count';
  rounds: number;
  env?: NodeJS.ProcessEnv;
  /** Throws when the run did not do the whole job. */
  check(stdout: string, stderr: string, items: number): void;
}

async function main(): Promise<void> {
  console.log(`source-dynamodb bench: ${ITEMS} items, ${SEGMENTS} segments, ${ROUNDS} timed runs of the fast variants${MILLION ? `, then the connector at ${LARGE_ITEMS} items` : ''}`);
  const ddb = await startLocal();
  // A bench stopped half-way (SIGTERM, or Ctrl-C) stops its DynamoDB Local too, instead of leaving the JVM behind.
  const onSignal = (signal: NodeJS.Signals) => void ddb.server.stop().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    await benchAgainst(ddb.server.endpoint, ddb.tapPossible);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await ddb.server.stop();
  }
}

/** On port 8000 when it is free (tap-dynamodb can only reach that one), else on any free port without the tap. */
async function startLocal(): Promise<{ server: RunningDynamoDBLocal; tapPossible: string | undefined }> {
  if (await portIsFree(TAP_PORT)) return { server: await startDynamoDBLocal({ port: TAP_PORT }), tapPossible: undefined };
  return { server: await startDynamoDBLocal(), tapPossible: `port ${TAP_PORT} is taken, and tap-dynamodb can only read a DynamoDB Local there` };
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, () => server.close(() => resolve(true)));
  });
}

async function benchAgainst(endpoint: string, tapUnavailable: string | undefined): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'source-dynamodb-bench-'));
  const devNull = await open('/dev/null', 'w');
  try {
    const client = benchClient(endpoint);
    try {
      await createBenchTable(client, TABLE);
      await load(client, 0, ITEMS);
    } finally {
      client.destroy();
    }
    const connectorArgs = await writeConnectorInputs(work, endpoint, SEGMENTS, 'config.json');
    const singleSegmentArgs = await writeConnectorInputs(work, endpoint, 1, 'config-1.json');
    // Outside the timed runs; it also warms DynamoDB Local's JIT so the first timed run is not penalised.
    await verifyConnectorRecordCount(connectorArgs, ITEMS);
    const loop = (name: VariantName, script: string, ...extra: string[]): Variant => ({
      name,
      command: [process.execPath, '--import', MEASURE_URL, script, endpoint, TABLE, String(SEGMENTS), ...extra],
      stdout: 'pipe',
      rounds: ROUNDS,
      check: checkLoopCount,
    });
    const variants: Variant[] = [
      { name: 'connector', command: [process.execPath, '--import', MEASURE_URL, CLI, ...connectorArgs], stdout: 'devnull', rounds: ROUNDS, check: () => undefined },
      loop('sdk loop', PLAIN_SCAN),
      loop('sdk loop, Limit', PLAIN_SCAN, '--limit'),
      loop('fast loop', FAST_SCAN),
      { name: 'connector 1 seg', command: [process.execPath, '--import', MEASURE_URL, CLI, ...singleSegmentArgs], stdout: 'devnull', rounds: 1, check: () => undefined },
    ];
    const routes = await startRoutes(endpoint);
    try {
      const exportArgs = await prepareExportRead(work, routes, connectorArgs);
      const streamsArgs = await prepareStreamsSync(work, endpoint);
      variants.push(
        { name: 'export read', command: [process.execPath, '--import', MEASURE_URL, CLI, ...exportArgs], stdout: 'devnull', rounds: ROUNDS, check: () => undefined },
        { name: 'streams sync', command: [process.execPath, '--import', MEASURE_URL, CLI, ...streamsArgs], stdout: 'devnull', rounds: ROUNDS, check: () => undefined },
      );
    } catch (err) {
      await routes.close();
      throw err;
    }
    const tap = tapUnavailable ?? (await prepareTapDynamodb(work, TABLE));
    if (typeof tap === 'string') console.log(`skipping tap-dynamodb: ${tap}`);
    else {
      variants.push({
        name: 'tap-dynamodb',
        command: [tap.program, ...tap.wrapperArgs, '{usage}', ...tap.tapArgs],
        stdout: 'devnull',
        rounds: 1,
        env: tapEnv(),
        check: (_stdout, stderr, items) => {
          const rows = tapRowCount(stderr);
          if (rows !== items) throw new Error(`tap-dynamodb synced ${rows ?? 'an unknown number of'} rows, expected ${items}`);
        },
      });
    }
    let medians: Map<VariantName, RunResult>;
    try {
      const runs = await timedRuns(variants, work, devNull.fd, ITEMS);
      medians = new Map([...runs].map(([name, results]) => [name, medianOf(results)]));
    } finally {
      await routes.close();
    }
    printReport(medians);
    if (MILLION) await millionRun(endpoint, connectorArgs, work, devNull.fd, medians.get('connector'));
  } finally {
    await devNull.close();
    await rm(work, { recursive: true, force: true });
  }
}

const benchClient = (endpoint: string) =>
  new DynamoDBClient({ region: 'us-east-1', endpoint, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });

async function load(client: DynamoDBClient, from: number, to: number): Promise<void> {
  const started = performance.now();
  await loadItems(client, TABLE, to, LOAD_WRITERS, from);
  const seconds = (performance.now() - started) / 1000;
  const itemBytes = await averageItemBytes(client, TABLE);
  const size = itemBytes === undefined ? '' : `, ~${Math.round(itemBytes)} bytes/item`;
  console.log(`loaded items ${from}..${to - 1} in ${seconds.toFixed(1)} s (${Math.round((to - from) / seconds)} items/s, ${LOAD_WRITERS} writers${size})`);
}

interface Routes {
  s3: RunningS3Server;
  emulator: ExportEmulator;
  close(): Promise<void>;
}

/** The local S3 server and the export emulator in front of DynamoDB Local, for the export variant. */
async function startRoutes(endpoint: string): Promise<Routes> {
  const s3 = await startS3Server('bench-exports');
  const emulator = await startExportEmulator({ ddbEndpoint: endpoint, s3Endpoint: s3.endpoint }).catch(async (err: unknown) => {
    await s3.close();
    throw err;
  });
  return {
    s3,
    emulator,
    async close() {
      await emulator.close();
      await s3.close();
    },
  };
}

/**
 * Exports the table once (the connector's own full refresh with initial_load export, untimed, its records counted)
 * and returns the CLI arguments of a run that resumes that finished export from its first file: what each timed
 * run does is DescribeExport, the manifests, and the data files read.
 */
async function prepareExportRead(work: string, routes: Routes, connectorArgs: string[]): Promise<string[]> {
  routes.emulator.enablePitr(TABLE);
  const config = {
    ...(JSON.parse(await readFile(connectorArgs[2] as string, 'utf8')) as Record<string, unknown>),
    endpoint: routes.emulator.endpoint,
    initial_load: 'export',
    export: { s3_bucket: routes.s3.bucket, s3_endpoint: routes.s3.endpoint },
  };
  const configPath = join(work, 'config-export.json');
  await writeFile(configPath, JSON.stringify(config));
  const first = await runToLines(['read', '--config', configPath, '--catalog', connectorArgs[4] as string]);
  const records = first.filter((l) => l.startsWith('{"type":"RECORD"')).length;
  if (records !== ITEMS) throw new Error(`the export read emitted ${records} records, expected ${ITEMS}`);
  // The first checkpoint that names the export: from there a run reads every data file again.
  const started = first
    .filter((l) => l.startsWith('{"type":"STATE"'))
    .map((l) => JSON.parse(l) as { state: { stream: { stream_state: { export?: { export_arn: string | null } } } } })
    .find((m) => typeof m.state.stream.stream_state.export?.export_arn === 'string');
  if (started === undefined) throw new Error('the export read checkpointed no export');
  const statePath = join(work, 'state-export.json');
  await writeFile(statePath, JSON.stringify([started]));
  console.log(`exported the table (${routes.emulator.exports().length} export): each export run reads its ${ITEMS} items from gzip files`);
  return ['read', '--config', configPath, '--catalog', connectorArgs[4] as string, '--state', statePath];
}

/**
 * Runs one Streams-mode sync (untimed: a snapshot, then the stream) and returns the CLI arguments of a sync whose
 * state says the snapshot is done and no shard has been read: each timed run reads the whole stream, one INSERT per
 * loaded item, and nothing else.
 */
async function prepareStreamsSync(work: string, endpoint: string): Promise<string[]> {
  const config = {
    region: 'us-east-1',
    endpoint,
    credentials: { auth_type: 'access_keys', access_key_id: 'test', secret_access_key: 'test' },
    scan_segments: SEGMENTS,
    replication: { mode: 'dynamodb_streams', max_stream_read_seconds: 600 },
  };
  const catalog = {
    streams: [
      {
        stream: { name: TABLE, json_schema: {}, supported_sync_modes: ['full_refresh', 'incremental'], source_defined_cursor: true, default_cursor_field: ['_ab_cdc_cursor'], source_defined_primary_key: [['pk'], ['sk']] },
        sync_mode: 'incremental',
        destination_sync_mode: 'append_dedup',
        primary_key: [['pk'], ['sk']],
      },
    ],
  };
  const configPath = join(work, 'config-streams.json');
  const catalogPath = join(work, 'catalog-streams.json');
  await writeFile(configPath, JSON.stringify(config));
  await writeFile(catalogPath, JSON.stringify(catalog));
  const first = await runToLines(['read', '--config', configPath, '--catalog', catalogPath]);
  const last = first.filter((l) => l.startsWith('{"type":"STATE"')).at(-1);
  if (last === undefined) throw new Error('the Streams-mode sync checkpointed nothing');
  const message = JSON.parse(last) as { state: { stream: { stream_state: { cdc: { snapshot_done: boolean; read_until?: string; shards: Record<string, { last_sequence: string | null; finished: boolean; empty_pages?: number }> } } } } };
  const cdc = message.state.stream.stream_state.cdc;
  if (!cdc.snapshot_done) throw new Error('the Streams-mode sync did not finish its snapshot');
  delete cdc.read_until;
  for (const shard of Object.values(cdc.shards)) {
    shard.last_sequence = null;
    shard.finished = false;
    delete shard.empty_pages;
  }
  const statePath = join(work, 'state-streams.json');
  await writeFile(statePath, JSON.stringify([message]));
  // A check run outside the timed ones: exactly one row per item comes out of the stream.
  const check = await runToLines(['read', '--config', configPath, '--catalog', catalogPath, '--state', statePath]);
  const rows = check.filter((l) => l.startsWith('{"type":"RECORD"')).length;
  if (rows !== ITEMS) throw new Error(`the Streams-mode sync read ${rows} stream records, expected ${ITEMS}`);
  console.log(`verified: a Streams-mode sync from the stream's start emits all ${rows} changes`);
  return ['read', '--config', configPath, '--catalog', catalogPath, '--state', statePath];
}

/** Runs the CLI once, untimed, and returns its stdout lines (it must succeed). */
async function runToLines(args: string[]): Promise<string[]> {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], timeout: CHILD_TIMEOUT_MS });
  const stderr = collect(child.stderr);
  const lines: string[] = [];
  const reading = (async () => {
    for await (const line of createInterface({ input: child.stdout, crlfDelay: Infinity })) lines.push(line);
  })();
  await Promise.all([reading, exitOf(child)]).catch((err: Error) => {
    const trace = lines.find((l) => l.includes('"type":"TRACE"') && l.includes('"type":"ERROR"'));
    throw new Error(`connector run ${args.join(' ')}: ${err.message}\n${trace ?? stderr().slice(-4000)}`);
  });
  return lines;
}

/** Tops the table up to LARGE_ITEMS and runs the connector once: does its memory stay flat as the table grows? */
async function millionRun(endpoint: string, connectorArgs: string[], work: string, devNullFd: number, small: RunResult | undefined): Promise<void> {
  const client = benchClient(endpoint);
  try {
    await load(client, ITEMS, LARGE_ITEMS);
  } finally {
    client.destroy();
  }
  // One read at this size takes long on a shared machine: it is measured and its records counted in the same run.
  const connector: Variant = {
    name: 'connector',
    command: [process.execPath, '--import', MEASURE_URL, CLI, ...connectorArgs],
    stdout: 'count',
    rounds: 1,
    check: (records, _stderr, expected) => {
      if (Number(records) !== expected) throw new Error(`connector emitted ${records} records, expected ${expected}`);
    },
  };
  const large = (await timedRuns([connector], work, devNullFd, LARGE_ITEMS)).get('connector')?.[0];
  if (!large || !small) return;
  const growth = large.peakRssMb / small.peakRssMb;
  console.log(`\nconnector at ${LARGE_ITEMS} items: ${Math.round(LARGE_ITEMS / large.wallS)} items/s, ${((large.cpuS / LARGE_ITEMS) * 1e6).toFixed(1)} µs CPU/item, peak RSS ${large.peakRssMb.toFixed(1)} MB (${ITEMS} items: ${small.peakRssMb.toFixed(1)} MB)`);
  console.log(`${verdict(large.peakRssMb < TARGET_PEAK_RSS_MB)}  connector peak RSS at ${LARGE_ITEMS} items < ${TARGET_PEAK_RSS_MB} MB (${large.peakRssMb.toFixed(1)} MB)`);
  console.log(`${verdict(growth <= TARGET_RSS_GROWTH)}  peak RSS from ${ITEMS} to ${LARGE_ITEMS} items within ${TARGET_RSS_GROWTH}x (${growth.toFixed(2)}x)`);
}

/** Writes the connector's config and catalog files; returns the CLI arguments that use them. */
async function writeConnectorInputs(work: string, endpoint: string, segments: number, configName: string): Promise<string[]> {
  const config = {
    region: 'us-east-1',
    endpoint,
    credentials: { auth_type: 'access_keys', access_key_id: 'test', secret_access_key: 'test' },
    scan_segments: segments,
  };
  const catalog = {
    streams: [
      {
        stream: { name: TABLE, json_schema: {}, supported_sync_modes: ['full_refresh'] },
        sync_mode: 'full_refresh',
        destination_sync_mode: 'overwrite',
      },
    ],
  };
  const configPath = join(work, configName);
  const catalogPath = join(work, 'catalog.json');
  await writeFile(configPath, JSON.stringify(config));
  await writeFile(catalogPath, JSON.stringify(catalog));
  return ['read', '--config', configPath, '--catalog', catalogPath];
}

/** Runs the connector once with stdout piped here and counts its RECORD lines, streaming (the output is ~50 MB). */
async function verifyConnectorRecordCount(connectorArgs: string[], expected: number): Promise<void> {
  const child = spawn(process.execPath, [CLI, ...connectorArgs], { stdio: ['ignore', 'pipe', 'pipe'], timeout: CHILD_TIMEOUT_MS });
  const stderr = collect(child.stderr);
  const [records] = await Promise.all([countRecordLines(child.stdout), exitOf(child)]).catch((err: Error) => {
    throw new Error(`connector verification run: ${err.message}\n${stderr()}`);
  });
  if (records !== expected) throw new Error(`connector emitted ${records} records, expected ${expected}`);
  console.log(`verified: the connector emits all ${records} records`);
}

/** Counts RECORD lines, streaming; throws with the connector's own ERROR trace when it reported one. */
async function countRecordLines(stdout: Readable): Promise<number> {
  let records = 0;
  let error: string | undefined;
  for await (const line of createInterface({ input: stdout, crlfDelay: Infinity })) {
    if (line.includes('"type":"RECORD"')) records++;
    else if (line.includes('"type":"TRACE"') && line.includes('"type":"ERROR"')) error ??= line;
  }
  if (error !== undefined) throw new Error(`after ${records} records the connector reported: ${error.slice(0, 2000)}`);
  return records;
}

function checkLoopCount(stdout: string, _stderr: string, expected: number): void {
  const { items } = JSON.parse(stdout) as { items: number };
  if (items !== expected) throw new Error(`scan loop read ${items} items, expected ${expected}`);
}

/** Runs of every variant, interleaved round by round so that drifting machine load hits them alike. */
async function timedRuns(variants: Variant[], work: string, devNullFd: number, items: number): Promise<Map<VariantName, RunResult[]>> {
  const runs = new Map<VariantName, RunResult[]>(variants.map((v) => [v.name, []]));
  const rounds = Math.max(...variants.map((v) => v.rounds));
  for (let round = 1; round <= rounds; round++) {
    for (const variant of variants.filter((v) => v.rounds >= round)) {
      const result = await runMeasured(variant, join(work, `usage-${variant.name.replaceAll(' ', '-')}-${round}.json`), devNullFd, items);
      runs.get(variant.name)?.push(result);
      console.log(`  run ${round} ${variant.name.padEnd(16)} ${result.wallS.toFixed(2).padStart(7)} s wall, ${result.cpuS.toFixed(2).padStart(7)} s CPU, ${result.peakRssMb.toFixed(0).padStart(4)} MB`);
    }
  }
  return runs;
}

async function runMeasured(variant: Variant, usageFile: string, devNullFd: number, items: number): Promise<RunResult> {
  const started = performance.now();
  const [program, ...args] = variant.command.map((part) => (part === '{usage}' ? usageFile : part)) as [string, ...string[]];
  const child = spawn(program, args, {
    env: { ...(variant.env ?? process.env), BENCH_USAGE_FILE: usageFile },
    stdio: ['ignore', variant.stdout === 'devnull' ? devNullFd : 'pipe', 'pipe'],
    timeout: CHILD_TIMEOUT_MS,
  });
  const counted = variant.stdout === 'count' && child.stdout ? countRecordLines(child.stdout) : Promise.resolve(undefined);
  const collected = variant.stdout === 'pipe' ? collect(child.stdout) : undefined;
  const stderr = collect(child.stderr);
  // When the connector fails, its own ERROR trace (seen by the counter) says more than its exit code.
  const exited = exitOf(child).catch(async (err: unknown) => {
    await counted;
    throw err;
  });
  const [, records] = await Promise.all([exited, counted]).catch((err: Error) => {
    throw new Error(`${variant.name} run: ${err.message}\n${stderr().slice(-4000)}`);
  });
  const wallS = (performance.now() - started) / 1000;
  variant.check(records !== undefined ? String(records) : (collected?.() ?? ''), stderr(), items);
  const usage = JSON.parse(await readFile(usageFile, 'utf8')) as Usage;
  return { wallS, cpuS: (usage.cpuUserUs + usage.cpuSystemUs) / 1e6, peakRssMb: usage.maxRssKb / 1024 };
}

const verdict = (ok: boolean) => (ok ? 'PASS' : 'FAIL');

function printReport(medians: Map<VariantName, RunResult>): void {
  const baseline = medians.get('sdk loop');
  const connector = medians.get('connector');
  if (!baseline || !connector) throw new Error('the connector and the SDK loop must both have run');
  console.log(`\n${ITEMS} items, ${SEGMENTS} segments unless named; medians where a variant ran more than once; ratios against the SDK loop of this run`);
  console.log(`${'variant'.padEnd(17)}${'items/s'.padStart(9)}${'CPU µs/item'.padStart(13)}${'peak RSS MB'.padStart(13)}${'throughput'.padStart(12)}${'CPU/item'.padStart(10)}`);
  for (const [name, r] of medians) {
    const throughput = baseline.wallS / r.wallS;
    const cpu = r.cpuS / baseline.cpuS;
    console.log(
      `${name.padEnd(17)}${Math.round(ITEMS / r.wallS).toString().padStart(9)}${((r.cpuS / ITEMS) * 1e6).toFixed(1).padStart(13)}${r.peakRssMb.toFixed(1).padStart(13)}${(throughput.toFixed(2) + 'x').padStart(12)}${(cpu.toFixed(2) + 'x').padStart(10)}`,
    );
  }
  const throughputRatio = baseline.wallS / connector.wallS;
  const cpuRatio = connector.cpuS / baseline.cpuS;
  console.log('');
  console.log(`${verdict(cpuRatio <= TARGET_CPU_RATIO)}  connector CPU per item <= 1/3 of the SDK loop's (${cpuRatio.toFixed(2)}x)`);
  console.log(`${verdict(throughputRatio >= TARGET_THROUGHPUT_RATIO)}  connector throughput >= ${TARGET_THROUGHPUT_RATIO}x the SDK loop at ${SEGMENTS} segments (${throughputRatio.toFixed(2)}x)`);
  console.log(`${verdict(connector.peakRssMb < TARGET_PEAK_RSS_MB)}  connector peak RSS < ${TARGET_PEAK_RSS_MB} MB (${connector.peakRssMb.toFixed(1)} MB)`);
  // The other routes to the same items, against the connector's Scan read of this run.
  for (const name of ['export read', 'streams sync'] as const) {
    const route = medians.get(name);
    if (!route) continue;
    const ratio = route.cpuS / connector.cpuS;
    console.log(`${verdict(ratio <= TARGET_ROUTE_CPU_RATIO)}  ${name} CPU per item <= ${TARGET_ROUTE_CPU_RATIO}x the connector's Scan read (${ratio.toFixed(2)}x)`);
  }
  const exportRead = medians.get('export read');
  if (exportRead) {
    const rate = ITEMS / exportRead.wallS;
    console.log(`${verdict(rate >= TARGET_EXPORT_ITEMS_PER_S)}  export read >= ${TARGET_EXPORT_ITEMS_PER_S} items/s, whole run (${Math.round(rate)} items/s)`);
  }
}

/** Median of each measure taken separately. */
function medianOf(results: RunResult[]): RunResult {
  const median = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  };
  return {
    wallS: median(results.map((r) => r.wallS)),
    cpuS: median(results.map((r) => r.cpuS)),
    peakRssMb: median(results.map((r) => r.peakRssMb)),
  };
}

/** Resolves when the child exits with code 0; rejects on a failed start, a non-zero code, a signal or the timeout. */
function exitOf(child: ReturnType<typeof spawn>): Promise<void> {
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(signal ? `killed by ${signal}` : `exited with code ${code}`));
    });
  });
}

/** Accumulates a small stream (stderr, the baseline's summary) and returns a getter for its text; null: not piped. */
function collect(stream: Readable | null): () => string {
  let text = '';
  stream?.setEncoding('utf8');
  stream?.on('data', (chunk: string) => (text += chunk));
  return () => text;
}

function positiveIntFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, got ${JSON.stringify(raw)}`);
  return value;
}

await main().catch((err: unknown) => {
  console.error(`bench failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
