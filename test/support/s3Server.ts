// A real S3 server for the tests: s3rver on a free loopback port, its objects in a temporary directory removed on
// close, with one bucket ready. It refuses access key ids it does not know (403 InvalidAccessKeyId; it does not
// verify SigV4 signatures themselves); the tests' DynamoDB credentials (test/test) are registered with it, so the
// connector reads S3 with the same credentials it uses for the tables, as in production.
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import { TEST_CREDENTIALS } from './dynamo.js';

export interface RunningS3Server {
  /** http://127.0.0.1:port — an S3 endpoint for path-style addressing. */
  endpoint: string;
  bucket: string;
  /** Where s3rver keeps the objects (one folder per bucket). */
  directory: string;
  close(): Promise<void>;
}

interface S3rverAccount {
  createKeyPair(accessKeyId: string, secretAccessKey: string): void;
}

/** s3rver knows one key pair (S3RVER/S3RVER) unless more are registered on its built-in account. */
function registerTestCredentials(): void {
  const require = createRequire(import.meta.url);
  const account = require('s3rver/lib/models/account.js') as { DUMMY_ACCOUNT: S3rverAccount };
  account.DUMMY_ACCOUNT.createKeyPair(TEST_CREDENTIALS.accessKeyId, TEST_CREDENTIALS.secretAccessKey);
}

export async function startS3Server(bucket = 'exports'): Promise<RunningS3Server> {
  registerTestCredentials();
  const directory = await mkdtemp(join(tmpdir(), 's3rver-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: bucket, configs: [] }],
  });
  const address: AddressInfo = await server.run();
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    bucket,
    directory,
    async close() {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
