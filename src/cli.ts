#!/usr/bin/env node
// Command-line entry point: parses arguments and hands them to runCommand. Nothing else lives here.
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { runCommand, type CommandArgs } from './run.js';

// The SDK warns on every run under Node 20 that future releases need Node 22; on stderr that reads like a fault
// of the connector in Airbyte's logs. Users can still turn it on explicitly.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const interrupt = new AbortController();
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => interrupt.abort());
}
// A reader that closes the pipe early (`| head`) is not an error of ours.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

const run = (args: CommandArgs) =>
  runCommand(args, process.stdout, interrupt.signal).then((code) => {
    process.exitCode = code;
  });

await yargs(hideBin(process.argv))
  .scriptName('source-dynamodb')
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
  .demandCommand(1, 'Choose a command: spec, check, discover or read')
  .strict()
  .help()
  .parseAsync();
