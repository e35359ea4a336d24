// `npm run bench`: how fast and how lean the connector's full-refresh read is next to a plain SDK scan loop doing
// the same work (bench/plainScan.ts). Starts DynamoDB Local, loads a table, checks the connector emits every item,
// then times both as child processes, alternating, and reports medians: the machine is shared and noisy, so only
// ratios of medians taken in the same run mean anything. Exits non-zero only when something broke.
//
// BENCH_ITEMS overrides the item count (default 100000), BENCH_ROUNDS the number of timed runs of each (default 5:
// wall times on this shared machine vary 2x from run to run, and DynamoDB Local, not the client, sets most of the pace).
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { spawn } from 'node:child_process';
import { mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Readable } from 'node:stream';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startDynamoDBLocal } from '../src/local/dynamodbLocal.js';
import { averageItemBytes, createBenchTable, loadItems } from './dataset.js';
import type { Usage } from './measure.js';

// The SDK's "Node 22 will be required" notice is noise in a report (the CLI turns it off the same way); the
// baseline child inherits this too.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const ITEMS = positiveIntFromEnv('BENCH_ITEMS', 100_000);
const ROUNDS = positiveIntFromEnv('BENCH_ROUNDS', 5);
const SEGMENTS = 4;
const LOAD_WRITERS = 8;
const TABLE = 'bench_items';
const CHILD_TIMEOUT_MS = 10 * 60_000;
const TARGET_THROUGHPUT_RATIO = 0.9;
const TARGET_PEAK_RSS_MB = 300;

const benchDir = dirname(fileURLToPath(import.meta.url)); // dist/bench
const CLI = resolve(benchDir, '..', 'src', 'cli.js');
const PLAIN_SCAN = join(benchDir, 'plainScan.js');
const MEASURE_URL = pathToFileURL(join(benchDir, 'measure.js')).href;

interface RunResult {
  wallS: number;
  cpuS: number;
  peakRssMb: number;
}

interface Variant {
  name: 'baseline' | 'connector';
  args: string[];
  /** Where the child's stdout goes: the connector's records to /dev/null, the baseline's one summary line to us. */
  stdout: 'devnull' | 'pipe';
  /** Throws when the run did not do the whole job. */
  check(stdout: string): void;
}

async function main(): Promise<void> {
  console.log(`source-dynamodb bench: ${ITEMS} items, ${SEGMENTS} segments, ${ROUNDS} timed runs of each variant`);
  const ddb = await startDynamoDBLocal();
  try {
    await benchAgainst(ddb.endpoint);
  } finally {
    await ddb.stop();
  }
}

async function benchAgainst(endpoint: string): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'source-dynamodb-bench-'));
  const devNull = await open('/dev/null', 'w');
  try {
    await prepareTable(endpoint);
    const connectorArgs = await writeConnectorInputs(work, endpoint);
    // Outside the timed runs; it also warms DynamoDB Local's JIT so the first timed run is not penalised.
    await verifyConnectorRecordCount(connectorArgs);
    const variants: Variant[] = [
      { name: 'baseline', args: [PLAIN_SCAN, endpoint, TABLE, String(SEGMENTS)], stdout: 'pipe', check: checkBaselineCount },
      { name: 'connector', args: [CLI, ...connectorArgs], stdout: 'devnull', check: () => undefined },
    ];
    printReport(await timedRuns(variants, work, devNull.fd));
  } finally {
    await devNull.close();
    await rm(work, { recursive: true, force: true });
  }
}

