// Which segments of a parallel scan are finished, in progress (with their ExclusiveStartKey) or not started, and
// the whole-stream snapshot of that for STATE. Pure bookkeeping, unit-tested; the scan workers drive it.
import type { WireKey } from '../convert/keyCodec.js';
import { addSegment, countSegments, hasSegment } from '../state/segmentRanges.js';
import type { CursorValue, ScanState } from '../state/streamState.js';

export interface SegmentAssignment {
  segment: number;
  startKey: WireKey | undefined;
}

export class ScanProgress {
  private readonly state: ScanState;
  /** Resumed segments (with a stored position) are handed out first. */
  private readonly resumeQueue: number[];
  private nextFresh = 0;
  private readonly assigned = new Set<number>();

  constructor(initial: ScanState) {
    this.state = structuredClone(initial);
    this.resumeQueue = Object.keys(this.state.segment_positions).map(Number).sort((a, b) => a - b);
  }

  get totalSegments(): number {
    return this.state.total_segments;
  }

  /** The next segment a worker should scan, or undefined when every segment is finished or taken. */
  nextSegment(): SegmentAssignment | undefined {
    const resumed = this.resumeQueue.shift();
    if (resumed !== undefined) {
      this.assigned.add(resumed);
      return { segment: resumed, startKey: this.state.segment_positions[resumed] };
    }
    while (this.nextFresh < this.state.total_segments) {
      const segment = this.nextFresh++;
      if (hasSegment(this.state.completed_segments, segment) || segment in this.state.segment_positions) continue;
      this.assigned.add(segment);
      return { segment, startKey: undefined };
    }
    return undefined;
  }

  /** Records that a page of `segment` was emitted; `lastKey` undefined means the segment reached its end. */
  pageDone(segment: number, lastKey: WireKey | undefined): void {
    if (lastKey === undefined) {
      delete this.state.segment_positions[segment];
      this.state.completed_segments = addSegment(this.state.completed_segments, segment);
      this.assigned.delete(segment);
    } else {
      this.state.segment_positions[segment] = lastKey;
    }
  }

  noteCursor(value: CursorValue, isGreater: (a: CursorValue, b: CursorValue) => boolean): void {
    const current = this.state.max_cursor_seen;
    if (current === null || isGreater(value, current)) this.state.max_cursor_seen = value;
  }

  get maxCursorSeen(): CursorValue | null {
    return this.state.max_cursor_seen;
  }

  get cursorLowerBound(): CursorValue | null {
    return this.state.cursor_lower_bound;
  }

  isComplete(): boolean {
    return countSegments(this.state.completed_segments) === this.state.total_segments;
  }

  /** A deep copy safe to serialize now while the scan goes on. */
  snapshot(): ScanState {
    return structuredClone(this.state);
  }
}

export function newScan(totalSegments: number, cursorLowerBound: CursorValue | null): ScanState {
  return {
    total_segments: totalSegments,
    completed_segments: [],
    segment_positions: {},
    cursor_lower_bound: cursorLowerBound,
    max_cursor_seen: null,
  };
}
