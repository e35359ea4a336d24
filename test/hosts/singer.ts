// Helpers for the Singer-mode host tests: running Meltano on a copy of integration_tests/meltano, reading what
// target-jsonl wrote, and the table's items as JSON (what the connector should have turned them into).
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { ScanCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { isLosslessNumber, parse, type LosslessNumber } from 'lossless-json';
import { CLI } from '../support/cli.js';
import { hostBin, hostEnv, REPO_ROOT, venvDir } from '../support/hosts.js';

export const MELTANO_PROJECT = join(REPO_ROOT, 'integration_tests', 'meltano');

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function run(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 240_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const tail = (text: string, n = 6000) => (text.length > n ? `…${text.slice(-n)}` : text);

/** A Meltano project (a copy of integration_tests/meltano in a temp folder) pointed at DynamoDB Local. */
export class MeltanoProject {
  readonly dir: string;
  private readonly env: NodeJS.ProcessEnv;

  constructor(endpoint: string, tables: string[], extraEnv: Record<string, string> = {}) {
    hostBin('meltano', 'meltano'); // fail early, and clearly, when a host is missing
    hostBin('target-jsonl', 'target-jsonl');
    this.dir = join(mkdtempSync(join(tmpdir(), 'meltano-')), 'project');
    cpSync(MELTANO_PROJECT, this.dir, { recursive: true, filter: (src) => !/[\\/](\.meltano|output)$/.test(src) });
    const base = hostEnv('meltano');
    this.env = {
      ...base,
      PATH: `${join(venvDir('meltano'), 'bin')}:${join(venvDir('target-jsonl'), 'bin')}:${join(venvDir('target-postgres'), 'bin')}:${process.env.PATH ?? ''}`,
      SOURCE_DYNAMODB_CLI: CLI,
      NODE: process.execPath,
      TAP_DYNAMODB_REGION: 'us-east-1',
      TAP_DYNAMODB_ENDPOINT: endpoint,
      TAP_DYNAMODB_CREDENTIALS_AUTH_TYPE: 'access_keys',
      TAP_DYNAMODB_CREDENTIALS_ACCESS_KEY_ID: 'test',
      TAP_DYNAMODB_CREDENTIALS_SECRET_ACCESS_KEY: 'test',
      // DynamoDB Local is shared by every test of the run: discover only this test's tables.
      TAP_DYNAMODB_INCLUDE_TABLES: JSON.stringify(tables),
      ...extraEnv,
    };
  }

  async meltano(args: string[], env: Record<string, string> = {}): Promise<Run> {
    const result = await run(hostBin('meltano', 'meltano'), args, { cwd: this.dir, env: { ...this.env, ...env } });
    if (result.code !== 0) {
      throw new Error(`meltano ${args.join(' ')} exited with ${result.code}\n--- stdout\n${tail(result.stdout)}\n--- stderr\n${tail(result.stderr)}`);
    }
    return result;
  }

  /** `meltano run <tap> target-jsonl`, target-jsonl writing into a fresh folder; returns that folder. */
  async run(tap: string, outputName: string): Promise<{ output: string; log: string }> {
    const output = join(this.dir, 'output', outputName);
    const result = await this.meltano(['run', tap, 'target-jsonl'], { TARGET_JSONL_DESTINATION_PATH: output });
    return { output, log: result.stderr + result.stdout };
  }

  /** `meltano run <tap> target-postgres` into the server on localhost:port (schema `dynamodb`). */
  async runPostgres(tap: string, port: number, env: Record<string, string> = {}): Promise<string> {
    hostBin('target-postgres', 'target-postgres');
    const result = await this.meltano(['run', tap, 'target-postgres'], {
      TARGET_POSTGRES_HOST: '127.0.0.1',
      TARGET_POSTGRES_PORT: String(port),
      TARGET_POSTGRES_USER: 'postgres',
      TARGET_POSTGRES_PASSWORD: 'unused',
      TARGET_POSTGRES_DATABASE: 'postgres',
      ...env,
    });
    return result.stderr + result.stdout;
  }

  /** Pins the extractor's catalog to what discover says now (`meltano invoke --dump=catalog`), as a project that
   *  keeps its catalog does: attributes that appear later are drift. */
  async pinCatalog(tap: string): Promise<void> {
    const dumped = await this.meltano(['invoke', '--dump=catalog', tap]);
    const file = `${tap}.catalog.json`;
    writeFileSync(join(this.dir, file), dumped.stdout.slice(dumped.stdout.indexOf('{')));
    const yml = join(this.dir, 'meltano.yml');
    const text = readFileSync(yml, 'utf8');
    const entry = `    - name: ${tap}\n`;
    if (!text.includes(entry)) throw new Error(`meltano.yml has no extractor ${tap}`);
    writeFileSync(yml, text.replace(entry, `${entry}      catalog: ${file}\n`));
  }

  /** Removes the project's temp folder (a failed test keeps it, for a look). */
  dispose(): void {
    rmSync(dirname(this.dir), { recursive: true, force: true });
  }

  /** The Singer state Meltano stored for `meltano run <tap> target-jsonl` in environment dev. */
  async state(tap: string): Promise<any> {
    const result = await this.meltano(['state', 'get', `dev:${tap}-to-target-jsonl`]);
    const json = result.stdout.trim().split('\n').filter((l) => l.startsWith('{')).pop();
    if (json === undefined) throw new Error(`meltano state get printed no JSON:\n${tail(result.stdout)}\n${tail(result.stderr)}`);
    return JSON.parse(json);
  }
}

/**
 * A number's exact value as plain decimal text, whatever its notation: target-jsonl re-serializes numbers through
 * Python's Decimal, which writes -0.000000000000000000000000000000000001 as -1E-36 (the same value).
 */
export function exactNumber(text: string): string {
  const m = /^([-+]?)(\d*)(?:\.(\d*))?(?:[eE]([-+]?\d+))?$/.exec(text.trim());
  if (!m) throw new Error(`not a number: ${text}`);
  const [, sign, int = '', frac = '', exp = '0'] = m;
  let digits = (int + frac).replace(/^0+/, '');
  if (digits === '') return '0';
  let exponent = Number(exp) - frac.length;
  const kept = digits.replace(/0+$/, '');
  exponent += digits.length - kept.length;
  digits = kept;
  let plain: string;
  if (exponent >= 0) plain = digits + '0'.repeat(exponent);
  else if (digits.length > -exponent) plain = `${digits.slice(0, exponent)}.${digits.slice(exponent)}`;
  else plain = `0.${'0'.repeat(-exponent - digits.length)}${digits}`;
  return (sign === '-' ? '-' : '') + plain;
}

export const exactNumbers = (value: any): any => {
  if (isLosslessNumber(value)) return exactNumber((value as LosslessNumber).value);
  if (Array.isArray(value)) return value.map(exactNumbers);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, exactNumbers(v)]));
  return value;
};

