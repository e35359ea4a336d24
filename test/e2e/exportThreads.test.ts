// Large export data files are gunzipped and converted in worker threads (src/export/dataFileThreads.ts, running the
// compiled worker of `npm run build`): the records, their order within each file, the resume point and the errors
// are those of the main-thread read of the same files, for DynamoDB JSON and Amazon Ion files alike.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectorError } from '../../src/errors/ConnectorError.js';
import { ExportProgress } from '../../src/export/exportProgress.js';
import { readDataFiles } from '../../src/export/exportReader.js';
import { DataFileThreads, MIN_ITEMS_PER_THREADED_FILE, dataFileThreadCount } from '../../src/export/dataFileThreads.js';
import type { DataFileFormat } from '../../src/export/dataFileFormat.js';
import { ionDataFileFormat } from '../../src/export/ionDataFile.js';
import { jsonDataFileFormat } from '../../src/export/jsonDataFile.js';
import type { DataFile } from '../../src/export/manifest.js';
import type { SourceContext } from '../../src/pipeline/sourceContext.js';
import { emptyState, type StreamState } from '../../src/state/streamState.js';
import { Semaphore } from '../../src/util/concurrency.js';
import { ionLine, type ExportLine } from '../support/exportLines.js';

const ITEMS = MIN_ITEMS_PER_THREADED_FILE + 2_345;
let dir: string;

const line = (file: number, i: number) =>
  JSON.stringify({ Item: { pk: { S: `f${file}-${i}` }, n: { N: i % 3 === 0 ? '+1' : '12345678901234567890123456789012345678' }, ['__proto__']: { M: { '0': { S: 'x' } } }, b: { B: 'AAE=' } } });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'export-threads-'));
  for (const file of [0, 1]) await writeFile(join(dir, `${file}.json.gz`), gzipSync(Array.from({ length: ITEMS }, (_, i) => line(file, i)).join('\n') + '\n'));
  await writeFile(join(dir, 'bad.json.gz'), gzipSync(Array.from({ length: ITEMS }, (_, i) => (i === 11_000 ? '{"Item":{"pk":{"S":"x"}' : line(9, i))).join('\n')));
  // The same items as Ion text lines (JSON.parse keeps `__proto__` as an own member, so the Ion line has it too).
  const ion = (file: number, i: number) => ionLine(JSON.parse(line(file, i)) as ExportLine);
  for (const file of [0, 1]) await writeFile(join(dir, `${file}.ion.gz`), gzipSync(Array.from({ length: ITEMS }, (_, i) => ion(file, i)).join('\n') + '\n'));
  await writeFile(join(dir, 'bad.ion.gz'), gzipSync(Array.from({ length: ITEMS }, (_, i) => (i === 11_000 ? '$ion_1_0 {Item:{pk:"x"}' : ion(9, i))).join('\n')));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const CONVERSION = { kind: 'full', recordSuffix: () => ',"_s":1', omit: new Set(['b']) } as const;

async function read(files: DataFile[], threads: number, options: { stopAfterPages?: number; progress?: ExportProgress; format?: DataFileFormat } = {}) {
  const records: string[] = [];
  const states: StreamState[] = [];
  const stop = new AbortController();
  let pages = 0;
  const ctx: SourceContext = {
    async emit(page, position) {
      records.push(...page);
      states.push(position());
      if (page.length > 0 && ++pages === options.stopAfterPages) stop.abort();
    },
    log: () => undefined,
    interrupt: stop.signal,
    permits: new Semaphore(4),
    maxRetries: 0,
    readConcurrency: 2,
  };
  const progress = options.progress ?? new ExportProgress({ export_arn: 'arn:x/export/1', kind: 'full', requested_at: '2026-11-24T10:00:00.000Z', export_time: null, window: null, file_count: files.length, files_done: [], files_in_flight: {} });
  const outcome = await readDataFiles(ctx, {
    stream: 'orders',
    bucket: 'local',
    files,
    progress,
    open: async (f) => createReadStream(join(dir, f.key)),
    format: options.format ?? jsonDataFileFormat(CONVERSION),
    threads,
    stateWith: (part) => ({ ...emptyState('full_refresh'), export: part }),
  });
  return { outcome, records, states, progress };
}

