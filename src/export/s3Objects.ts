// Opening export files in S3 as Node streams, with S3's failures turned into messages that say what to grant.
import type { S3Client } from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import { awsErrorName, toConnectorError } from '../aws/errors.js';
import { firstLine, withRetry } from '../aws/retry.js';
import { ConnectorError, configError } from '../errors/ConnectorError.js';
import type { Logger } from '../log.js';

export interface S3ReadContext {
  s3: S3Client;
  log: Logger;
  maxRetries: number;
}

/** S3 answers 403 with these when the key or its signature is refused, or the policy denies the read. */
const S3_DENIED = new Set(['AccessDenied', 'Forbidden', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'AllAccessDisabled', 'AccountProblem']);

export async function openObject(ctx: S3ReadContext, bucket: string, key: string, stream?: string): Promise<Readable> {
  try {
    // Loaded with the client (aws/clients.ts), on demand.
    const { GetObjectCommand } = await import('../aws/s3Sdk.js');
    const out = await withRetry(() => ctx.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key })), {
      what: `GetObject of s3://${bucket}/${key}`,
      log: ctx.log,
      maxRetries: ctx.maxRetries,
    });
    if (!out.Body) throw new ConnectorError('system_error', `S3 returned no body for s3://${bucket}/${key}`);
    return out.Body as Readable;
  } catch (err) {
    throw s3ReadError(err, bucket, key, stream);
  }
}

export async function readObjectText(ctx: S3ReadContext, bucket: string, key: string, stream?: string): Promise<string> {
  const body = await openObject(ctx, bucket, key, stream);
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export function s3ReadError(err: unknown, bucket: string, key: string, stream?: string): ConnectorError {
  if (err instanceof ConnectorError) return err;
  const name = awsErrorName(err);
  const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  const details = { cause: err, ...(stream !== undefined ? { stream } : {}) };
  const detail = firstLine((err as Error)?.message);
  if (S3_DENIED.has(name) || status === 403) {
    return configError(`Access denied reading the export file s3://${bucket}/${key} (${name}: ${detail}). Grant s3:GetObject on arn:aws:s3:::${bucket}/* (or the export prefix) to these credentials, and kms:Decrypt if the bucket uses a KMS key.`, details);
  }
  if (name === 'NoSuchBucket') return configError(`The export bucket ${bucket} does not exist (or is in another region: set export.s3_region).`, details);
  if (name === 'NoSuchKey' || status === 404) {
    return configError(`The export file s3://${bucket}/${key} is gone (deleted, or expired by a lifecycle rule) before it was read. Reset the stream to export again.`, details);
  }
  if (name === 'PermanentRedirect' || name === 'AuthorizationHeaderMalformed' || status === 301) {
    return configError(`The export bucket ${bucket} is in another region than the one used (${name}): set export.s3_region.`, details);
  }
  return toConnectorError(err, 's3:GetObject', `s3://${bucket}/${key}`, stream);
}
