// The peer a Meltano user would pick today: singer-io tap-dynamodb (PyPI), installed once into a cached venv and run
// full-table on the bench table. Its `use_local_dynamo` config points it at localhost:8000, which is why the bench
// runs its DynamoDB Local there. Python has no --import hook like bench/measure.ts, so a few lines of Python run the
// tap as a child and write the same usage record (CPU, peak RSS) from getrusage(RUSAGE_CHILDREN).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Pinned so that the figures compare like with like from run to run. */
const TAP_PACKAGE = 'tap-dynamodb==1.4.0';
const VENV_DIR = join(homedir(), '.cache', 'source-dynamodb', 'tap-dynamodb-venv');

const USAGE_WRAPPER = `
import json, os, resource, subprocess, sys
with open(os.devnull, 'wb') as devnull:
    done = subprocess.run(sys.argv[2:], stdout=devnull, stderr=subprocess.PIPE)
sys.stderr.buffer.write(done.stderr)
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
with open(sys.argv[1], 'w') as f:
    json.dump({'cpuUserUs': usage.ru_utime * 1e6, 'cpuSystemUs': usage.ru_stime * 1e6, 'maxRssKb': usage.ru_maxrss}, f)
sys.exit(done.returncode)
`;

export interface TapCommand {
  /** The program to spawn (the venv's python). */
  program: string;
  /** Arguments before the usage file: the wrapper script. */
  wrapperArgs: string[];
  /** The tap's own command line, run by the wrapper. */
  tapArgs: string[];
}

/** Creates the venv on first use. Returns undefined (with the reason) when Python is missing or pip fails. */
export async function prepareTapDynamodb(work: string, table: string): Promise<TapCommand | string> {
  const python = join(VENV_DIR, 'bin', 'python');
  const tap = join(VENV_DIR, 'bin', 'tap-dynamodb');
  try {
    if (!existsSync(tap)) {
      console.log(`installing ${TAP_PACKAGE} into ${VENV_DIR} (once)`);
      await mkdir(join(VENV_DIR, '..'), { recursive: true });
      await run('python3', ['-m', 'venv', VENV_DIR]);
      await run(join(VENV_DIR, 'bin', 'pip'), ['install', '--quiet', TAP_PACKAGE], { maxBuffer: 16 * 1024 * 1024 });
    }
  } catch (err) {
    return `tap-dynamodb not available: ${(err as Error).message.split('\n', 1)[0]}`;
  }
  const configPath = join(work, 'tap-config.json');
  await writeFile(configPath, JSON.stringify({ account_id: 'bench', external_id: 'bench', role_name: 'bench', region_name: 'us-east-1', use_local_dynamo: true }));
  const { stdout } = await run(tap, ['--config', configPath, '--discover'], { env: tapEnv(), maxBuffer: 16 * 1024 * 1024 });
  const catalog = JSON.parse(stdout) as { streams: { tap_stream_id: string; metadata: { breadcrumb: string[]; metadata: Record<string, unknown> }[] }[] };
  const streams = catalog.streams.filter((s) => s.tap_stream_id === table);
  if (streams.length === 0) return `tap-dynamodb did not discover ${table}`;
  for (const stream of streams) {
    const root = stream.metadata.find((m) => m.breadcrumb.length === 0);
    if (root) Object.assign(root.metadata, { selected: true, 'replication-method': 'FULL_TABLE' });
  }
  const catalogPath = join(work, 'tap-catalog.json');
  await writeFile(catalogPath, JSON.stringify({ streams }));
  return { program: python, wrapperArgs: ['-c', USAGE_WRAPPER], tapArgs: [tap, '--config', configPath, '--catalog', catalogPath] };
}

/** boto3 wants credentials even for DynamoDB Local. */
export function tapEnv(): NodeJS.ProcessEnv {
  return { ...process.env, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_DEFAULT_REGION: 'us-east-1' };
}

/** The row count the tap logs at the end of its sync. */
export function tapRowCount(stderr: string): number | undefined {
  const match = /Completed sync \((\d+) rows\)/.exec(stderr);
  return match ? Number(match[1]) : undefined;
}
