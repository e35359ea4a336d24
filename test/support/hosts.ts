// Where the Python hosts (Meltano, target-jsonl, PyAirbyte) live: the venvs scripts/setup.sh installs, one per
// requirements file under test/hosts/requirements/, in $SOURCE_DYNAMODB_VENVS (default ~/.cache/source-dynamodb/venvs)
// as <host>-<first 16 hex digits of the file's sha256>, the same computation as the script. A missing or
// half-installed venv is a failure with the command that installs it, never a skip.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export type PythonHost = 'meltano' | 'target-jsonl' | 'pyairbyte' | 'airbyte-cdk' | 'target-postgres';

export const REPO_ROOT = join(import.meta.dirname, '..', '..');
export const HOSTS_DIR = join(REPO_ROOT, 'test', 'hosts');

export function venvsRoot(): string {
  return process.env.SOURCE_DYNAMODB_VENVS || join(homedir(), '.cache', 'source-dynamodb', 'venvs');
}

export function venvDir(host: PythonHost): string {
  const requirements = readFileSync(join(HOSTS_DIR, 'requirements', `${host}.txt`));
  const key = createHash('sha256').update(requirements).digest('hex').slice(0, 16);
  return join(venvsRoot(), `${host}-${key}`);
}

/** Absolute path of a program in a host's venv (`python`, `meltano`, `target-jsonl`); throws if not installed. */
export function hostBin(host: PythonHost, program: string): string {
  const dir = venvDir(host);
  const path = join(dir, 'bin', program);
  if (!existsSync(join(dir, '.installed')) || !existsSync(path)) {
    throw new Error(
      `The ${host} host is not installed: ${path} is missing (its venv is keyed by test/hosts/requirements/${host}.txt). ` +
        'Run `bash scripts/setup.sh` (or `bash scripts/test.sh`, which runs it) to install it.',
    );
  }
  return path;
}

/** Environment for a host's process: its venv first on PATH, no telemetry, nothing sent anywhere. */
export function hostEnv(host: PythonHost, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const bin = join(venvDir(host), 'bin');
  return {
    ...process.env,
    PATH: `${bin}:${process.env.PATH ?? ''}`,
    VIRTUAL_ENV: venvDir(host),
    PYTHONUNBUFFERED: '1',
    DO_NOT_TRACK: '1',
    AIRBYTE_OFFLINE_MODE: '1',
    MELTANO_SEND_ANONYMOUS_USAGE_STATS: 'false',
    MELTANO_DISABLE_TRACKING: 'true',
    ...extra,
  };
}
