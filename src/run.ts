// Runs one command for the CLI: loads the JSON files it was given, streams the command's messages to the single
// writer, and works out the exit code (non-zero once an ERROR trace went out).
import { readFile } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { toErrorTrace } from './commands/guard.js';
import { configError } from './errors/ConnectorError.js';
import { check, discover, read, spec } from './index.js';
import type { Message } from './protocol/airbyte/messages.js';
import { MessageWriter } from './protocol/writer.js';

export type CommandArgs =
  | { command: 'spec' }
  | { command: 'check'; config: string }
  | { command: 'discover'; config: string }
  | { command: 'read'; config: string; catalog: string; state?: string | undefined };

export async function runCommand(args: CommandArgs, out: Writable, interrupt: AbortSignal): Promise<number> {
  const writer = new MessageWriter(out);
  let failed = false;
  try {
    for await (const message of await messagesFor(args, interrupt)) {
      if (message.type === 'TRACE' && message.trace.type === 'ERROR') failed = true;
      await writer.write(message);
    }
  } catch (err) {
    failed = true;
    await writer.write(toErrorTrace(err));
  }
  await writer.close();
  return failed ? 1 : 0;
}

async function messagesFor(args: CommandArgs, interrupt: AbortSignal): Promise<AsyncIterable<Message>> {
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
      return read(config, catalog, state, { interrupt });
    }
  }
}

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
