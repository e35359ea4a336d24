/* Generated from schemas/spec.json by scripts/generate-config-types.mjs. Do not edit. */

/**
 * The AWS region of the tables, for example us-east-1.
 */
export type AWSRegion = string;
/**
 * Optional endpoint override: DynamoDB Local (http://localhost:8000) or a VPC endpoint. Leave empty for the public AWS endpoint of the region.
 */
export type EndpointURL = string;
/**
 * How to authenticate. The default AWS chain reads environment variables, the shared config/credentials files (AWS_PROFILE), web identity (IRSA) and the instance or container role.
 */
export type Credentials = DefaultAWSCredentialChain | AccessKeys;
export type AccessKeyID = string;
export type SecretAccessKey = string;
/**
 * Only for temporary credentials.
 */
export type SessionToken = string;
/**
 * Optional IAM role assumed on top of the credentials above. Every call, ListTables included, then runs as that role (possibly in another account).
 */
export type RoleARNToAssume = string;
/**
 * External ID required by the role's trust policy, if any.
 */
export type ExternalID = string;
export type RoleSessionName = string;
/**
 * Table names or glob patterns (* and ?). Empty means every table of the account and region.
 */
export type TablesToInclude = string[];
/**
 * Table names or glob patterns (* and ?) removed after the include filter.
 */
export type TablesToExclude = string[];
/**
 * How many items per table discover reads to infer the schema of non-key attributes, spread over several scan segments. 0 types only the key attributes.
 */
export type DiscoverySampleSize = number;
/**
 * TotalSegments of the parallel Scan. Leave empty for automatic sizing from the table size: one segment per 256 MiB, at least 1, at most 1000. A scan in progress keeps the number it started with.
 */
export type ScanSegments = number;
/**
 * How many Scan requests may be in flight at once, across all streams.
 */
export type ReadConcurrency = number;
/**
 * Scan Limit: items evaluated per request. Leave empty to size each page from the measured item size so that it fills DynamoDB's 1 MB page.
 */
export type PageSize = number;
/**
 * Use strongly consistent reads. Doubles the read capacity consumed.
 */
export type ConsistentRead = boolean;
/**
 * How many times a failed request is retried, with exponential backoff, before the stream fails. A throttled Scan page counts only when the table served nothing since its last attempt: while other segments are served, it waits its turn.
 */
export type Retries = number;
/**
 * While a table is scanned, a STATE checkpoint is emitted after the page that crosses this much time since the last one (or the record count below), so an interrupted sync resumes where it stopped. 0 checkpoints after every page.
 */
export type CheckpointIntervalSeconds = number;
/**
 * Emit a STATE checkpoint after the page that brings the records since the last checkpoint to at least this many.
 */
export type CheckpointEveryNRecords = number;
/**
 * How incremental streams find changes. Scan mode filters a full parallel Scan by a cursor attribute you choose (costs a full scan's read capacity each sync). DynamoDB Streams mode takes one snapshot, then reads only the table's stream: cheap, fresh, and it sees deletes. S3 export mode takes one full export to S3, then an incremental export per sync: no read capacity at all, needs point-in-time recovery and the export settings below.
 */
export type IncrementalReplication =
  ScanWithACursorField | DynamoDBStreamsChangeDataCapture | ExportToS3FullThenIncrementalExports;
/**
 * What to do when the stream no longer holds changes the last sync did not read (more than 24 hours since it, or the shard is gone): fail with a config error (default), take a fresh snapshot of the table automatically, or fill the gap with an incremental export to S3 (needs point-in-time recovery covering the gap and the export settings) and go on from the stream. A warning is logged either way.
 */
export type WhenChangesWereLost = 'fail' | 'resnapshot' | 'export';
/**
 * A safety net: a sync reads every shard up to the moment the sync started (closed shards to their end) and then ends by itself; if that takes longer than this, it checkpoints and exits, and the next sync goes on from there.
 */
export type StreamReadTimeLimitSeconds = number;
/**
 * Table name or glob pattern (* and ?).
 */
export type Tables = string;
/**
 * Top-level attribute names, exactly as stored.
 *
 * @minItems 1
 */
export type Attributes = [string, ...string[]];
/**
 * Attributes that never leave the connector (PII, large blobs), per table: each entry names tables (exact names or * ? globs) and the top-level attributes to drop from their records. discover leaves them out of the schema. Key attributes cannot be excluded.
 */
export type ExcludedAttributes = {
  tables: Tables;
  attributes: Attributes;
  [k: string]: unknown;
}[];
/**
 * The share of a provisioned table's ReadCapacityUnits that a sync may consume, measured from the ConsumedCapacity of every Scan and shared by all its segments (discover's sample included). Re-read from DescribeTable every few minutes, so autoscaling is followed. Does not limit on-demand tables; use the cap below for them.
 */
export type ReadCapacityShare = number;
/**
 * An absolute cap on the read units per second a sync consumes per table, for on-demand and provisioned tables alike; when the percentage above also applies, the lower limit wins. Empty means no absolute cap.
 */
export type ReadUnitsPerSecondCap = number;
/**
 * How full snapshots are taken (full refresh, the first sync of DynamoDB Streams mode): a parallel Scan (uses read capacity), or an export to S3 (ExportTableToPointInTime; uses no read capacity, needs point-in-time recovery and the export settings below).
 */
export type SnapshotMethod = 'scan' | 'export';
/**
 * Required whenever exports are used.
 */
