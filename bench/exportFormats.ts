// `npm run bench:export`: the export reader's cost per item for the two formats of DynamoDB's export to S3, on the
// same items: DynamoDB JSON lines and Amazon Ion text lines (data files gzipped in memory, as AWS writes them, split
// into several files). Each round reads every file through the export source's own reader (gunzip, lines, the
// format's DataFileFormat, pages), with S3 left out, so the figures are the connector's CPU per item and the items per
// second of one core. Formats alternate round by round and medians are reported: the machine is shared and noisy,
// so only the ratio of figures taken in the same run means much.
//
// BENCH_ITEMS overrides the item count (default 100000); BENCH_ROUNDS the rounds per format (default 5).
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { dataFileFormatFor, type ExportFormat } from '../src/export/dataFormat.js';
import { ExportProgress } from '../src/export/exportProgress.js';
import { readDataFiles } from '../src/export/exportReader.js';
import type { DataFile } from '../src/export/manifest.js';
import type { SourceContext } from '../src/pipeline/sourceContext.js';
import { emptyState, type ExportState } from '../src/state/streamState.js';
import { Semaphore } from '../src/util/concurrency.js';
import { ionLine, toWireItem } from '../test/support/exportLines.js';
import { benchItem } from './dataset.js';

const ITEMS = positiveIntFromEnv('BENCH_ITEMS', 100_000);
const ROUNDS = positiveIntFromEnv('BENCH_ROUNDS', 5);
const FILES = 4;
const FORMATS: ExportFormat[] = ['DYNAMODB_JSON', 'ION'];

interface Round {
  wallS: number;
  cpuS: number;
}

function dataFiles(format: ExportFormat): { files: DataFile[]; bodies: Buffer[]; bytes: number } {
  const lines = Array.from({ length: ITEMS }, (_, i) => {
    const line = { Item: toWireItem(benchItem(i)) };
    return format === 'ION' ? ionLine(line) : JSON.stringify(line);
  });
  const size = Math.ceil(ITEMS / FILES);
  const bodies = Array.from({ length: FILES }, (_, f) => gzipSync(lines.slice(f * size, (f + 1) * size).map((l) => l + '\n').join('')));
  const files = bodies.map((_, index) => ({ index, key: `data/${index}`, itemCount: Math.min(size, Math.max(0, ITEMS - index * size)) }));
  return { files, bodies, bytes: lines.reduce((n, l) => n + l.length + 1, 0) };
}

async function readOnce(format: ExportFormat, input: { files: DataFile[]; bodies: Buffer[] }): Promise<Round> {
  let records = 0;
  const ctx: SourceContext = {
    async emit(page) {
      records += page.length;
    },
    log: () => undefined,
    interrupt: new AbortController().signal,
    permits: new Semaphore(FILES),
    maxRetries: 0,
    readConcurrency: FILES,
  };
  const part: ExportState = { export_arn: 'arn:aws:dynamodb:us-east-1:123456789012:table/bench/export/1', kind: 'full', requested_at: new Date().toISOString(), export_time: null, window: null, file_count: FILES, files_done: [], files_in_flight: {} };
  const dataFormat = await dataFileFormatFor(format, { kind: 'full' });
  const cpu = process.cpuUsage();
  const started = performance.now();
  const outcome = await readDataFiles(ctx, {
    stream: 'bench',
    bucket: 'bench',
    files: input.files,
    progress: new ExportProgress(part),
    open: async (file) => Readable.from([input.bodies[file.index]!]),
    format: dataFormat,
    // The main thread only: the figures are one core's cost per item of each format, not the machine's throughput.
    threads: 0,
    stateWith: (p) => ({ ...emptyState('full_refresh'), export: p }),
  });
  const wallS = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  if (outcome !== 'complete' || records !== ITEMS) throw new Error(`${format}: read ${records} of ${ITEMS} items (${outcome})`);
  return { wallS, cpuS: (used.user + used.system) / 1e6 };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function main(): Promise<void> {
  console.log(`source-dynamodb export-format bench: ${ITEMS} items in ${FILES} gzip data files per format, ${ROUNDS} rounds each`);
  const inputs = new Map(FORMATS.map((f) => [f, dataFiles(f)] as const));
  for (const [format, input] of inputs) {
    console.log(`  ${format.padEnd(13)} ${(input.bytes / ITEMS).toFixed(0)} B/line, ${(input.bodies.reduce((n, b) => n + b.length, 0) / 1e6).toFixed(1)} MB gzipped`);
  }
  const rounds = new Map<ExportFormat, Round[]>(FORMATS.map((f) => [f, []]));
  // One untimed read each first: module loading and JIT warm-up are not the reader's cost per item.
  for (const format of FORMATS) await readOnce(format, inputs.get(format)!);
  for (let r = 0; r < ROUNDS; r++) {
    for (const format of r % 2 === 0 ? FORMATS : [...FORMATS].reverse()) rounds.get(format)!.push(await readOnce(format, inputs.get(format)!));
  }
  const figures = new Map(
    FORMATS.map((f) => {
      const runs = rounds.get(f)!;
      const wallS = median(runs.map((r) => r.wallS));
      const cpuS = median(runs.map((r) => r.cpuS));
      return [f, { itemsPerS: ITEMS / wallS, cpuUsPerItem: (cpuS * 1e6) / ITEMS }] as const;
    }),
  );
  console.log('format          items/s   CPU µs/item   (medians)');
  for (const [format, f] of figures) console.log(`${format.padEnd(13)} ${f.itemsPerS.toFixed(0).padStart(9)} ${f.cpuUsPerItem.toFixed(1).padStart(13)}`);
  const json = figures.get('DYNAMODB_JSON')!;
  const ion = figures.get('ION')!;
  console.log(`ION / DYNAMODB_JSON: CPU per item ×${(ion.cpuUsPerItem / json.cpuUsPerItem).toFixed(2)}, throughput ×${(ion.itemsPerS / json.itemsPerS).toFixed(2)}`);
}

function positiveIntFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, not ${raw}`);
  return value;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
