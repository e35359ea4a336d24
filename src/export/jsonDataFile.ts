// The DynamoDB JSON data-file format: one item per line. Lines are found at the byte level and transcoded from the
// decompressed chunks as they come (convert/exportLines.ts), never decoded or parsed one by one.
import { ExportLineError, ExportLineTranscoder, type LineConversion } from '../convert/exportLines.js';
import { DataItemError, PAGE_ITEMS, type DataFileFormat, type DataFilePage } from './dataFileFormat.js';

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

export function jsonDataFileFormat(conversion: LineConversion): DataFileFormat {
  const format: DataFileFormat = { pages: (decompressed, skip) => jsonPages(decompressed, skip, conversion) };
  // A full export's records all take the same suffix, so the conversion can be sent to a worker thread as data; an
  // incremental export's suffix is a function of each change, and stays on the main thread.
  if (conversion.kind === 'full') {
    const spec: WorkerSpec = { suffix: conversion.recordSuffix?.({ kind: 'snapshot' }) ?? '', omit: [...(conversion.omit ?? [])] };
    format.worker = { module: 'dist/src/export/jsonDataFile.js', spec };
  }
  return format;
}

interface WorkerSpec {
  suffix: string;
  omit: string[];
}

/** The format as a worker thread builds it (DataFileFormat.worker). */
export function dataFileFormat(spec: WorkerSpec): DataFileFormat {
  return jsonDataFileFormat({ kind: 'full', recordSuffix: () => spec.suffix, omit: new Set(spec.omit) });
}

async function* jsonPages(decompressed: AsyncIterable<Buffer>, skip: number, conversion: LineConversion): AsyncGenerator<DataFilePage, void, undefined> {
  const lines = new ExportLineTranscoder(conversion);
  let page: string[] = [];
  let inPage = 0;
  let seen = 0;
  let carry: Buffer | undefined;
  const take = () => {
    for (const record of lines.takeRecords()) page.push(record);
  };
  /** Lines of `buffer` up to `last` (a newline's index, or its length for a last line without one). */
  function* convert(buffer: Buffer, last: number): Generator<DataFilePage, void, undefined> {
    lines.begin(buffer);
    let start = 0;
    while (start < last) {
      let newline = buffer.indexOf(NEWLINE, start);
      if (newline < 0 || newline > last) newline = last;
      const end = newline > start && buffer[newline - 1] === CARRIAGE_RETURN ? newline - 1 : newline;
      if (end > start) {
        seen++;
        if (seen > skip) {
          try {
            lines.line(start, end);
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
