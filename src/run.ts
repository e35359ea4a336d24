// Runs one command for the CLI: loads the JSON files it was given, streams the command's output to the single
// stdout writer, and works out the exit code (non-zero once an error went out). Airbyte mode: every line on stdout
// is an Airbyte message. Singer mode: stdout holds only Singer messages; logs and CRITICAL errors go to stderr.
import { readFile } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { toErrorTrace } from './commands/guard.js';
import { criticalLine, singerAbout, singerDiscover, singerSync } from './commands/singer.js';
import { configError } from './errors/ConnectorError.js';
import { check, discover, readBatched, spec, type ReadOptions } from './index.js';
import type { Output } from './protocol/airbyte/messages.js';
import { serializeOutput } from './protocol/airbyte/serialize.js';
import type { SingerOutput } from './protocol/singer/fromEvents.js';
import { LineWriter } from './protocol/writer.js';

export type CommandArgs =
  | { command: 'spec' }
  | { command: 'check'; config: string }
  | { command: 'discover'; config: string }
  | { command: 'read'; config: string; catalog: string; state?: string | undefined };

export type SingerArgs =
  | { command: 'about'; format: 'json' | 'markdown' }
  | { command: 'discover'; config: string }
  | { command: 'sync'; config: string; catalog?: string | undefined; state?: string | undefined };

/** Where a run's side output goes: a terminal for live progress bars, when stderr is one. */
export interface RunEnvironment {
  interrupt: AbortSignal;
  progressTerminal?: Writable | undefined;
}

export async function runCommand(args: CommandArgs, out: Writable, env: RunEnvironment): Promise<number> {
  const writer = new LineWriter(out);
  let failed = false;
  const write = async (output: Output) => {
    if (output.type === 'TRACE' && output.trace.type === 'ERROR') failed = true;
    if (output.type === 'RECORD_BATCH' && output.texts.length === 0) return;
    await writer.write(serializeOutput(output), output.type !== 'RECORD' && output.type !== 'RECORD_BATCH');
  };
  try {
    for await (const message of await messagesFor(args, env)) await write(message);
  } catch (err) {
    await write(toErrorTrace(err));
  }
  await writer.close();
  return failed ? 1 : 0;
}

export async function runSingerCommand(args: SingerArgs, out: Writable, err: Writable, env: RunEnvironment): Promise<number> {
  const writer = new LineWriter(out);
  let failed = false;
  const emit = async (output: SingerOutput) => {
    if (output.to === 'stdout') return writer.write(output.line, output.urgent);
    if (output.critical) failed = true;
    // Flushed first, so stderr lines sit next to the stdout lines they concern when both go to one terminal.
    await writer.flush();
    err.write(output.line + '\n');
  };
  try {
    for await (const output of await singerOutputsFor(args, env)) await emit(output);
  } catch (error) {
    await emit(criticalLine(error));
  }
  await writer.close();
  return failed ? 1 : 0;
}

async function messagesFor(args: CommandArgs, env: RunEnvironment): Promise<AsyncIterable<Output>> {
  switch (args.command) {
    case 'spec':
      return spec();
    case 'check':
      return check(await readJsonFile(args.config, 'config'));
    case 'discover':
      return discover(await readJsonFile(args.config, 'config'));
    case 'read': {
      const config = await readJsonFile(args.config, 'config');
      const catalog = await readJsonFile(args.catalog, 'catalog');
      const state = args.state === undefined ? undefined : await readJsonFile(args.state, 'state', { emptyAs: [] });
      return readBatched(config, catalog, state, readOptions(env));
    }
  }
}

async function singerOutputsFor(args: SingerArgs, env: RunEnvironment): Promise<AsyncIterable<SingerOutput>> {
  switch (args.command) {
    case 'about':
      return singerAbout(args.format);
    case 'discover':
      return singerDiscover(await readJsonFile(args.config, 'config'));
    case 'sync': {
      const config = await readJsonFile(args.config, 'config');
      const catalog = args.catalog === undefined ? undefined : await readJsonFile(args.catalog, 'catalog');
      const state = args.state === undefined ? undefined : await readJsonFile(args.state, 'state', { emptyAs: {} });
      return singerSync(config, catalog, state, readOptions(env));
    }
  }
}

const readOptions = (env: RunEnvironment): ReadOptions => ({
  interrupt: env.interrupt,
  ...(env.progressTerminal !== undefined ? { progressTerminal: env.progressTerminal } : {}),
});

/** Any extension is accepted (PyAirbyte passes .txt); an empty state file means no state. */
async function readJsonFile(path: string, what: string, options: { emptyAs?: unknown } = {}): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw configError(`Cannot read the ${what} file ${path}: ${(err as Error).message}`);
  }
  if (text.trim() === '' && 'emptyAs' in options) return options.emptyAs;
  try {
    return JSON.parse(text);
  } catch (err) {
    throw configError(`The ${what} file ${path} is not valid JSON: ${(err as Error).message}`);
  }
}
