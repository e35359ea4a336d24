// The connector's Airbyte image on a machine without a Docker daemon: built with buildah (scripts/build-image.sh)
// from a clean copy of the repository, and run the way the Airbyte platform runs a connector: the container's
// command is the image's AIRBYTE_ENTRYPOINT with the verb and the paths of the mounted config, catalog and state
// files; its stdout is the protocol message stream.
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseLine } from './cli.js';
import { REPO_ROOT } from './hosts.js';

/** acceptance-test-config.yml's connector_image. */
export const IMAGE = 'airbyte/source-dynamodb-ts:dev';
/** The `docker` the standard tests shell out to: test/image/bin/docker, over buildah. Never put on PATH globally. */
export const DOCKER_WRAPPER_DIR = join(REPO_ROOT, 'test', 'image', 'bin');

const buildahEnv = () => ({ ...process.env, STORAGE_DRIVER: process.env.STORAGE_DRIVER || 'vfs' });

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function run(command: string, args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: options.env ?? process.env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 600_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export const buildah = (args: string[], timeoutMs?: number) => run('buildah', args, { env: buildahEnv(), timeoutMs });

/**
 * What a fresh clone holds: the files git tracks plus new ones it does not ignore (so a file the build needs but
 * that only exists because of a local build, such as dist/ or node_modules/, cannot slip into the context).
 */
export function cleanCheckout(): string {
  const dir = mkdtempSync(join(tmpdir(), 'source-dynamodb-clone-'));
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: REPO_ROOT, encoding: 'utf8' })
    .split('\0')
    .filter((f) => f !== '' && existsSync(join(REPO_ROOT, f)));
  for (const file of files) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    copyFileSync(join(REPO_ROOT, file), join(dir, file));
  }
  return dir;
}

/** Builds IMAGE from `context` with scripts/build-image.sh (the local stand-in base when no registry is reachable). */
export async function buildImage(context: string): Promise<{ seconds: number; log: string }> {
  const started = Date.now();
  const result = await run('bash', [join(context, 'scripts', 'build-image.sh'), IMAGE, context], { env: buildahEnv(), timeoutMs: 1_200_000 });
  if (result.code !== 0) throw new Error(`building the image failed (exit ${result.code}):\n${result.stderr.slice(-6000)}`);
  return { seconds: (Date.now() - started) / 1000, log: result.stderr };
}

/** The image's OCI config (Entrypoint, Env, User, WorkingDir, Labels) and its size in bytes. */
export async function inspectImage(): Promise<{ config: any; size: number }> {
  const result = await buildah(['inspect', '--type', 'image', IMAGE]);
  if (result.code !== 0) throw new Error(`buildah inspect ${IMAGE} failed: ${result.stderr}`);
  const inspected = JSON.parse(result.stdout);
  const size = await buildah(['images', '--noheading', '--format', '{{.Size}}', IMAGE]);
  return { config: inspected.OCIv1.config, size: parseSize(size.stdout.trim()) };
}

function parseSize(text: string): number {
  const match = /^([\d.]+)\s*([kMG]?B)$/.exec(text);
  if (!match) throw new Error(`unexpected image size ${text}`);
  return Number(match[1]) * { B: 1, kB: 1e3, MB: 1e6, GB: 1e9 }[match[2] as 'B' | 'kB' | 'MB' | 'GB'];
}

/** Runs a command in a fresh working container of IMAGE, as its USER, on the host network; removes it after. */
export async function runInImage(command: string[], options: { mounts?: string[]; workdir?: string } = {}): Promise<Run> {
  const from = await buildah(['from', '--pull-never', '--quiet', IMAGE]);
  if (from.code !== 0) throw new Error(`buildah from ${IMAGE} failed: ${from.stderr}`);
  const container = from.stdout.trim();
  try {
    const args = ['run', '--isolation', 'chroot', '--network', 'host'];
    for (const mount of options.mounts ?? []) args.push('--volume', mount);
    if (options.workdir) args.push('--workingdir', options.workdir);
    return await buildah([...args, container, '--', ...command]);
  } finally {
    await buildah(['rm', container]);
  }
}

export interface AirbyteRun extends Run {
  lines: string[];
  /** Every stdout line parsed (lossless numbers); a line that is not JSON fails the test. */
  messages: any[];
}

/**
 * `verb` as the platform runs it: the config (and catalog, state) written to a directory mounted read-only at
 * /config as connectionConfiguration.json, catalog.json and inputState.json, and the container's command
 * `eval "$AIRBYTE_ENTRYPOINT <verb> --config /config/connectionConfiguration.json …"` in /config.
 */
export async function runAsAirbyte(verb: 'spec' | 'check' | 'discover' | 'read', inputs: { config?: unknown; catalog?: unknown; state?: unknown } = {}): Promise<AirbyteRun> {
  const dir = mkdtempSync(join(tmpdir(), 'source-dynamodb-airbyte-'));
  chmodSync(dir, 0o755); // the connector runs as the image's unprivileged user
  const args: string[] = [verb];
  const put = (flag: string, name: string, value: unknown) => {
    if (value === undefined) return;
    writeFileSync(join(dir, name), JSON.stringify(value), { mode: 0o644 });
    args.push(flag, `/config/${name}`);
  };
  put('--config', 'connectionConfiguration.json', inputs.config);
  put('--catalog', 'catalog.json', inputs.catalog);
  put('--state', 'inputState.json', inputs.state);
  const result = await runInImage(['sh', '-c', `eval "$AIRBYTE_ENTRYPOINT ${args.join(' ')}"`], { mounts: [`${dir}:/config:ro`], workdir: '/config' });
  const lines = result.stdout.split('\n').filter((l) => l !== '');
  return { ...result, lines, messages: lines.map((l) => parseLine(l)) };
}
