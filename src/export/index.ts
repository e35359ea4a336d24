// What the orchestrator uses of the export source.
export {
  DEFAULT_POLL,
  MAX_INCREMENTAL_WINDOW_MS,
  MIN_INCREMENTAL_WINDOW_MS,
  clientTokenFor,
  exportTargetFromConfig,
  pitrAdvice,
  pointInTimeRecovery,
  type ExportTarget,
  type PointInTimeRecovery,
  type PollPolicy,
} from './exportApi.js';
export { writeTimeIso, type ChangeKind, type ExportRecordMeta, type RecordSuffix } from '../convert/exportLines.js';
export { newFullExport, newIncrementalExport, readExport, readFullExport, readIncrementalExport, type ExportOutcome, type ExportPlan } from './exportSource.js';
export { exportsOfTable, listExports, noExportError, s3PrefixText, type FoundExport } from './existingExports.js';
