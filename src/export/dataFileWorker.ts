// A worker thread of dataFileThreads.ts: gunzips one data file at a time and runs its format there, so that the
// main thread only downloads and writes. The compressed bytes are pulled from the main thread a chunk at a time
// (it reads the download only as fast as this thread converts), and pages go back at most PAGES_AHEAD ahead of
// what the main thread has taken.
import { parentPort } from 'node:worker_threads';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { DataItemError, type DataFileFormat } from './dataFileFormat.js';
import type { FromWorker, ToWorker } from './dataFileThreads.js';

const PAGES_AHEAD = 2;
const port = parentPort;
if (port === null) throw new Error('dataFileWorker.js runs as a worker thread');

let job: Job | undefined;

class Job {
  private readonly chunkWaiters: ((chunk: Buffer | null) => void)[] = [];
  private creditWaiter: (() => void) | undefined;
  private outstanding = 0;
  aborted = false;

  constructor(
    private readonly format: DataFileFormat,
    private readonly skip: number,
  ) {}

  async run(): Promise<void> {
    const compressed = Readable.from(this.chunks());
    const gunzip = createGunzip({ chunkSize: 256 * 1024 });
    compressed.on('error', (err) => gunzip.destroy(err));
    compressed.pipe(gunzip);
    try {
      for await (const page of this.format.pages(gunzip, this.skip)) {
        if (this.aborted) return;
        this.outstanding++;
        send({ type: 'page', records: page.records, itemsSeen: page.itemsSeen });
        if (this.outstanding >= PAGES_AHEAD) await new Promise<void>((resolve) => (this.creditWaiter = resolve));
        if (this.aborted) return;
      }
      send({ type: 'done' });
    } catch (err) {
      if (!this.aborted) send({ type: 'error', error: serialisable(err) });
    } finally {
      compressed.destroy();
      gunzip.destroy();
    }
  }

  private async *chunks(): AsyncGenerator<Buffer> {
    for (;;) {
      send({ type: 'want' });
      const chunk = await new Promise<Buffer | null>((resolve) => this.chunkWaiters.push(resolve));
      if (chunk === null) return;
      yield chunk;
    }
  }

  chunk(bytes: Buffer | null): void {
    this.chunkWaiters.shift()?.(bytes);
  }

  credit(): void {
    this.outstanding--;
    const waiter = this.creditWaiter;
    this.creditWaiter = undefined;
    waiter?.();
  }

  abort(): void {
    this.aborted = true;
    this.chunk(null);
    this.credit();
  }
}

function send(message: FromWorker): void {
  (port as NonNullable<typeof port>).postMessage(message);
}

function serialisable(err: unknown): Extract<FromWorker, { type: 'error' }>['error'] {
  const e = err as Error & { code?: unknown };
  return {
    name: e.name,
    message: e.message,
    ...(typeof e.code === 'string' ? { code: e.code } : {}),
    ...(err instanceof DataItemError ? { item: { number: err.number, what: err.what } } : {}),
  };
}

port.on('message', (message: ToWorker) => {
  switch (message.type) {
    case 'start':
      void (async () => {
        const module = (await import(message.module)) as { dataFileFormat(spec: unknown): DataFileFormat };
        job = new Job(module.dataFileFormat(message.spec), message.skip);
        await job.run();
        job = undefined;
      })().catch((err: unknown) => send({ type: 'error', error: serialisable(err) }));
      break;
    case 'chunk':
      job?.chunk(Buffer.from(message.bytes.buffer, message.bytes.byteOffset, message.bytes.byteLength));
      break;
    case 'end':
      job?.chunk(null);
      break;
    case 'credit':
      job?.credit();
      break;
    case 'abort':
      job?.abort();
      break;
  }
});
