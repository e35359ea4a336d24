// Pages of records from a data file that holds one item per line, whatever the line's format: lines are found at the
// byte level in the decompressed chunks as they come (a line cut between two chunks is carried over), the first
// `skip` items are passed over, and each other line goes to the format's converter. DynamoDB JSON (jsonDataFile.ts)
// and Amazon Ion (ionDataFile.ts) both read through it, so they count, skip and page items alike.
import { ExportLineError } from '../convert/exportLines.js';
import { DataItemError, PAGE_ITEMS, type DataFilePage } from './dataFileFormat.js';

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

/** What a format does with its lines. */
export interface LineConverter {
  /** The lines that follow are in `buffer` (until the next call). */
  begin(buffer: Buffer): void;
  /** Converts the line at buffer[start, end) (no newline). A bad line throws ExportLineError. */
  line(buffer: Buffer, start: number, end: number): void;
  /** The records of the lines converted since the last call, in order. */
  take(): Iterable<string>;
}

export async function* linePages(decompressed: AsyncIterable<Buffer>, skip: number, converter: LineConverter): AsyncGenerator<DataFilePage, void, undefined> {
  let page: string[] = [];
  let inPage = 0;
  let seen = 0;
  let carry: Buffer | undefined;
  const take = () => {
    for (const record of converter.take()) page.push(record);
  };
  /** Lines of `buffer` up to `last` (a newline's index, or its length for a last line without one). */
  function* convert(buffer: Buffer, last: number): Generator<DataFilePage, void, undefined> {
    converter.begin(buffer);
    let start = 0;
    while (start < last) {
      let newline = buffer.indexOf(NEWLINE, start);
      if (newline < 0 || newline > last) newline = last;
      const end = newline > start && buffer[newline - 1] === CARRIAGE_RETURN ? newline - 1 : newline;
      if (end > start) {
        seen++;
        if (seen > skip) {
          try {
            converter.line(buffer, start, end);
          } catch (err) {
            if (err instanceof ExportLineError) throw new DataItemError(seen, err.what);
            throw err;
          }
          if (++inPage >= PAGE_ITEMS) {
            take();
            yield { records: page, itemsSeen: seen };
            page = [];
            inPage = 0;
          }
        }
      }
      start = newline + 1;
    }
    // The converter may refer to `buffer` until its records are taken.
    take();
  }
  for await (const chunk of decompressed) {
    const buffer = carry === undefined ? chunk : Buffer.concat([carry, chunk]);
    const last = buffer.lastIndexOf(NEWLINE);
    if (last < 0) {
      carry = buffer;
      continue;
    }
    yield* convert(buffer, last);
    carry = last + 1 < buffer.length ? buffer.subarray(last + 1) : undefined;
  }
  if (carry !== undefined) yield* convert(carry, carry.length);
  yield { records: page, itemsSeen: seen };
}
