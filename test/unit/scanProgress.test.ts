import { describe, expect, it } from 'vitest';
import { newScan, ScanProgress } from '../../src/scan/scanProgress.js';
import { addSegment, countSegments, isValidRanges } from '../../src/state/segmentRanges.js';
import { autoSegments } from '../../src/scan/segments.js';

describe('segment ranges', () => {
  it('merges neighbours and ignores repeats', () => {
    let r: Array<[number, number]> = [];
    for (const s of [3, 1, 2, 7, 0, 2, 5]) r = addSegment(r, s);
    expect(r).toEqual([[0, 3], [5, 5], [7, 7]]);
    expect(countSegments(r)).toBe(6);
  });

  it('validates stored ranges against the segment count', () => {
    expect(isValidRanges([[0, 3], [5, 5]], 8)).toBe(true);
    expect(isValidRanges([[0, 8]], 8)).toBe(false);
    expect(isValidRanges([[3, 1]], 8)).toBe(false);
    expect(isValidRanges([[0, 1], [2, 3]], 8)).toBe(false); // must be merged
    expect(isValidRanges('0-3', 8)).toBe(false);
  });
});

describe('ScanProgress', () => {
  it('hands out every segment once and completes when all are done', () => {
    const p = new ScanProgress(newScan(3, null));
    const a = p.nextSegment()!;
    const b = p.nextSegment()!;
    const c = p.nextSegment()!;
    expect([a.segment, b.segment, c.segment]).toEqual([0, 1, 2]);
    expect(p.nextSegment()).toBeUndefined();
    p.pageDone(1, { pk: { S: 'x' } });
    p.pageDone(0, undefined);
    p.pageDone(2, undefined);
    expect(p.isComplete()).toBe(false);
    expect(p.snapshot()).toMatchObject({ completed_segments: [[0, 0], [2, 2]], segment_positions: { 1: { pk: { S: 'x' } } } });
    p.pageDone(1, undefined);
    expect(p.isComplete()).toBe(true);
    expect(p.snapshot().segment_positions).toEqual({});
  });

  it('resumes stored positions first, skips finished segments, keeps TotalSegments', () => {
    const p = new ScanProgress({
      total_segments: 5,
      completed_segments: [[0, 1]],
      segment_positions: { 3: { pk: { N: '7' } } },
      cursor_lower_bound: null,
      max_cursor_seen: null,
    });
    expect(p.totalSegments).toBe(5);
    expect(p.nextSegment()).toEqual({ segment: 3, startKey: { pk: { N: '7' } } });
    expect(p.nextSegment()).toEqual({ segment: 2, startKey: undefined });
    expect(p.nextSegment()).toEqual({ segment: 4, startKey: undefined });
    expect(p.nextSegment()).toBeUndefined();
  });

  it('snapshots are copies that later progress does not change', () => {
    const p = new ScanProgress(newScan(2, null));
    p.nextSegment();
    p.pageDone(0, { pk: { S: 'a' } });
    const snap = p.snapshot();
    p.pageDone(0, { pk: { S: 'b' } });
    expect(snap.segment_positions[0]).toEqual({ pk: { S: 'a' } });
  });
});

describe('autoSegments', () => {
  it('sizes from the table size, at least 1 and at most 1000', () => {
    expect(autoSegments(undefined)).toBe(1);
    expect(autoSegments(0)).toBe(1);
    expect(autoSegments(300 * 1024 * 1024)).toBe(2);
    expect(autoSegments(10 * 1024 ** 4)).toBe(1000);
  });
});
