// Worker threads for the export reader: a large data file is gunzipped and converted in a worker (dataFileWorker.ts)
// while the main thread downloads it and writes the records, so that a sync uses more than one core. The pool has
// one thread per core but one (the main thread has the output to write), at most MAX_THREADS; small files stay on
// the main thread, where a hand-over would cost more than it saves. A format runs in a worker when it says how to
// build it there (DataFileFormat.worker); otherwise, and when the compiled worker is not there (running from the
// sources), files are read on the main thread as before.
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { Readable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { packageFile } from '../util/packageFiles.js';
import { DataItemError, type DataFileFormat, type DataFilePage } from './dataFileFormat.js';

/** Threads on a machine with this many cores or more are capped here (files read at once are capped anyway). */
const MAX_THREADS = 8;
/** Files with fewer items are read on the main thread. */
export const MIN_ITEMS_PER_THREADED_FILE = 10_000;

/** Messages from the main thread to a worker. */
export type ToWorker =
  | { type: 'start'; module: string; spec: unknown; skip: number }
  | { type: 'chunk'; bytes: Uint8Array }
  | { type: 'end' }
  | { type: 'credit' }
  | { type: 'abort' };

/** Messages from a worker to the main thread. */
export type FromWorker =
  | { type: 'want' }
  | { type: 'page'; records: string[]; itemsSeen: number }
  | { type: 'done' }
  | { type: 'error'; error: { name: string; message: string; code?: string; item?: { number: number; what: string } } };

/** How many worker threads a reader gets on this machine (0: none, everything on the main thread). */
export function dataFileThreadCount(cores = availableParallelism()): number {
  return Math.max(0, Math.min(MAX_THREADS, cores - 1));
}

const WORKER_SCRIPT = 'dist/src/export/dataFileWorker.js';

export class DataFileThreads {
  private readonly idle: Worker[] = [];
  private readonly waiting: ((worker: Worker) => void)[] = [];
  private readonly all = new Set<Worker>();
  private readonly script: URL | undefined;

  constructor(private readonly size = dataFileThreadCount()) {
    const script = packageFile(WORKER_SCRIPT);
    this.script = size > 0 && existsSync(script) ? script : undefined;
  }

  /** Whether a file with this many items of this format is read in a worker. */
  wants(format: DataFileFormat, items: number): boolean {
    return this.script !== undefined && format.worker !== undefined && items >= MIN_ITEMS_PER_THREADED_FILE;
  }

  /** The pages of one data file (compressed), converted in a worker; as format.pages over its gunzipped bytes. */
  async *pages(compressed: Readable, format: DataFileFormat, skip: number): AsyncGenerator<DataFilePage, void, undefined> {
    const how = format.worker;
    if (how === undefined) throw new Error('This data-file format has no worker');
    const worker = await this.acquire();
    const queue: (DataFilePage | Error | 'done')[] = [];
    let wake: (() => void) | undefined;
    const push = (item: DataFilePage | Error | 'done') => {
      queue.push(item);
      wake?.();
      wake = undefined;
    };
    const input = compressed[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    const onMessage = (message: FromWorker) => {
      if (message.type === 'want') {
        input.next().then(
          (next) => worker.postMessage(next.done ? ({ type: 'end' } satisfies ToWorker) : ({ type: 'chunk', bytes: next.value } satisfies ToWorker)),
          (err: unknown) => push(err as Error),
        );
      } else if (message.type === 'page') push({ records: message.records, itemsSeen: message.itemsSeen });
      else if (message.type === 'done') push('done');
      else push(workerError(message.error));
    };
    const onError = (err: Error) => push(err);
    worker.on('message', onMessage);
    worker.on('error', onError);
    let clean = false;
    try {
      worker.postMessage({ type: 'start', module: packageFile(how.module).href, spec: how.spec, skip } satisfies ToWorker);
      for (;;) {
        if (queue.length === 0) await new Promise<void>((resolve) => (wake = resolve));
        const item = queue.shift() as DataFilePage | Error | 'done';
        if (item === 'done') {
          clean = true;
          return;
        }
        if (item instanceof Error) throw item;
        worker.postMessage({ type: 'credit' } satisfies ToWorker);
        yield item;
      }
    } finally {
      worker.off('message', onMessage);
      worker.off('error', onError);
      // A worker left in the middle of a file (an error, an interrupt) is not reused.
      if (clean) this.release(worker);
      else this.discard(worker);
    }
  }

  /** Stops every worker. */
  async close(): Promise<void> {
    const workers = [...this.all];
    this.all.clear();
    this.idle.length = 0;
    await Promise.all(workers.map((w) => w.terminate()));
  }

  private acquire(): Promise<Worker> {
    const worker = this.idle.pop();
    if (worker !== undefined) return Promise.resolve(worker);
    if (this.all.size < this.size) {
      const fresh = new Worker(this.script as URL);
      fresh.unref();
      this.all.add(fresh);
      return Promise.resolve(fresh);
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(worker: Worker): void {
    const next = this.waiting.shift();
    if (next !== undefined) next(worker);
    else this.idle.push(worker);
  }

  private discard(worker: Worker): void {
    this.all.delete(worker);
    void worker.terminate();
    const next = this.waiting.shift();
    if (next !== undefined) void this.acquire().then(next);
  }
}

/** A worker's error as the reader knows it: a bad item, a gzip error (by its code), anything else by its message. */
function workerError(error: Extract<FromWorker, { type: 'error' }>['error']): Error {
  if (error.item !== undefined) return new DataItemError(error.item.number, error.item.what);
  const err = new Error(error.message) as Error & { code?: string };
  err.name = error.name;
  if (error.code !== undefined) err.code = error.code;
  return err;
}
