// A real PostgreSQL server for the warehouse host tests: a cluster made with initdb in a temp folder, started on a
// free port, stopped (and removed) by stop(). The binaries are Debian's postgresql package (scripts/setup.sh
// installs it). initdb and postgres refuse to run as root, so as root they run as the package's postgres user
// (setpriv), in a folder that user owns. Queries go through psql, their rows as JSON (numbers exact).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'lossless-json';
import { numbersAsText } from './cli.js';

function binDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))) : [];
  const latest = versions.sort((a, b) => Number(b) - Number(a))[0];
  if (latest === undefined) throw new Error('PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb). Run `bash scripts/setup.sh` to install it.');
  return join(root, latest, 'bin');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

/** The command prefix that runs a program as the unprivileged owner of the cluster (nothing when not root). */
function asOwner(): { prefix: string[]; uid?: number; gid?: number } {
  if (process.getuid?.() !== 0) return { prefix: [] };
  const id = (flag: string) => Number(spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' }).stdout.trim());
  const uid = id('-u');
  const gid = id('-g');
  if (!Number.isInteger(uid) || uid <= 0) throw new Error('Running as root, and there is no postgres user to run PostgreSQL as (Debian\'s postgresql package makes it).');
  return { prefix: ['setpriv', `--reuid=${uid}`, `--regid=${gid}`, '--clear-groups', '--'], uid, gid };
}

export class PostgresServer {
  private constructor(
    readonly port: number,
    private readonly root: string,
    private readonly bin: string,
    private readonly server: ChildProcess,
    private log: string,
  ) {}

  static async start(): Promise<PostgresServer> {
    const bin = binDir();
    const owner = asOwner();
    const root = mkdtempSync(join(tmpdir(), 'postgres-'));
    chmodSync(root, 0o755);
    const data = join(root, 'data');
    const socket = join(root, 'socket');
    mkdirSync(socket);
    if (owner.uid !== undefined) {
      chownSync(root, owner.uid, owner.gid!);
      chownSync(socket, owner.uid, owner.gid!);
    }
    const run = (program: string, args: string[]) => {
      const [command, ...rest] = [...owner.prefix, join(bin, program), ...args];
      return spawnSync(command!, rest, { encoding: 'utf8', cwd: root });
    };
    const init = run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-locale', '--no-sync']);
    if (init.status !== 0) throw new Error(`initdb failed (${init.status}):\n${init.stdout}\n${init.stderr}`);
    const port = await freePort();
    const [command, ...args] = [...owner.prefix, join(bin, 'postgres'), '-D', data, '-p', String(port), '-k', socket, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off'];
    const server = spawn(command!, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    const pg = new PostgresServer(port, root, bin, server, '');
    server.stdout!.on('data', (d: Buffer) => (pg.log += d.toString()));
    server.stderr!.on('data', (d: Buffer) => (pg.log += d.toString()));
    for (let attempt = 0; ; attempt++) {
      const ready = spawnSync(join(bin, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres'], { encoding: 'utf8' });
      if (ready.status === 0) break;
      if (server.exitCode !== null || attempt > 150) {
        pg.stop();
        throw new Error(`PostgreSQL did not start:\n${pg.log}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    return pg;
  }

  /** Runs SQL with psql; throws with psql's message when it fails. */
  psql(sql: string, database = 'postgres'): string {
    const r = spawnSync(join(this.bin, 'psql'), ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-A', '-t', '-h', '127.0.0.1', '-p', String(this.port), '-U', 'postgres', '-d', database, '-c', sql], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`psql failed: ${r.stderr}\n${sql}`);
    return r.stdout;
  }

  /** The rows of a query as JSON objects, numbers as their exact text. */
  rows(sql: string, database = 'postgres'): Record<string, any>[] {
    const text = this.psql(`select coalesce(json_agg(q), '[]'::json) from (${sql}) q`, database).trim();
    return numbersAsText(parse(text)) as Record<string, any>[];
  }

  /** Column name → SQL type of a table. */
  columnTypes(schema: string, table: string, database = 'postgres'): Record<string, string> {
    const rows = this.rows(`select column_name, data_type, udt_name from information_schema.columns where table_schema = '${schema}' and table_name = '${table}'`, database);
    return Object.fromEntries(rows.map((r) => [r.column_name, r.data_type === 'ARRAY' ? `${r.udt_name.replace(/^_/, '')}[]` : r.data_type]));
  }

  /** Stops the server (fast shutdown) and removes the cluster. */
  stop(): void {
    if (this.server.exitCode === null) this.server.kill('SIGINT');
    const deadline = Date.now() + 10_000;
    while (this.server.exitCode === null && Date.now() < deadline && existsSync(join(this.root, 'data', 'postmaster.pid'))) spawnSync('sleep', ['0.1']);
    if (existsSync(join(this.root, 'data', 'postmaster.pid'))) this.server.kill('SIGKILL');
    rmSync(this.root, { recursive: true, force: true });
  }
}
