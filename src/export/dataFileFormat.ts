// How the export reader reads one data file, whatever its format: the file's decompressed bytes → pages of record
// texts. The reader (exportReader.ts) does the rest for every format: downloads, gunzip, resume, retries, the item
// count check, checkpoints. DynamoDB JSON (jsonDataFile.ts) and Amazon Ion (ionDataFile.ts) implement it;
// dataFormat.ts picks one by the export's outputFormat.

/** Items per page handed to the orchestrator: large enough to amortise a page, small enough to resume close by. */
export const PAGE_ITEMS = 1000;

export interface DataFilePage {
  /** Record texts, in file order. */
  records: string[];
  /** Items of the file passed so far, the skipped ones included. */
  itemsSeen: number;
}

export interface DataFileFormat {
  /**
   * The records of one data file, in pages of PAGE_ITEMS (the last one shorter, possibly empty), leaving out its
   * first `skip` items (emitted by an earlier attempt or sync). A bad item throws DataItemError.
   */
  pages(decompressed: AsyncIterable<Buffer>, skip: number): AsyncGenerator<DataFilePage, void, undefined>;
  /**
   * How to build the same format in a worker thread (dataFileThreads.ts), where large files are read: a module of the
   * package (its path from the package root, compiled) whose `dataFileFormat(spec)` returns it, and that spec (it
   * must survive structured cloning). Absent: the format is only read on the main thread.
   */
  worker?: { module: string; spec: unknown };
}

/** Item `number` (1-based) of a data file is not what the format allows; `what` completes "Line N of … ". */
export class DataItemError extends Error {
  constructor(
    readonly number: number,
    readonly what: string,
  ) {
    super(`item ${number} ${what}`);
  }
}
