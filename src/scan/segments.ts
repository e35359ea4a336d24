// How many segments a new scan uses when the config leaves it to us.

/** One segment per this much table data. AWS suggests ~2 GB per segment for throughput-bound scans; smaller
 *  segments cost nothing extra in read capacity and let mid-size tables use the read concurrency. */
const BYTES_PER_SEGMENT = 256 * 1024 * 1024;
const MAX_AUTO_SEGMENTS = 1000;

export function autoSegments(tableSizeBytes: number | undefined): number {
  const size = tableSizeBytes ?? 0;
  return Math.max(1, Math.min(MAX_AUTO_SEGMENTS, Math.ceil(size / BYTES_PER_SEGMENT)));
}
