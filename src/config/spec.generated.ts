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
 * Scan Limit: items evaluated per request. Leave empty to let DynamoDB fill each page up to 1 MB.
 */
export type PageSize = number;
/**
 * Use strongly consistent reads. Doubles the read capacity consumed.
 */
export type ConsistentRead = boolean;
/**
 * How many times a throttled or failed request is retried, with exponential backoff, before the stream fails.
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
 * How incremental streams find changes. Scan mode filters a full parallel Scan by a cursor attribute you choose (costs a full scan's read capacity each sync). DynamoDB Streams mode takes one snapshot, then reads only the table's stream: cheap, fresh, and it sees deletes.
 */
export type IncrementalReplication = ScanWithACursorField | DynamoDBStreamsChangeDataCapture;
/**
 * What to do when the stream no longer holds changes the last sync did not read (more than 24 hours since it, or the shard is gone): fail with a config error (default), or take a fresh snapshot of the table automatically. A warning is logged either way.
 */
export type WhenChangesWereLost = 'fail' | 'resnapshot';
/**
 * A sync reads closed shards to their end and open shards until they return no new records, or until this much time has passed; then it checkpoints and exits.
 */
export type StreamReadTimeLimitSeconds = number;

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
