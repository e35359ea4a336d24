import { describe, expect, it } from 'vitest';
import { itemToJson } from '../support/sdkItemToJson.js';
import { clientTokenFor } from '../../src/export/exportApi.js';
import { ExportLineTranscoder, writeTimeIso, type ExportRecordMeta, type LineConversion } from '../../src/convert/exportLines.js';
import { ExportProgress } from '../../src/export/exportProgress.js';
import { newFullExport, newIncrementalExport } from '../../src/export/exportSource.js';

/** One line at a time through the transcoder an export file's lines go through. */
function lineConverter(conversion: LineConversion): (line: string) => string {
  const lines = new ExportLineTranscoder(conversion);
  return (line) => {
    const bytes = Buffer.from(line, 'utf8');
    lines.begin(bytes);
    lines.line(0, bytes.length);
    return lines.takeRecords()[0]!;
  };
}
const fullExportLineConverter = (options: Omit<LineConversion, 'kind'>) => lineConverter({ ...options, kind: 'full' });
const incrementalLineConverter = (options: Omit<LineConversion, 'kind'>) => lineConverter({ ...options, kind: 'incremental' });

describe('export lines → records', () => {
  it('a full export line gives what the Scan path gives for the same item', () => {
    const line = '{"Item":{"pk":{"S":"a"},"n":{"N":"12345678901234567890123456789012345678"},"b":{"B":"AAE="},"ss":{"SS":["x","y"]},"m":{"M":{"z":{"NULL":true}}}}}';
    const sdkItem = {
      pk: { S: 'a' },
      n: { N: '12345678901234567890123456789012345678' },
      b: { B: new Uint8Array([0, 1]) },
      ss: { SS: ['x', 'y'] },
      m: { M: { z: { NULL: true } } },
    };
    expect(fullExportLineConverter({})(line)).toBe(itemToJson(sdkItem));
  });

  it('asks for the metadata of a snapshot once and appends it to every record', () => {
    const asked: ExportRecordMeta[] = [];
    const convert = fullExportLineConverter({ recordSuffix: (m) => (asked.push(m), ',"_x":1'), omit: new Set(['secret']) });
    expect(convert('{"Item":{"pk":{"S":"a"},"secret":{"S":"s"}}}')).toBe('{"pk":"a","_x":1}');
    expect(convert('{"Item":{"secret":{"S":"s"}}}')).toBe('{"_x":1}');
    expect(asked).toEqual([{ kind: 'snapshot' }]);
  });

  it('an incremental line is an upsert of its NewImage, or a delete of its OldImage, else of its Keys', () => {
    const seen: ExportRecordMeta[] = [];
    const convert = incrementalLineConverter({ recordSuffix: (m) => (seen.push(m), '') });
    const meta = '"Metadata":{"WriteTimestampMicros":{"N":"1774379199746598"}}';
    expect(convert(`{${meta},"Keys":{"pk":{"S":"a"}},"OldImage":{"pk":{"S":"a"},"v":{"N":"1"}},"NewImage":{"pk":{"S":"a"},"v":{"N":"2"}}}`)).toBe('{"pk":"a","v":2}');
    expect(convert(`{${meta},"Keys":{"pk":{"S":"a"}},"OldImage":{"pk":{"S":"a"},"v":{"N":"1"}}}`)).toBe('{"pk":"a","v":1}');
    expect(convert(`{${meta},"Keys":{"pk":{"S":"a"}}}`)).toBe('{"pk":"a"}');
    expect(seen.map((m) => m.kind)).toEqual(['upsert', 'delete', 'delete']);
    expect(seen[0]).toEqual({ kind: 'upsert', writeTimeMicros: '1774379199746598' });
  });

  it('refuses lines that are not what an export holds', () => {
    expect(() => fullExportLineConverter({})('{"NotItem":{}}')).toThrow(/no Item/);
    expect(() => fullExportLineConverter({})('{"Item":')).toThrow(/not JSON/);
    expect(() => incrementalLineConverter({})('{"Keys":{"pk":{"S":"a"}}}')).toThrow(/WriteTimestampMicros/);
  });

  it('write times keep their microseconds', () => {
    expect(writeTimeIso('1774379199746598')).toBe('2026-03-24T19:06:39.746598Z');
    expect(writeTimeIso('1000001')).toBe('1970-01-01T00:00:01.000001Z');
  });
});

describe('export progress', () => {
  it('counts lines per file, moves finished files to ranges, and snapshots do not change afterwards', () => {
    const progress = new ExportProgress({ ...newFullExport(), export_arn: 'arn:x/export/1', file_count: 4 });
    progress.advance(2, 1000);
    const before = progress.snapshot();
    progress.advance(2, 500);
    progress.finish(2);
    progress.advance(0, 10);
    expect(before.files_in_flight).toEqual({ 2: 1000 });
    expect(before.files_done).toEqual([]);
    expect(progress.snapshot().files_in_flight).toEqual({ 0: 10 });
    expect(progress.snapshot().files_done).toEqual([[2, 2]]);
    expect(progress.allDone()).toBe(false);
    for (const i of [0, 1, 3]) progress.finish(i);
    expect(progress.snapshot().files_done).toEqual([[0, 3]]);
    expect(progress.allDone()).toBe(true);
  });
});

describe('ClientToken', () => {
  const target = { bucket: 'b', prefix: 'p' };
  const arn = 'arn:aws:dynamodb:us-east-1:1:table/t';
  it('is the same for the same export asked again, and differs for another stream, window or destination', () => {
    const part = newIncrementalExport({ from: new Date('2026-11-24T10:00:00Z'), to: new Date('2026-11-24T11:00:00Z') }, new Date('2026-11-24T11:00:01Z'));
    const token = clientTokenFor(arn, 't', part, target);
    expect(clientTokenFor(arn, 't', JSON.parse(JSON.stringify(part)), target)).toBe(token);
    expect(token.length).toBeLessThanOrEqual(64);
    expect(clientTokenFor(arn, 'other', part, target)).not.toBe(token);
    expect(clientTokenFor(arn, 't', { ...part, window: { ...part.window!, to: '2026-11-24T12:00:00.000Z' } }, target)).not.toBe(token);
    expect(clientTokenFor(arn, 't', part, { bucket: 'b', prefix: 'q' })).not.toBe(token);
  });
});