const byFile = (records: string[]) => [0, 1].map((f) => records.filter((r) => r.startsWith(`{"pk":"f${f}-`)));
const files: DataFile[] = [0, 1].map((index) => ({ index, key: `${index}.json.gz`, itemCount: ITEMS }));

describe('export data files in worker threads', () => {
  it('give the records of the main-thread read, each file in order', async () => {
    expect(dataFileThreadCount(2)).toBe(1);
    expect(dataFileThreadCount(1)).toBe(0);
    // The compiled worker is there, so these files do go to a thread.
    expect(new DataFileThreads(1).wants(jsonDataFileFormat({ kind: 'full' }), ITEMS)).toBe(true);
    expect(new DataFileThreads(1).wants(jsonDataFileFormat({ kind: 'incremental' }), ITEMS)).toBe(false);
    const inline = await read(files, 0);
    const threaded = await read(files, 2);
    expect(threaded.outcome).toBe('complete');
    expect(threaded.records).toHaveLength(2 * ITEMS);
    expect(byFile(threaded.records)).toEqual(byFile(inline.records));
    expect(byFile(threaded.records)[0]![0]).toBe('{"pk":"f0-0","n":1,"__proto__":{"0":"x"},"_s":1}');
    expect(threaded.progress.allDone()).toBe(true);
  });

  it('an interrupted read resumes after the pages it emitted, and a bad line is named as on the main thread', async () => {
    const one = [files[0]!];
    const first = await read(one, 1, { stopAfterPages: 3 });
    expect(first.outcome).toBe('interrupted');
    const part = first.states.at(-1)!.export!;
    expect(part.files_in_flight).toEqual({ 0: first.records.length });
    const rest = await read(one, 1, { progress: new ExportProgress(part) });
    expect(rest.outcome).toBe('complete');
    expect([...first.records, ...rest.records]).toEqual((await read(one, 0)).records);

    const bad: DataFile[] = [{ index: 0, key: 'bad.json.gz', itemCount: ITEMS }];
    const errors = await Promise.all([read(bad, 1).catch((e: unknown) => e), read(bad, 0).catch((e: unknown) => e)]);
    for (const err of errors) {
      expect(err).toBeInstanceOf(ConnectorError);
      expect((err as Error).message).toBe('Line 11001 of the export data file s3://local/bad.json.gz is not JSON.');
    }
  });

  it('Ion files too: the records of the main-thread read and of the DynamoDB JSON files, the same resume and errors', async () => {
    const ionFiles: DataFile[] = [0, 1].map((index) => ({ index, key: `${index}.ion.gz`, itemCount: ITEMS }));
    const format = ionDataFileFormat(CONVERSION);
    expect(new DataFileThreads(1).wants(format, ITEMS)).toBe(true);
    expect(new DataFileThreads(1).wants(ionDataFileFormat({ kind: 'incremental' }), ITEMS)).toBe(false);
    const threaded = await read(ionFiles, 2, { format });
    expect(threaded.outcome).toBe('complete');
    expect(byFile(threaded.records)).toEqual(byFile((await read(ionFiles, 0, { format })).records));
    expect(byFile(threaded.records)).toEqual(byFile((await read(files, 0)).records));

    const one = [ionFiles[0]!];
    const first = await read(one, 1, { stopAfterPages: 2, format });
    expect(first.outcome).toBe('interrupted');
    const rest = await read(one, 1, { progress: new ExportProgress(first.states.at(-1)!.export!), format });
    expect([...first.records, ...rest.records]).toEqual(byFile(threaded.records)[0]);

    const bad: DataFile[] = [{ index: 0, key: 'bad.ion.gz', itemCount: ITEMS }];
    const errors = await Promise.all([read(bad, 1, { format }).catch((e: unknown) => e), read(bad, 0, { format }).catch((e: unknown) => e)]);
    for (const err of errors) {
      expect(err).toBeInstanceOf(ConnectorError);
      expect((err as Error).message).toMatch(/^Line 11001 of the export data file s3:\/\/local\/bad\.ion\.gz is not valid Ion/);
    }
    expect((errors[0] as Error).message).toBe((errors[1] as Error).message);
  });
});
