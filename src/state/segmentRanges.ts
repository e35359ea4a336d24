// A set of finished segment numbers kept as sorted, merged [first, last] ranges, so a scan with a million
// segments still has a small state.

export type SegmentRanges = Array<[number, number]>;

export function addSegment(ranges: SegmentRanges, segment: number): SegmentRanges {
  const out: SegmentRanges = [];
  let placed = false;
  for (const [a, b] of ranges) {
    if (segment >= a && segment <= b) return ranges;
    if (!placed && segment < a) {
      out.push([segment, segment]);
      placed = true;
    }
    out.push([a, b]);
  }
  if (!placed) out.push([segment, segment]);
  // merge neighbours
  const merged: SegmentRanges = [];
  for (const [a, b] of out) {
    const last = merged[merged.length - 1];
    if (last && a <= last[1] + 1) last[1] = Math.max(last[1], b);
    else merged.push([a, b]);
  }
  return merged;
}

export function hasSegment(ranges: SegmentRanges, segment: number): boolean {
  return ranges.some(([a, b]) => segment >= a && segment <= b);
}

export function countSegments(ranges: SegmentRanges): number {
  return ranges.reduce((n, [a, b]) => n + (b - a + 1), 0);
}

export function isValidRanges(value: unknown, total: number): value is SegmentRanges {
  if (!Array.isArray(value)) return false;
  let previousEnd = -2;
  for (const r of value) {
    if (!Array.isArray(r) || r.length !== 2) return false;
    const [a, b] = r as unknown[];
    if (!Number.isInteger(a) || !Number.isInteger(b)) return false;
    if ((a as number) <= previousEnd + 1 || (a as number) > (b as number) || (b as number) >= total || (a as number) < 0) return false;
    previousEnd = b as number;
  }
  return true;
}
