// Runs the built CLI (dist/src/cli.js) as a child process, the way Airbyte does, and parses its stdout with a
// lossless JSON parser so that 38-digit numbers can be checked digit for digit.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isLosslessNumber, parse, type LosslessNumber } from 'lossless-json';

export const CLI = join(import.meta.dirname, '..', '..', 'dist', 'src', 'cli.js');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  lines: string[];
  /** Every stdout line parsed; numbers are LosslessNumber. */
  messages: any[];
  stderr: string;
}

/** Writes JSON inputs to temp files (any extension works; .txt like PyAirbyte) and returns their paths. */
export function jsonFile(value: unknown, name = 'input.json'): string {
  const dir = mkdtempSync(join(tmpdir(), 'source-dynamodb-test-'));
  const path = join(dir, name);
  writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value));
  return path;
}

export function runCli(args: string[], options: { env?: Record<string, string>; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 110_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const lines = stdout.split('\n').filter((l) => l !== '');
      // A line that is not JSON fails the test at once (a throw here would leave the promise pending forever).
      try {
        resolve({ code, signal, lines, messages: lines.map((l) => parseLine(l)), stderr });
      } catch (err) {
        reject(err);
      }
    });
  });
}

export function parseLine(line: string): any {
  try {
    return parse(line);
  } catch (err) {
    throw new Error(`stdout line is not JSON: ${line.slice(0, 200)} (${(err as Error).message})`);
  }
}

/** Converts lossless numbers to their exact text, so data can be compared with deep equality. */
export function numbersAsText(value: any): any {
  if (isLosslessNumber(value)) return (value as LosslessNumber).value;
  if (Array.isArray(value)) return value.map(numbersAsText);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, numbersAsText(v)]));
  return value;
}

export const ofType = (messages: any[], type: string) => messages.filter((m) => m.type === type);
export const records = (messages: any[], stream?: string) =>
  ofType(messages, 'RECORD').filter((m) => stream === undefined || m.record.stream === stream).map((m) => numbersAsText(m.record.data));
export const traces = (messages: any[], type: string) => ofType(messages, 'TRACE').filter((m) => m.trace.type === type).map((m) => m.trace);

/** A configured catalog reading each named table in full refresh (overwrite). */
export const fullRefreshCatalog = (...streams: string[]) => ({
  streams: streams.map((name) => ({
    stream: { name, json_schema: {}, supported_sync_modes: ['full_refresh'] },
    sync_mode: 'full_refresh',
    destination_sync_mode: 'overwrite',
  })),
});

/** What the UI would configure from discover: incremental + append_dedup, the cursor left to the source (or, as
 *  Airbyte may send it, set to the source-defined one). */
export const cdcCatalog = (name: string, primaryKey: string[][], cursorField?: string[]) => ({
  streams: [
    {
      stream: {
        name,
        json_schema: {},
        supported_sync_modes: ['full_refresh', 'incremental'],
        source_defined_cursor: true,
        default_cursor_field: ['_ab_cdc_cursor'],
        source_defined_primary_key: primaryKey,
      },
      sync_mode: 'incremental',
      ...(cursorField ? { cursor_field: cursorField } : {}),
      destination_sync_mode: 'append_dedup',
      primary_key: primaryKey,
    },
  ],
});
