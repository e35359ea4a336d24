// Runs test/hosts/pyairbyte_driver.py (the connector under PyAirbyte, as a user runs it) and returns its report.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HOSTS_DIR, hostBin, hostEnv } from '../support/hosts.js';

export const EXECUTABLE = join(HOSTS_DIR, 'bin', 'source-dynamodb');
const DRIVER = join(HOSTS_DIR, 'pyairbyte_driver.py');

export interface Report {
  check: string;
  streams: string[];
  processed_records: number;
  tables: Record<string, { columns: Record<string, string>; rows: Record<string, any>[]; state: any }>;
}

/** Runs the driver in `workDir` (PyAirbyte's project dir: its default cache and stored state live there). */
export function pyairbyte(workDir: string, args: unknown): Promise<Report> {
  const python = hostBin('pyairbyte', 'python');
  const argsFile = join(workDir, `args-${Date.now()}.json`);
  writeFileSync(argsFile, JSON.stringify(args));
  return new Promise((resolve, reject) => {
    const child = spawn(python, [DRIVER, argsFile], {
      cwd: workDir,
      env: hostEnv('pyairbyte', { AIRBYTE_PROJECT_DIR: workDir, AIRBYTE_LOGGING_ROOT: join(workDir, 'logs') }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 240_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const last = stdout.trim().split('\n').pop() ?? '';
      if (code !== 0 || !last.startsWith('{')) {
        reject(new Error(`PyAirbyte driver exited with ${code}.\n--- stdout\n${stdout.slice(-4000)}\n--- stderr\n${stderr.slice(-6000)}`));
        return;
      }
      resolve(JSON.parse(last));
    });
  });
}

