// Stream records → destination rows: exact JSON for INSERT/MODIFY/REMOVE, TTL deletes marked, and a cursor whose
// plain string order is the order DynamoDB applied the changes in. Records go in as GetRecords sends them: wire JSON
// with ApproximateCreationDateTime in epoch seconds.
import type { _Record } from '@aws-sdk/client-dynamodb-streams';
import { describe, expect, it } from 'vitest';
import { getRecordsResponse, type ChangeMeta } from '../../src/convert/streamRecordsPage.js';
import { AIRBYTE_CDC_COLUMNS, SINGER_CDC_COLUMNS, type CdcColumns } from '../../src/pipeline/cdcColumns.js';
import { cdcCursor, changeColumnsJson, changeRowFraming, MissingImageError, snapshotColumnsJson } from '../../src/streams/changeRecord.js';
import { itemToJson } from '../support/sdkItemToJson.js';

/** One record in a GetRecords response of its own → its row. */
function changeToJson(record: _Record, generation: number, columns: CdcColumns, omit?: ReadonlySet<string>): string {
  const at = record.dynamodb?.ApproximateCreationDateTime;
  const wire = { ...record, dynamodb: { ...record.dynamodb, ...(at !== undefined ? { ApproximateCreationDateTime: at.getTime() / 1000 } : {}) } };
  const page = getRecordsResponse(JSON.stringify({ Records: [wire], NextShardIterator: 'next' }), changeRowFraming(generation, columns, omit));
  return page.records(1)[0]!;
}
import { recordsBeforeBoundary, START_MARGIN_MS } from '../../src/streams/syncBoundary.js';

const AT = new Date('2026-03-04T05:06:00Z');
const BIG = '12345678901234567890123456789012345678';

const record = (eventName: 'INSERT' | 'MODIFY' | 'REMOVE', dynamodb: Record<string, unknown>, extra: Partial<_Record> = {}): _Record =>
  ({ eventID: 'e1', eventName, eventSource: 'aws:dynamodb', dynamodb: { ApproximateCreationDateTime: AT, ...dynamodb }, ...extra }) as _Record;

const meta = (cursor: string, deleted: boolean, ttl: boolean | null = null) =>
  `"_ab_cdc_cursor":"${cursor}","_ab_cdc_updated_at":"2026-03-04T05:06:00.000Z","_ab_cdc_deleted_at":${deleted ? '"2026-03-04T05:06:00.000Z"' : 'null'},"_ab_cdc_deleted_by_ttl":${ttl}`;

describe('changeToJson', () => {
  const keys = { pk: { S: 'user#1' }, sk: { N: '7' } };

  it('INSERT: the new image with every digit of its numbers, then the metadata', () => {
    const json = changeToJson(
      record('INSERT', {
        Keys: keys,
        NewImage: { ...keys, big: { N: BIG }, small: { N: '-0.000000000000000000000000000000000000001' }, ok: { BOOL: true }, tags: { SS: ['a', 'b'] } },
        SequenceNumber: '000000000000000000001',
      }),
      0,
      AIRBYTE_CDC_COLUMNS,
    );
    expect(json).toBe(
      `{"pk":"user#1","sk":7,"big":${BIG},"small":-0.000000000000000000000000000000000000001,"ok":true,"tags":["a","b"],${meta(`000000-1-${'0'.repeat(39)}1`, false)}}`,
    );
    expect(() => JSON.parse(json)).not.toThrow();
  });

  it('MODIFY: the new image, never the old one; the generation is in the cursor', () => {
    const json = changeToJson(
      record('MODIFY', { Keys: keys, OldImage: { ...keys, v: { N: '1' } }, NewImage: { ...keys, v: { N: '2' } }, SequenceNumber: '4000000000000000000012345' }),
      3,
      AIRBYTE_CDC_COLUMNS,
    );
    expect(json).toBe(`{"pk":"user#1","sk":7,"v":2,${meta(`000003-1-${'4000000000000000000012345'.padStart(40, '0')}`, false)}}`);
  });

  it('REMOVE: the keys and the old image, with _ab_cdc_deleted_at set; not a TTL delete by a user', () => {
    const json = changeToJson(
      record('REMOVE', { Keys: keys, OldImage: { ...keys, v: { N: '2' } }, SequenceNumber: '000000000000000000009' }, { userIdentity: undefined }),
      0,
      AIRBYTE_CDC_COLUMNS,
    );
    expect(json).toBe(`{"pk":"user#1","sk":7,"v":2,${meta(cdcCursor(0, 'stream', '000000000000000000009'), true, false)}}`);
  });

  it('REMOVE with keys only (a NEW_IMAGE stream has no old image) still carries the keys', () => {
    const json = changeToJson(record('REMOVE', { Keys: keys, SequenceNumber: '5' }), 0, AIRBYTE_CDC_COLUMNS);
    expect(json).toBe(`{"pk":"user#1","sk":7,${meta(cdcCursor(0, 'stream', '5'), true, false)}}`);
  });

  it('a delete by TTL (userIdentity Service dynamodb.amazonaws.com) is marked', () => {
    const ttl = { userIdentity: { Type: 'Service', PrincipalId: 'dynamodb.amazonaws.com' } };
    const json = changeToJson(record('REMOVE', { Keys: keys, OldImage: { ...keys, expires: { N: '1700000000' } }, SequenceNumber: '10' }, ttl), 0, AIRBYTE_CDC_COLUMNS);
    expect(JSON.parse(json)).toMatchObject({ pk: 'user#1', sk: 7, expires: 1700000000, _ab_cdc_deleted_at: '2026-03-04T05:06:00.000Z', _ab_cdc_deleted_by_ttl: true });
    const otherService = { userIdentity: { Type: 'Service', PrincipalId: 'lambda.amazonaws.com' } };
    expect(JSON.parse(changeToJson(record('REMOVE', { Keys: keys, SequenceNumber: '11' }, otherService), 0, AIRBYTE_CDC_COLUMNS))._ab_cdc_deleted_by_ttl).toBe(false);
  });

  it('a MODIFY or INSERT without NewImage (a KEYS_ONLY or OLD_IMAGE stream) throws', () => {
    expect(() => changeToJson(record('MODIFY', { Keys: keys, OldImage: keys, SequenceNumber: '12' }), 0, AIRBYTE_CDC_COLUMNS)).toThrow(MissingImageError);
    expect(() => changeToJson(record('INSERT', { Keys: keys, SequenceNumber: '13' }), 0, AIRBYTE_CDC_COLUMNS)).toThrow(/NewImage/);
  });

  it('a record without a sequence number throws', () => {
    expect(() => changeToJson(record('INSERT', { Keys: keys, NewImage: keys }), 0, AIRBYTE_CDC_COLUMNS)).toThrow(/SequenceNumber/);
  });
});

