// The ONE place that writes protocol output, for both protocols. It batches lines into large writes (one syscall per
// batch rather than per line) and waits for 'drain' when the stream's buffer is full, so a slow reader of stdout slows
// the sync down instead of growing memory.
import type { Writable } from 'node:stream';

/** Flush a batch once it holds this many characters: big enough to amortise the write, small enough to stay cheap. */
const BATCH_CHARS = 256 * 1024;

export class LineWriter {
  private batch: string[] = [];
  private batchChars = 0;

  constructor(private readonly out: Writable) {}

  /**
   * @param lines one line, or several joined by newlines (a page of records), without the last newline
   * @param urgent flush now: anything but a record is rare and often the last thing a user sees (errors, state).
   */
  async write(lines: string, urgent: boolean): Promise<void> {
    this.batch.push(lines);
    this.batchChars += lines.length + 1;
    if (urgent || this.batchChars >= BATCH_CHARS) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.batch.length === 0) return;
    const chunk = this.batch.join('\n') + '\n';
    this.batch = [];
    this.batchChars = 0;
    if (!this.out.write(chunk)) await waitForDrain(this.out);
  }

  /** Drain everything to the OS before the process exits. */
  async close(): Promise<void> {
    await this.flush();
    if (this.out.writableNeedDrain) await waitForDrain(this.out);
  }
}

function waitForDrain(out: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    const onDrain = () => {
      out.off('error', onError);
      resolve();
    };
    const onError = (err: Error) => {
      out.off('drain', onDrain);
      reject(err);
    };
    out.once('drain', onDrain);
    out.once('error', onError);
  });
}
