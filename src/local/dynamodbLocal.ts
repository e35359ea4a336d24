// Fetches and runs the official DynamoDB Local (Java) for tests, the demo and the benchmark. The jar ships inside
// the npm tarball of amplify-dynamodb-simulator; only that tarball is fetched (`npm pack`, not installed: its
// dependencies weigh hundreds of MB) and its emulator/ folder is cached outside the repository.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Pinned: DynamoDB Local 1.25.1 with Streams support. */
export const SIMULATOR_PACKAGE = 'amplify-dynamodb-simulator@2.9.30';
const STARTUP_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 5_000;

export function dynamoDBLocalDir(): string {
  return process.env.DYNAMODB_LOCAL_DIR ?? join(homedir(), '.cache', 'source-dynamodb', SIMULATOR_PACKAGE.replace('@', '-'));
}

/** Makes sure the emulator is in the cache; returns its folder (holding DynamoDBLocal.jar). */
export async function ensureDynamoDBLocal(): Promise<string> {
  const dir = dynamoDBLocalDir();
  if (existsSync(join(dir, 'DynamoDBLocal.jar'))) return dir;
  const work = await mkdtemp(join(tmpdir(), 'ddb-local-'));
  try {
    await run('npm', ['pack', SIMULATOR_PACKAGE, '--pack-destination', work, '--silent'], { maxBuffer: 1 << 20 });
    const tarball = (await readdir(work)).find((f) => f.endsWith('.tgz'));
    if (!tarball) throw new Error(`npm pack ${SIMULATOR_PACKAGE} produced no tarball`);
    await run('tar', ['xzf', join(work, tarball), '-C', work, 'package/emulator']);
    await mkdir(join(dir, '..'), { recursive: true });
    await rm(dir, { recursive: true, force: true });
    await rename(join(work, 'package', 'emulator'), dir); // atomic: a half-extracted cache is never seen
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return dir;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export interface RunningDynamoDBLocal {
  endpoint: string;
  port: number;
  process: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Starts DynamoDB Local in memory on a free port. `-sharedDb` makes every access key and region see the same
 * tables, so clients with any test credentials agree on what exists.
 */
export async function startDynamoDBLocal(options: { port?: number } = {}): Promise<RunningDynamoDBLocal> {
  const dir = await ensureDynamoDBLocal();
  const port = options.port ?? (await freePort());
  const java = process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
  const child = spawn(
    java,
    [`-Djava.library.path=${join(dir, 'DynamoDBLocal_lib')}`, '-jar', join(dir, 'DynamoDBLocal.jar'), '-inMemory', '-sharedDb', '-port', String(port)],
    { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<never>((_, reject) => {
    child.once('error', (err) => reject(new Error(`Cannot start Java (${java}): ${err.message}. Install Java 17 (apt-get install openjdk-17-jre-headless).`)));
    child.once('exit', (code) => reject(new Error(`DynamoDB Local exited with code ${code}: ${output}`)));
  });
  const endpoint = `http://127.0.0.1:${port}`;
  exited.catch(() => undefined); // later exits are expected (stop())
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      // Java normally exits on SIGTERM at once; never let a stuck JVM hang the caller.
      const force = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      child.once('exit', () => {
        clearTimeout(force);
        resolve();
      });
      child.kill('SIGTERM');
    });
  try {
    await Promise.race([waitUntilServing(endpoint), exited]);
  } catch (err) {
    await stop(); // do not leave an orphaned JVM behind a failed start
    throw err;
  }
  return { endpoint, port, process: child, stop };
}

async function waitUntilServing(endpoint: string): Promise<void> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  for (;;) {
    try {
      const res = await fetch(endpoint, {
        method: 'POST',
        headers: {
          'X-Amz-Target': 'DynamoDB_20120810.ListTables',
          'Content-Type': 'application/x-amz-json-1.0',
          Authorization: 'AWS4-HMAC-SHA256 Credential=local/20200101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0',
        },
        body: '{}',
      });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`DynamoDB Local did not answer on ${endpoint} within ${STARTUP_TIMEOUT_MS} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

// `node dist/src/local/dynamodbLocal.js fetch` pre-fetches the emulator (used by .ci/run).
if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/')) && process.argv[2] === 'fetch') {
  console.log(`DynamoDB Local is in ${await ensureDynamoDBLocal()}`);
}
