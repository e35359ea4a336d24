// Reads an export's data files: a few at a time, each streamed from S3 through gunzip into its format's reader
// (dataFileFormat.ts), never a whole file in memory. Items become records in pages handed to the orchestrator with
// the position after them; a resumed read skips finished files and the items of started files that were already
// emitted. Each file's item count must match its manifest entry.
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { isRetryable, backoffDelay, firstLine } from '../aws/retry.js';
import { ConnectorError } from '../errors/ConnectorError.js';
import type { SourceContext } from '../pipeline/sourceContext.js';
import type { ExportState, StreamState } from '../state/streamState.js';
import { mapConcurrent } from '../util/concurrency.js';
import { abortableSleep } from './abortableSleep.js';
import { DataItemError, type DataFileFormat, type DataFilePage } from './dataFileFormat.js';
import { DataFileThreads } from './dataFileThreads.js';
import type { ExportProgress } from './exportProgress.js';
import type { DataFile } from './manifest.js';

/** Decompressed bytes per chunk: each is split into lines and transcoded in one go. */
const GUNZIP_CHUNK_BYTES = 256 * 1024;
/** Data files read at once at most (each is one S3 download and one gunzip). */
const MAX_PARALLEL_FILES = 8;

export interface DataFilesPlan {
  stream: string;
  bucket: string;
  files: readonly DataFile[];
  progress: ExportProgress;
  /** Opens a data file (still gzip-compressed). */
  open(file: DataFile): Promise<Readable>;
  /** The data files' format: decompressed bytes → pages of records. */
  format: DataFileFormat;
  /** Worker threads for large files (default: one per core but one; 0: none). */
  threads?: number;
  stateWith(part: ExportState): StreamState;
}

/** Resolves 'complete' when every file is read, 'interrupted' when the sync was asked to stop first. */
export async function readDataFiles(ctx: SourceContext, plan: DataFilesPlan): Promise<'complete' | 'interrupted'> {
  const pending = plan.files.filter((f) => !plan.progress.isDone(f.index));
  const parallel = Math.max(1, Math.min(MAX_PARALLEL_FILES, ctx.readConcurrency));
  const threads = new DataFileThreads(plan.threads);
  try {
    const outcomes = await mapConcurrent(pending, parallel, (file) =>
      ctx.interrupt.aborted ? Promise.resolve('interrupted' as const) : ctx.permits.use(() => readFileWithRetries(ctx, plan, threads, file)),
    );
    return outcomes.every((o) => o === 'complete') ? 'complete' : 'interrupted';
  } finally {
    await threads.close();
  }
}

/** A download cut in the middle is opened again and read on from the first line not yet emitted. */
async function readFileWithRetries(ctx: SourceContext, plan: DataFilesPlan, threads: DataFileThreads, file: DataFile): Promise<'complete' | 'interrupted'> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await readFile(ctx, plan, threads, file);
    } catch (err) {
      if (err instanceof ConnectorError || !isRetryable(err) || attempt >= ctx.maxRetries) throw toReadError(err, plan, file);
      const delay = backoffDelay(attempt);
      ctx.log('WARN', `Reading s3://${plan.bucket}/${file.key} failed (${firstLine((err as Error).message)}); retry ${attempt + 1}/${ctx.maxRetries} in ${delay} ms from line ${plan.progress.linesEmitted(file.index) + 1}`);
      if (await abortableSleep(delay, ctx.interrupt)) return 'interrupted';
    }
  }
}

async function readFile(ctx: SourceContext, plan: DataFilesPlan, threads: DataFileThreads, file: DataFile): Promise<'complete' | 'interrupted'> {
  const { progress, format } = plan;
  const skip = progress.linesEmitted(file.index);
  const body = await plan.open(file);
  const gunzip = createGunzip({ chunkSize: GUNZIP_CHUNK_BYTES });
  // A large file is gunzipped and converted in a worker thread; otherwise here. Errors of either stream end the page
  // loop below with that error.
  const threaded = threads.wants(format, file.itemCount);
  const pages = threaded ? threads.pages(body, format, skip) : format.pages(gunzip, skip);
  if (!threaded) {
    body.on('error', (err) => gunzip.destroy(err));
    body.pipe(gunzip);
  }
  const handOver = async (records: string[], finished: boolean) => {
    // The progress moves and the position is taken at the moment the page is handed over (see exportProgress.ts).
    progress.advance(file.index, records.length);
    if (finished) progress.finish(file.index);
    const position = plan.stateWith(progress.snapshot());
    await ctx.emit(records, () => position);
  };
  try {
    // Each page is handed over once the next is there, so that the last one goes with the file's end.
    let held: DataFilePage | undefined;
    try {
      for await (const page of pages) {
        if (held !== undefined && held.records.length > 0) {
          await handOver(held.records, false);
          if (ctx.interrupt.aborted) return 'interrupted';
        }
        held = page;
      }
    } catch (err) {
      if (err instanceof DataItemError) throw lineError(plan, file, err.number, err.what);
      throw err;
    }
    const items = held?.itemsSeen ?? 0;
    if (items !== file.itemCount) {
      throw new ConnectorError(
        'system_error',
        `The export data file s3://${plan.bucket}/${file.key} holds ${items} lines but its manifest entry says ${file.itemCount} items: the export is incomplete or damaged. Reset the stream to export again.`,
        { stream: plan.stream },
      );
    }
    await handOver(held?.records ?? [], true);
    return 'complete';
  } finally {
    body.destroy();
    gunzip.destroy();
  }
}

function lineError(plan: DataFilesPlan, file: DataFile, lineNumber: number, what: string): ConnectorError {
  return new ConnectorError('system_error', `Line ${lineNumber} of the export data file s3://${plan.bucket}/${file.key} ${what}.`, { stream: plan.stream });
}

function toReadError(err: unknown, plan: DataFilesPlan, file: DataFile): unknown {
  if (err instanceof ConnectorError) return err;
  const code = (err as { code?: string }).code;
  if (code === 'Z_DATA_ERROR' || code === 'Z_BUF_ERROR') {
    return new ConnectorError('system_error', `The export data file s3://${plan.bucket}/${file.key} is not valid gzip (${firstLine((err as Error).message)}).`, { stream: plan.stream, cause: err });
  }
  if (isRetryable(err)) {
    return new ConnectorError('transient_error', `Reading the export data file s3://${plan.bucket}/${file.key} kept failing: ${firstLine((err as Error).message)}`, { stream: plan.stream, cause: err });
  }
  return err;
}