export type S3Bucket = string;
/**
 * Key prefix for the exports, for example airbyte/exports.
 */
export type S3Prefix = string;
/**
 * The AWS account ID that owns the bucket, when it is another account.
 */
export type BucketOwnerAccount = string;
/**
 * The bucket's region, when it differs from the tables' region.
 */
export type S3Region = string;
/**
 * Optional endpoint override for S3-compatible servers and VPC endpoints; path-style addressing is used when it is set.
 */
export type S3EndpointURL = string;
/**
 * request: the connector asks DynamoDB for the exports it needs (ExportTableToPointInTime). existing: it loads exports already in the bucket under s3_prefix (made by a schedule of your own), needing only s3:ListBucket and s3:GetObject; on_data_loss export still requests one.
 */
export type Exports = 'request' | 'existing';
/**
 * Mode existing: load this one export only (arn:aws:dynamodb:…:table/…/export/…) instead of the newest.
 */
export type ExportARN = string;
/**
 * The format of the exports the connector requests (ExportFormat). Exports found in the bucket are read in whichever format they have.
 */
export type ExportFormat = 'DYNAMODB_JSON' | 'ION';
/**
 * Table name or glob pattern (* and ?).
 */
export type Table = string;
/**
 * Name of a global secondary index of the table whose sort key is the cursor (an update time as ISO 8601 string or epoch number, for example).
 */
export type Index = string;
/**
 * Every value of the index's partition key that holds items (a constant, or shard values such as s0 … s9): strings for a string key, numbers for a number key. Items under a value not listed here are not read by incremental syncs.
 *
 * @minItems 1
 */
export type PartitionValues = [unknown, ...unknown[]];
/**
 * Incremental syncs by cursor that Query a global secondary index instead of scanning the table: for each table (exact name or * ? glob; the first matching entry applies), the GSI whose sort key is the stream's cursor and the values of its partition key to query. The first sync scans the table; every later one reads only the items whose cursor is above the last one (minus cursor_lookback_seconds), from every partition value. An index that projects fewer than all attributes is followed by BatchGetItem on the table, so records stay whole. Deletes never appear in an index: use replication mode dynamodb_streams when deletes matter.
 */
export type CursorIndexes = {
  table: Table;
  index: Index;
  partition_values: PartitionValues;
  [k: string]: unknown;
}[];
/**
 * With cursor_indexes: each incremental Query starts this far before the last cursor, because a global secondary index is updated shortly after its table (eventually consistent) and writers' clocks differ. Applies to number cursors read as epoch time (seconds from 1e9 below 1e11, milliseconds below 1e14, microseconds below 1e17, nanoseconds above) and to string cursors in ISO 8601 date-time form; other cursors, or 0, start at the cursor itself. Items in the window are read again; none is missed.
 */
export type CursorLookbackSeconds = number;

export interface DynamoDBSourceSpec {
  region: AWSRegion;
  endpoint?: EndpointURL;
  credentials?: Credentials;
  role_arn?: RoleARNToAssume;
  role_external_id?: ExternalID;
  role_session_name?: RoleSessionName;
  include_tables?: TablesToInclude;
  exclude_tables?: TablesToExclude;
  discovery_sample_size?: DiscoverySampleSize;
  scan_segments?: ScanSegments;
  read_concurrency?: ReadConcurrency;
  page_size?: PageSize;
  consistent_read?: ConsistentRead;
  max_retries?: Retries;
  checkpoint_interval_seconds?: CheckpointIntervalSeconds;
  checkpoint_records?: CheckpointEveryNRecords;
  replication?: IncrementalReplication;
  excluded_attributes?: ExcludedAttributes;
  read_capacity_percent?: ReadCapacityShare;
  max_read_units_per_second?: ReadUnitsPerSecondCap;
  initial_load?: SnapshotMethod;
  export?: ExportToS3;
  cursor_indexes?: CursorIndexes;
  cursor_lookback_seconds?: CursorLookbackSeconds;
  [k: string]: unknown;
}
export interface DefaultAWSCredentialChain {
  auth_type: 'default';
  [k: string]: unknown;
}
export interface AccessKeys {
  auth_type: 'access_keys';
  access_key_id: AccessKeyID;
  secret_access_key: SecretAccessKey;
  session_token?: SessionToken;
  [k: string]: unknown;
}
export interface ScanWithACursorField {
  mode: 'scan';
  [k: string]: unknown;
}
export interface DynamoDBStreamsChangeDataCapture {
  mode: 'dynamodb_streams';
  on_data_loss?: WhenChangesWereLost;
  max_stream_read_seconds?: StreamReadTimeLimitSeconds;
  [k: string]: unknown;
}
export interface ExportToS3FullThenIncrementalExports {
  mode: 's3_export';
  [k: string]: unknown;
}
/**
 * Where DynamoDB writes exports (initial_load export, replication mode s3_export, on_data_loss export), or, with mode existing, where exports made beforehand are found. The connector reads the files back with the same credentials.
 */
export interface ExportToS3 {
  s3_bucket?: S3Bucket;
  s3_prefix?: S3Prefix;
  s3_bucket_owner?: BucketOwnerAccount;
  s3_region?: S3Region;
  s3_endpoint?: S3EndpointURL;
  mode?: Exports;
  export_arn?: ExportARN;
  format?: ExportFormat;
  [k: string]: unknown;
}