async function prepareTable(endpoint: string): Promise<void> {
  const client = new DynamoDBClient({ region: 'us-east-1', endpoint, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  try {
    await createBenchTable(client, TABLE);
    const started = performance.now();
    await loadItems(client, TABLE, ITEMS, LOAD_WRITERS);
    const seconds = (performance.now() - started) / 1000;
    const itemBytes = await averageItemBytes(client, TABLE);
    const size = itemBytes === undefined ? '' : `, ~${Math.round(itemBytes)} bytes/item`;
    console.log(`loaded ${ITEMS} items in ${seconds.toFixed(1)} s (${Math.round(ITEMS / seconds)} items/s, ${LOAD_WRITERS} writers${size})`);
  } finally {
    client.destroy();
  }
}

/** Writes the connector's config and catalog files; returns the CLI arguments that use them. */
async function writeConnectorInputs(work: string, endpoint: string): Promise<string[]> {
  const config = {
    region: 'us-east-1',
    endpoint,
    credentials: { auth_type: 'access_keys', access_key_id: 'test', secret_access_key: 'test' },
    scan_segments: SEGMENTS,
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
  const configPath = join(work, 'config.json');
  const catalogPath = join(work, 'catalog.json');
  await writeFile(configPath, JSON.stringify(config));
  await writeFile(catalogPath, JSON.stringify(catalog));
  return ['read', '--config', configPath, '--catalog', catalogPath];
}

/** Runs the connector once with stdout piped here and counts its RECORD lines, streaming (the output is ~50 MB). */
async function verifyConnectorRecordCount(connectorArgs: string[]): Promise<void> {
  const child = spawn(process.execPath, [CLI, ...connectorArgs], { stdio: ['ignore', 'pipe', 'pipe'], timeout: CHILD_TIMEOUT_MS });
  const stderr = collect(child.stderr);
  const [records] = await Promise.all([countRecordLines(child.stdout), exitOf(child)]).catch((err: Error) => {
    throw new Error(`connector verification run: ${err.message}\n${stderr()}`);
  });
  if (records !== ITEMS) throw new Error(`connector emitted ${records} records, expected ${ITEMS}`);
  console.log(`verified: the connector emits all ${records} records`);
}

async function countRecordLines(stdout: Readable): Promise<number> {
  let records = 0;
  for await (const line of createInterface({ input: stdout, crlfDelay: Infinity })) {
    if (line.includes('"type":"RECORD"')) records++;
  }
  return records;
}

function checkBaselineCount(stdout: string): void {
  const { items } = JSON.parse(stdout) as { items: number };
  if (items !== ITEMS) throw new Error(`baseline scanned ${items} items, expected ${ITEMS}`);
}

/** ROUNDS runs of each variant, interleaved so that drifting machine load hits both alike. */
async function timedRuns(variants: Variant[], work: string, devNullFd: number): Promise<Map<Variant['name'], RunResult[]>> {
  const runs = new Map<Variant['name'], RunResult[]>(variants.map((v) => [v.name, []]));
  for (let round = 1; round <= ROUNDS; round++) {
    for (const variant of variants) {
      const result = await runMeasured(variant, join(work, `usage-${variant.name}-${round}.json`), devNullFd);
      runs.get(variant.name)?.push(result);
      console.log(`  run ${round} ${variant.name.padEnd(9)} ${result.wallS.toFixed(2)} s wall, ${result.cpuS.toFixed(2)} s CPU, ${result.peakRssMb.toFixed(0)} MB`);
    }
  }
  return runs;
}

async function runMeasured(variant: Variant, usageFile: string, devNullFd: number): Promise<RunResult> {
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', MEASURE_URL, ...variant.args], {
    env: { ...process.env, BENCH_USAGE_FILE: usageFile },
    stdio: ['ignore', variant.stdout === 'pipe' ? 'pipe' : devNullFd, 'pipe'],
    timeout: CHILD_TIMEOUT_MS,
  });
  const stdout = collect(child.stdout);
  const stderr = collect(child.stderr);
  await exitOf(child).catch((err: Error) => {
    throw new Error(`${variant.name} run: ${err.message}\n${stderr()}`);
  });
  const wallS = (performance.now() - started) / 1000;
  variant.check(stdout());
  const usage = JSON.parse(await readFile(usageFile, 'utf8')) as Usage;
  return { wallS, cpuS: (usage.cpuUserUs + usage.cpuSystemUs) / 1e6, peakRssMb: usage.maxRssKb / 1024 };
}

function printReport(runs: Map<Variant['name'], RunResult[]>): void {
  const baseline = medianOf(runs.get('baseline') ?? []);
  const connector = medianOf(runs.get('connector') ?? []);
  const throughputRatio = baseline.wallS / connector.wallS;
  const cpuRatio = connector.cpuS / baseline.cpuS;
  const row = (name: string, r: RunResult) =>
    `${name.padEnd(11)}${Math.round(ITEMS / r.wallS).toString().padStart(10)}${((r.cpuS / ITEMS) * 1000).toFixed(4).padStart(18)}${r.peakRssMb.toFixed(1).padStart(14)}`;
  console.log(`\nmedians of ${ROUNDS} runs, ${ITEMS} items, ${SEGMENTS} segments`);
  console.log(`${'variant'.padEnd(11)}${'items/s'.padStart(10)}${'CPU s/1k items'.padStart(18)}${'peak RSS MB'.padStart(14)}`);
  console.log(row('baseline', baseline));
  console.log(row('connector', connector));
  console.log(`connector/baseline: throughput ${throughputRatio.toFixed(2)}x, CPU ${cpuRatio.toFixed(2)}x\n`);
  const verdict = (ok: boolean) => (ok ? 'PASS' : 'FAIL');
  console.log(`${verdict(throughputRatio >= TARGET_THROUGHPUT_RATIO)}  connector throughput >= ${TARGET_THROUGHPUT_RATIO}x baseline (${throughputRatio.toFixed(2)}x)`);
  console.log(`${verdict(connector.peakRssMb < TARGET_PEAK_RSS_MB)}  connector peak RSS < ${TARGET_PEAK_RSS_MB} MB (${connector.peakRssMb.toFixed(1)} MB)`);
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
