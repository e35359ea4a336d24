// Which data files of an export are read, and how far the started ones are: the `files_done` and
// `files_in_flight` of the stream state. Snapshots are taken when a page is handed over, so each STATE describes
// exactly the pages handed over before it, whichever file they came from.
import { addSegment, hasSegment } from '../state/segmentRanges.js';
import type { ExportState } from '../state/streamState.js';

export class ExportProgress {
  private part: ExportState;

  constructor(part: ExportState) {
    this.part = { ...part, files_done: part.files_done.map(([a, b]) => [a, b]), files_in_flight: { ...part.files_in_flight } };
  }

  isDone(index: number): boolean {
    return hasSegment(this.part.files_done, index);
  }

  /** Lines of this file already emitted by this or an earlier sync. */
  linesEmitted(index: number): number {
    return this.part.files_in_flight[String(index)] ?? 0;
  }

  /** Records that `lines` more lines of the file are handed over. */
  advance(index: number, lines: number): void {
    this.part.files_in_flight[String(index)] = this.linesEmitted(index) + lines;
  }

  finish(index: number): void {
    delete this.part.files_in_flight[String(index)];
    this.part.files_done = addSegment(this.part.files_done, index);
  }

  allDone(): boolean {
    const count = this.part.file_count ?? 0;
    return count === 0 || (this.part.files_done.length === 1 && this.part.files_done[0]![0] === 0 && this.part.files_done[0]![1] === count - 1);
  }

  snapshot(): ExportState {
    return { ...this.part, files_done: this.part.files_done.map(([a, b]) => [a, b]), files_in_flight: { ...this.part.files_in_flight } };
  }
}
