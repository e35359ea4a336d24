// The npm package as Meltano and shell users install it: `npm pack` of the built repository, then
// `npm install -g` of that tarball into an empty prefix, then `source-dynamodb` from PATH, run outside the
// repository. The package ships the build (nothing is compiled at install) and its production dependencies come
// from the registry.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { jsonFile, numbersAsText, parseLine, records } from '../support/cli.js';
import { connectorConfig, createTable, putItems, testClient, uniqueName } from '../support/dynamo.js';
import { REPO_ROOT } from '../support/hosts.js';
import { run } from '../support/image.js';
import { protocolViolations } from '../support/protocol.js';

const endpoint = inject('ddbEndpoint');
const client = testClient(endpoint);
const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8'));

let prefix: string;
let packedFiles: string[];
/** A directory outside the repository, where the installed command is run. */
const elsewhere = mkdtempSync(join(tmpdir(), 'source-dynamodb-user-'));

function installed(args: string[]) {
  return run('source-dynamodb', args, {
    cwd: elsewhere,
    env: { ...process.env, PATH: `${join(prefix, 'bin')}:${process.env.PATH ?? ''}` },
    timeoutMs: 120_000,
  }).then((r) => {
    const lines = r.stdout.split('\n').filter((l) => l !== '');
    return { ...r, lines, messages: lines.map((l) => parseLine(l)) };
  });
}

beforeAll(async () => {
  const packDir = mkdtempSync(join(tmpdir(), 'source-dynamodb-pack-'));
  const pack = await run('npm', ['pack', '--json', '--pack-destination', packDir], { cwd: REPO_ROOT, timeoutMs: 120_000 });
  expect(pack.code, pack.stderr).toBe(0);
  const [info] = JSON.parse(pack.stdout);
  packedFiles = info.files.map((f: { path: string }) => f.path);
  prefix = mkdtempSync(join(tmpdir(), 'source-dynamodb-prefix-'));
  const install = await run('npm', ['install', '-g', '--prefix', prefix, '--no-audit', '--no-fund', join(packDir, info.filename)], {
    cwd: elsewhere,
    timeoutMs: 300_000,
  });
  expect(install.code, install.stderr.slice(-4000)).toBe(0);
}, 420_000);

describe('npm pack, then npm install -g into an empty prefix', () => {
  it('packs the build, the spec and the package metadata; no sources, tests or install-time compilation', () => {
    expect(packedFiles).toContain('dist/src/cli.js');
    expect(packedFiles).toContain('schemas/spec.json');
    expect(packedFiles).toContain('package.json');
    expect(packedFiles.filter((f) => /^(src|test|bench|scripts)\//.test(f) || (f.endsWith('.ts') && !f.endsWith('.d.ts')))).toEqual([]);
    for (const script of ['preinstall', 'install', 'postinstall', 'prepare']) expect(pkg.scripts?.[script]).toBeUndefined();
    expect(existsSync(join(prefix, 'bin', 'source-dynamodb'))).toBe(true);
  });

  it('source-dynamodb spec and --about run from PATH', async () => {
    const spec = await installed(['spec']);
    expect(spec.code).toBe(0);
    expect(protocolViolations(spec.messages)).toEqual([]);
    expect(numbersAsText(spec.messages.find((m) => m.type === 'SPEC').spec)).toEqual(
      numbersAsText(parseLine(readFileSync(join(REPO_ROOT, 'schemas', 'spec.json'), 'utf8'))),
    );
    const about = await installed(['--about']);
    expect(about.code).toBe(0);
    expect(JSON.parse(about.stdout).name).toBe('source-dynamodb');
    expect(JSON.parse(about.stdout).capabilities).toContain('discover');
  });

  it('source-dynamodb check and read work against DynamoDB Local', async () => {
    const table = uniqueName('npm_pkg');
    await createTable(client, table, { hash: ['pk', 'S'] });
    await putItems(client, table, [
      { pk: { S: 'a' }, n: { N: '12345678901234567890123456789012345678' } },
      { pk: { S: 'b' }, tags: { SS: ['x', 'y'] } },
    ]);
    const config = jsonFile(connectorConfig(endpoint, { include_tables: [table] }));
    const check = await installed(['check', '--config', config]);
    expect(check.messages.find((m) => m.type === 'CONNECTION_STATUS').connectionStatus.status).toBe('SUCCEEDED');
    const discover = await installed(['discover', '--config', config]);
    const stream = discover.messages.find((m) => m.type === 'CATALOG').catalog.streams[0];
    const catalog = { streams: [{ stream, sync_mode: 'full_refresh', destination_sync_mode: 'overwrite' }] };
    const read = await installed(['read', '--config', config, '--catalog', jsonFile(catalog)]);
    expect(read.code).toBe(0);
    expect(protocolViolations(read.messages)).toEqual([]);
    const rows = records(read.messages, table).sort((x: any, y: any) => (x.pk < y.pk ? -1 : 1));
    expect(rows).toEqual([
      { pk: 'a', n: '12345678901234567890123456789012345678' },
      { pk: 'b', tags: ['x', 'y'] },
    ]);
  });
});