describe('snapshot columns', () => {
  it('make a valid row with phase 0 and no delete', () => {
    const row = JSON.parse(itemToJson({ pk: { S: 'a' } }, snapshotColumnsJson(AIRBYTE_CDC_COLUMNS, 2, AT)));
    expect(row).toEqual({ pk: 'a', _ab_cdc_cursor: cdcCursor(2, 'snapshot'), _ab_cdc_updated_at: '2026-03-04T05:06:00.000Z', _ab_cdc_deleted_at: null, _ab_cdc_deleted_by_ttl: null });
    expect(JSON.parse(itemToJson({}, snapshotColumnsJson(AIRBYTE_CDC_COLUMNS, 0, AT)))._ab_cdc_cursor).toBe(cdcCursor(0, 'snapshot'));
  });
});

describe('cursor order is string order', () => {
  it('generation first, then phase (snapshot before stream), then sequence numbers of any length', () => {
    const expected = [
      cdcCursor(0, 'snapshot'),
      cdcCursor(0, 'stream', '000000000000000000001'), // DynamoDB Local: 21 digits, zero padded
      cdcCursor(0, 'stream', '9'),
      cdcCursor(0, 'stream', '10'),
      cdcCursor(0, 'stream', '000000000000000000011'),
      cdcCursor(0, 'stream', '49600000000000000000000000001'),
      cdcCursor(0, 'stream', '100000000000000000000000000000000000'), // AWS: up to 40 digits
      cdcCursor(0, 'stream', '9'.repeat(40)),
      cdcCursor(1, 'snapshot'), // a re-snapshot sorts after every change of the generation before
      cdcCursor(1, 'stream', '2'),
      cdcCursor(9, 'snapshot'),
      cdcCursor(10, 'snapshot'),
      cdcCursor(10, 'stream', '1'),
    ];
    const shuffled = [...expected].reverse();
    shuffled.push(shuffled.shift()!);
    expect([...shuffled].sort()).toEqual(expected);
    for (const c of expected) expect(c).toMatch(/^\d{6}-[01]-\d{40}$/);
  });

  it('the cursor of a change is the one cdcCursor builds', () => {
    const json = changeToJson(record('INSERT', { Keys: { pk: { S: 'a' } }, NewImage: { pk: { S: 'a' } }, SequenceNumber: '42' }), 1, AIRBYTE_CDC_COLUMNS);
    expect(JSON.parse(json)._ab_cdc_cursor).toBe(`000001-1-${'42'.padStart(40, '0')}`);
  });
});

