// The Amazon Ion data-file format (ExportFormat ION, data/*.ion.gz): one `$ion_1_0 {…}` text line per item. Lines
// are found at the byte level in the decompressed chunks, and each one is decoded and converted by ionLine.ts. A
// full export's files are read in worker threads like DynamoDB JSON ones (the conversion is sent there as data); an
// incremental export's suffix is a function of each change and stays on the main thread.
import { ExportLineError, type LineConversion } from '../convert/exportLines.js';
import { DataItemError, PAGE_ITEMS, type DataFileFormat, type DataFilePage } from './dataFileFormat.js';
import { ionFullExportLineConverter, ionIncrementalLineConverter } from './ionLine.js';

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

export function ionDataFileFormat(conversion: LineConversion): DataFileFormat {
  const toRecord = conversion.kind === 'full' ? ionFullExportLineConverter(conversion) : ionIncrementalLineConverter(conversion);
  const format: DataFileFormat = { pages: (decompressed, skip) => ionPages(decompressed, skip, toRecord) };
  if (conversion.kind === 'full') {
    const spec: WorkerSpec = { suffix: conversion.recordSuffix?.({ kind: 'snapshot' }) ?? '', omit: [...(conversion.omit ?? [])] };
    format.worker = { module: 'dist/src/export/ionDataFile.js', spec };
  }
  return format;
}

interface WorkerSpec {
  suffix: string;
  omit: string[];
}

/** The format as a worker thread builds it (DataFileFormat.worker). */
export function dataFileFormat(spec: WorkerSpec): DataFileFormat {
  return ionDataFileFormat({ kind: 'full', recordSuffix: () => spec.suffix, omit: new Set(spec.omit) });
}

async function* ionPages(decompressed: AsyncIterable<Buffer>, skip: number, toRecord: (line: string) => string): AsyncGenerator<DataFilePage, void, undefined> {
  let page: string[] = [];
  let seen = 0;
  let carry: Buffer | undefined;
  /** Lines of `buffer` up to `last` (a newline's index, or its length for a last line without one). */
  function* convert(buffer: Buffer, last: number): Generator<DataFilePage, void, undefined> {
    let start = 0;
    while (start < last) {
      let newline = buffer.indexOf(NEWLINE, start);
      if (newline < 0 || newline > last) newline = last;
      const end = newline > start && buffer[newline - 1] === CARRIAGE_RETURN ? newline - 1 : newline;
      if (end > start) {
        seen++;
        if (seen > skip) {
          try {
            page.push(toRecord(buffer.toString('utf8', start, end)));
          } catch (err) {
            if (err instanceof ExportLineError) throw new DataItemError(seen, err.what);
            throw err;
          }
          if (page.length >= PAGE_ITEMS) {
            yield { records: page, itemsSeen: seen };
            page = [];
          }
        }
      }
      start = newline + 1;
    }
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
