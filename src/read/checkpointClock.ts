// When a reader emits a STATE checkpoint: after the page that brings the records since the last STATE to
// `checkpoint_records`, or the first page once `checkpoint_interval_seconds` have passed. It also counts the records
// each STATE covers, for sourceStats.recordCount. Shared by the scan and the DynamoDB Streams readers.
export class CheckpointClock {
  private records = 0;
  private lastAt = Date.now();

  constructor(
    private readonly everyRecords: number,
    private readonly everyMs: number,
  ) {}

  addRecords(count: number): void {
    this.records += count;
  }

  isDue(): boolean {
    return this.records >= this.everyRecords || Date.now() - this.lastAt >= this.everyMs;
  }

  /** For the STATE being emitted now: the records it covers. Restarts the count and the clock. */
  take(): number {
    const covered = this.records;
    this.records = 0;
    this.lastAt = Date.now();
    return covered;
  }
}