/** The rows target-jsonl wrote for a stream (numbers as exactNumber text); [] when it wrote no file. */
export function jsonlRows(folder: string, stream: string): Record<string, any>[] {
  const path = join(folder, `${stream}.jsonl`);
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => exactNumbers(parse(l)));
}

/** An attribute as the connector should emit it: numbers as exactNumber text, binary as base64. */
export function attributeJson(value: AttributeValue): unknown {
  if (value.S !== undefined) return value.S;
  if (value.N !== undefined) return exactNumber(value.N);
  if (value.BOOL !== undefined) return value.BOOL;
  if (value.NULL !== undefined) return null;
  if (value.B !== undefined) return Buffer.from(value.B).toString('base64');
  if (value.SS !== undefined) return [...value.SS].sort();
  if (value.NS !== undefined) return value.NS.map(exactNumber).sort();
  if (value.BS !== undefined) return value.BS.map((b) => Buffer.from(b).toString('base64')).sort();
  if (value.L !== undefined) return value.L.map(attributeJson);
  if (value.M !== undefined) return Object.fromEntries(Object.entries(value.M).map(([k, v]) => [k, attributeJson(v)]));
  throw new Error(`unexpected attribute value ${JSON.stringify(value)}`);
}

export const itemJson = (item: Record<string, AttributeValue>) => Object.fromEntries(Object.entries(item).map(([k, v]) => [k, attributeJson(v)]));

/** Every item of a table, straight from DynamoDB (not through the connector), as JSON. */
export async function tableItems(client: DynamoDBClient, table: string): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start, ConsistentRead: true }));
    for (const item of page.Items ?? []) items.push(itemJson(item));
    start = page.LastEvaluatedKey;
  } while (start !== undefined);
  return items;
}

/** Set-valued attributes come in no particular order: sort them (by their JSON) before comparing. */
export function withSortedSets(row: Record<string, any>, setAttributes: string[]): Record<string, any> {
  const out = { ...row };
  for (const name of setAttributes) if (Array.isArray(out[name])) out[name] = [...out[name]].sort();
  return out;
}
