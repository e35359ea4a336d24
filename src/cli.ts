#!/usr/bin/env node
// Command-line entry point: picks the protocol from the arguments (an Airbyte subcommand, or Singer flags), parses
// them, and hands them to the library's runners. Nothing else lives here.
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { runCommand, runSingerCommand, type CommandArgs, type SingerArgs } from './run.js';
import { packageVersion } from './util/packageFiles.js';

// The SDK warns on every run under Node 20 that future releases need Node 22; on stderr that reads like a fault
// of the connector in Airbyte's logs. Users can still turn it on explicitly.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const AIRBYTE_COMMANDS = new Set(['spec', 'check', 'discover', 'read']);

const interrupt = new AbortController();
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => interrupt.abort());
}
// A reader that closes the pipe early (`| head`) is not an error of ours.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

const argv = hideBin(process.argv);
const airbyte = argv.length === 0 || AIRBYTE_COMMANDS.has(argv[0]!) || argv[0] === '--help' || argv[0] === '--version';

// Live progress bars only for a person at a terminal; hosts read stderr as logs.
const env = { interrupt: interrupt.signal, progressTerminal: process.stderr.isTTY ? process.stderr : undefined };

const run = (args: CommandArgs) =>
  runCommand(args, process.stdout, env).then((code) => {
    process.exitCode = code;
  });

const runSinger = (args: SingerArgs) =>
  runSingerCommand(args, process.stdout, process.stderr, env).then((code) => {
    process.exitCode = code;
  });

if (airbyte) {
  await yargs(argv)
    .scriptName('source-dynamodb')
    .version(packageVersion())
    .command('spec', 'Print the connector specification', {}, () => run({ command: 'spec' }))
    .command('check', 'Check the connection and permissions', { config: { type: 'string', demandOption: true } }, (a) =>
      run({ command: 'check', config: a.config }),
    )
    .command('discover', 'Print the catalog of streams', { config: { type: 'string', demandOption: true } }, (a) =>
      run({ command: 'discover', config: a.config }),
    )
    .command(
      'read',
      'Read the configured streams',
      {
        config: { type: 'string', demandOption: true },
        catalog: { type: 'string', demandOption: true },
        state: { type: 'string' },
      },
      (a) => run({ command: 'read', config: a.config, catalog: a.catalog, state: a.state }),
    )
    .demandCommand(1, 'Choose a command: spec, check, discover or read (Airbyte), or Singer flags: --about, --config ... --discover, --config ... --catalog ...')
    .strict()
    .help()
    .parseAsync();
} else {
  const a = await yargs(argv)
    .scriptName('source-dynamodb')
    .version(packageVersion())
    .usage('Singer mode: source-dynamodb --about | --config c.json --discover | --config c.json --catalog cat.json [--state s.json]')
    .options({
      about: { type: 'boolean', describe: 'Print the name, capabilities and settings' },
      format: { choices: ['json', 'markdown'] as const, default: 'json' as const, describe: 'Format of --about' },
      config: { type: 'string', describe: 'Config file (the same as in Airbyte mode)' },
      discover: { type: 'boolean', describe: 'Print the Singer catalog' },
      catalog: { type: 'string', describe: 'Singer catalog of the streams to read' },
      properties: { type: 'string', describe: 'Old name of --catalog' },
      state: { type: 'string', describe: 'The value of the last STATE message of a previous run' },
    })
    .strict()
    .fail((message) => {
      process.stderr.write(`CRITICAL ${message}\n`);
      process.exit(2);
    })
    .help()
    .parseAsync();
  const catalog = a.catalog ?? a.properties;
  if (a.about) await runSinger({ command: 'about', format: a.format });
  else if (a.config === undefined) failUsage('--config is required (with --discover; with --catalog to sync; alone to sync every table)');
  else if (a.discover) await runSinger({ command: 'discover', config: a.config });
  else await runSinger({ command: 'sync', config: a.config, catalog, state: a.state });
}

function failUsage(message: string): void {
  process.stderr.write(`CRITICAL ${message}\n`);
  process.exitCode = 2;
}