describe('the framing of a generation', () => {
  it('writes for every change the members changeColumnsJson writes, in both protocols and any generation', () => {
    const changes: ChangeMeta[] = [
      { eventName: 'INSERT', sequenceNumber: '7', approximateCreationMs: AT.getTime(), userIdentity: undefined },
      { eventName: 'MODIFY', sequenceNumber: '1'.repeat(45), approximateCreationMs: AT.getTime() + 1500, userIdentity: undefined },
      { eventName: 'REMOVE', sequenceNumber: '9', approximateCreationMs: AT.getTime(), userIdentity: { Type: 'Service', PrincipalId: 'dynamodb.amazonaws.com' } },
      { eventName: 'REMOVE', sequenceNumber: '10', approximateCreationMs: AT.getTime(), userIdentity: undefined },
      { eventName: 'INSERT', sequenceNumber: '12a', approximateCreationMs: AT.getTime(), userIdentity: undefined },
      { eventName: 'MODIFY', sequenceNumber: '4'.repeat(40), approximateCreationMs: Date.UTC(12000, 0, 1), userIdentity: undefined },
      { eventName: 'INSERT', sequenceNumber: '3', approximateCreationMs: AT.getTime() + 1500, userIdentity: undefined },
    ];
    for (const columns of [AIRBYTE_CDC_COLUMNS, SINGER_CDC_COLUMNS]) {
      for (const generation of [0, 12, 1234567]) {
        const framing = changeRowFraming(generation, columns);
        // The framing reuses one buffer for upserts: each suffix is read before the next is made, as the page reader does.
        for (const change of changes) expect(String(framing.suffixOf(change))).toBe(changeColumnsJson(change, generation, columns));
      }
    }
  });

  it('stamps a change without ApproximateCreationDateTime with the time it is read, and refuses one without a sequence number', () => {
    const before = Date.now();
    const suffix = changeRowFraming(1, AIRBYTE_CDC_COLUMNS).suffixOf({ eventName: 'INSERT', sequenceNumber: '5', approximateCreationMs: undefined, userIdentity: undefined });
    const at = Date.parse((JSON.parse(`{${String(suffix).slice(1)}}`) as { _ab_cdc_updated_at: string })._ab_cdc_updated_at);
    expect(at).toBeGreaterThanOrEqual(before - 1);
    expect(at).toBeLessThanOrEqual(Date.now() + 1);
    expect(() => changeRowFraming(1, AIRBYTE_CDC_COLUMNS).suffixOf({ eventName: 'INSERT', sequenceNumber: undefined, approximateCreationMs: 0, userIdentity: undefined })).toThrow(/SequenceNumber/);
  });
});

describe('ApproximateCreationDateTime as GetRecords writes it', () => {
  const pageWith = (at: string) =>
    getRecordsResponse(`{"Records":[{"eventName":"INSERT","dynamodb":{"ApproximateCreationDateTime":${at},"NewImage":{"pk":{"S":"a"}},"SequenceNumber":"1"}}]}`, changeRowFraming(0, AIRBYTE_CDC_COLUMNS));

  it('is read in any JSON number notation, to the millisecond', () => {
    for (const at of ['1796183400', '1796183400.000', '1.7961834E9', '1.7961834e+9', '17961834004e-1', ' 1796183400.0015']) {
      expect(pageWith(at).changes[0]!.approximateCreationMs).toBe(at.includes('4e-1') ? 1796183400400 : at.includes('0015') ? 1796183400002 : 1796183400000);
    }
  });

  it('is left out when it is not a number, and a malformed number is a syntax error', () => {
    expect(pageWith('"1796183400"').changes[0]!.approximateCreationMs).toBeUndefined();
    expect(pageWith('null').changes[0]!.approximateCreationMs).toBeUndefined();
    for (const bad of ['01', '1.', '-', '1e', '0x10', 'Infinity']) expect(() => pageWith(bad), bad).toThrow(/GetRecords/);
  });
});

describe('recordsBeforeBoundary: where a bounded sync stops in a page of an open shard', () => {
  // The sync began at 12:00:30; DynamoDB Local stamps changes rounded down to the minute, AWS to the second.
  const started = Date.parse('2026-03-04T12:00:30Z');
  const change = (at: string, sequence: string): ChangeMeta => ({ eventName: 'INSERT', approximateCreationMs: Date.parse(at), sequenceNumber: sequence, userIdentity: undefined });
  const boundary = (first?: bigint) => ({ cutoffMs: started + START_MARGIN_MS, firstSequenceAfterStart: () => first });

  it('keeps every change stamped before the start, even one rounded down to the minute it was made in', () => {
    const page = [change('2026-03-04T11:59:00Z', '1'), change('2026-03-04T12:00:00Z', '2'), change('2026-03-04T12:00:00Z', '3')];
    expect(recordsBeforeBoundary(page, boundary())).toBe(3);
  });

  it('stops at the first change stamped after the start plus the margin, leaving it and what follows', () => {
    const page = [change('2026-03-04T12:00:00Z', '1'), change('2026-03-04T12:00:34Z', '2'), change('2026-03-04T12:01:00Z', '3'), change('2026-03-04T12:00:00Z', '4')];
    expect(recordsBeforeBoundary(page, boundary())).toBe(2);
  });

  it('stops at the first change a LATEST iterator taken at the start saw, though its rounded time says nothing yet', () => {
    const page = [change('2026-03-04T12:00:00Z', '00000000000000000009'), change('2026-03-04T12:00:00Z', '00000000000000000010'), change('2026-03-04T12:00:00Z', '00000000000000000011')];
    expect(recordsBeforeBoundary(page, boundary(10n))).toBe(1);
    expect(recordsBeforeBoundary(page, boundary(12n))).toBe(3);
  });
});
