// The Amazon Ion data-file format (ExportFormat ION, data/*.ion.gz): one `$ion_1_0 {…}` text line per item. Lines
// are found at the byte level in the decompressed chunks (dataFileLines.ts), and each one is decoded and converted
// by ionLine.ts. A full export's files are read in worker threads like DynamoDB JSON ones (the conversion is sent
// there as data); an incremental export's suffix is a function of each change and stays on the main thread.
import type { LineConversion } from '../convert/exportLines.js';
import type { DataFileFormat, DataFilePage } from './dataFileFormat.js';
import { linePages } from './dataFileLines.js';
import { ionFullExportLineConverter, ionIncrementalLineConverter } from './ionLine.js';

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

function ionPages(decompressed: AsyncIterable<Buffer>, skip: number, toRecord: (line: string) => string): AsyncGenerator<DataFilePage, void, undefined> {
  let records: string[] = [];
  return linePages(decompressed, skip, {
    begin: () => undefined,
    line: (buffer, start, end) => {
      records.push(toRecord(buffer.toString('utf8', start, end)));
    },
    take: () => {
      const taken = records;
      records = [];
      return taken;
    },
  });
}
