// The DynamoDB JSON data-file format: one item per line. Lines are found at the byte level (dataFileLines.ts) and
// transcoded from the decompressed chunks as they come (convert/exportLines.ts), never decoded or parsed one by one.
import { ExportLineTranscoder, type LineConversion } from '../convert/exportLines.js';
import type { DataFileFormat, DataFilePage } from './dataFileFormat.js';
import { linePages } from './dataFileLines.js';

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

function jsonPages(decompressed: AsyncIterable<Buffer>, skip: number, conversion: LineConversion): AsyncGenerator<DataFilePage, void, undefined> {
  const lines = new ExportLineTranscoder(conversion);
  return linePages(decompressed, skip, {
    begin: (buffer) => lines.begin(buffer),
    line: (_buffer, start, end) => lines.line(start, end),
    take: () => lines.takeRecords(),
  });
}
