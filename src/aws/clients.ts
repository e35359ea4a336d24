// One DynamoDB client per config: credentials (default chain or keys), optional assume-role on top, optional
// endpoint. Retries are ours (aws/retry.ts) so that every retry is logged and bounded by the config; the SDK's
// own retry is switched off to avoid retrying twice.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { S3Client } from '@aws-sdk/client-s3';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@aws-sdk/types';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { Config } from '../config/validate.js';

/** Sockets kept per client: enough for the widest read concurrency plus discovery's describes. */
const MAX_SOCKETS = 300;
/** A Scan page is at most 1 MB; a server that sends nothing for this long is treated as a dropped connection. */
const REQUEST_TIMEOUT_MS = 60_000;
const CONNECTION_TIMEOUT_MS = 10_000;

export interface AwsClientConfig {
  region: string;
  endpoint?: string;
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  requestHandler: NodeHttpHandler;
  maxAttempts: number;
}

export function awsClientConfig(config: Config): AwsClientConfig {
  const agentOptions = { keepAlive: true, maxSockets: MAX_SOCKETS };
  const out: AwsClientConfig = {
    region: config.region,
    requestHandler: new NodeHttpHandler({
      httpAgent: new HttpAgent(agentOptions),
      httpsAgent: new HttpsAgent(agentOptions),
      requestTimeout: REQUEST_TIMEOUT_MS,
      connectionTimeout: CONNECTION_TIMEOUT_MS,
    }),
    maxAttempts: 1,
  };
  if (config.endpoint) out.endpoint = config.endpoint;
  const base = baseCredentials(config);
  if (config.role_arn) {
    out.credentials = fromTemporaryCredentials({
      ...(base ? { masterCredentials: base } : {}),
      params: {
        RoleArn: config.role_arn,
        RoleSessionName: config.role_session_name ?? 'source-dynamodb',
        ...(config.role_external_id ? { ExternalId: config.role_external_id } : {}),
      },
      clientConfig: { region: config.region },
    });
  } else if (base) {
    out.credentials = base;
  }
  return out;
}

/** Undefined means the SDK's default chain (env, AWS_PROFILE files, web identity, ECS/EC2 roles). */
function baseCredentials(config: Config): AwsCredentialIdentity | undefined {
  const creds = config.credentials;
  if (creds?.auth_type !== 'access_keys') return undefined;
  return {
    accessKeyId: creds.access_key_id,
    secretAccessKey: creds.secret_access_key,
    ...(creds.session_token ? { sessionToken: creds.session_token } : {}),
  };
}

export function createDynamoDBClient(config: Config): DynamoDBClient {
  return withoutSdkLogger(new DynamoDBClient(awsClientConfig(config)));
}

export function createStreamsClient(config: Config): DynamoDBStreamsClient {
  return withoutSdkLogger(new DynamoDBStreamsClient(awsClientConfig(config)));
}

/**
 * The client that reads exports back: the bucket's own region and endpoint when set (path-style addressing then,
 * which S3-compatible servers and VPC endpoints expect), the same credentials as the tables. The connector only
 * reads, so checksums are left to S3's defaults: servers that do not send them are read all the same.
 */
/** Loaded on demand: the S3 client is a large module that only syncs reading exports need. */
export async function createS3Client(config: Config): Promise<S3Client> {
  const { S3Client } = await import('./s3Sdk.js');
  const base = awsClientConfig(config);
  const target = config.export ?? {};
  const out = { ...base, region: target.s3_region || config.region };
  delete out.endpoint;
  return withoutSdkLogger(
    new S3Client({
      ...out,
      ...(target.s3_endpoint ? { endpoint: target.s3_endpoint, forcePathStyle: true } : {}),
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    }),
  );
}

/**
 * The SDK's logger middleware deep-copies every response (to filter sensitive fields) for a logger that discards
 * it: on Scan pages that copy cost more CPU than all our conversion. We log our own retries and failures instead.
 */
function withoutSdkLogger<T extends { middlewareStack: { remove(name: string): boolean } }>(client: T): T {
  client.middlewareStack.remove('loggerMiddleware');
  return client;
}
