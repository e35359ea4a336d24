// The plainest Singer host: a shell pipe, tap | target.
//   node dist/src/cli.js --config c.json --catalog cat.json | target-jsonl --config t.json
// The file target-jsonl writes must be the table, item for item and digit for digit.
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { CLI } from '../support/cli.js';
import { connectorConfig, createTable, putItems, testClient, uniqueName } from '../support/dynamo.js';
import { hostBin } from '../support/hosts.js';
import { jsonlRows, run, tableItems, withSortedSets } from './singer.js';

const endpoint = inject('ddbEndpoint');
const client = testClient(endpoint);
const quote = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;

describe('shell pipe into target-jsonl', () => {
  it('reproduces the table', { timeout: 300_000 }, async () => {
    const targetJsonl = hostBin('target-jsonl', 'target-jsonl');
    const table = uniqueName('pipe');
    await createTable(client, table, { hash: ['id', 'S'], range: ['n', 'N'] });
    const items: Record<string, AttributeValue>[] = Array.from({ length: 120 }, (_, i) => ({
      id: { S: `id-${i % 7}` },
      n: { N: String(i) },
      text: { S: i % 11 === 0 ? `ünïcødé "quoted" \\ ${i}` : `row ${i}` },
      big: { N: i % 2 ? '12345678901234567890123456789012345678' : '-0.000000000000000000000000000000000001' },
      price: { N: `${i}.5` },
      ok: { BOOL: i % 3 === 0 },
      ...(i % 4 === 0 ? { nothing: { NULL: true } } : {}),
      ...(i % 5 === 0 ? { tags: { SS: ['b', 'a', `t${i}`] }, nums: { NS: ['3', '1.5', String(i)] } } : {}),
      blob: { B: Buffer.from([i, 0, 255, 10]) },
      nested: { M: { list: { L: [{ S: 'x' }, { N: String(i * 1000) }, { M: { deep: { BOOL: true } } }] }, empty: { M: {} } } },
    }));
    await putItems(client, table, items);

    const dir = mkdtempSync(join(tmpdir(), 'singer-pipe-'));
    const config = join(dir, 'c.json');
    writeFileSync(config, JSON.stringify(connectorConfig(endpoint, { include_tables: [table], scan_segments: 3, page_size: 17 })));
    // The catalog as --discover prints it, with the stream selected (what a user or an orchestrator does).
    const discovered = await run(process.execPath, [CLI, '--config', config, '--discover']);
    expect(discovered.code, discovered.stderr).toBe(0);
    const catalog = JSON.parse(discovered.stdout);
    expect(catalog.streams.map((s: any) => s.tap_stream_id)).toEqual([table]);
    catalog.streams[0].metadata.find((m: any) => m.breadcrumb.length === 0).metadata.selected = true;
    writeFileSync(join(dir, 'cat.json'), JSON.stringify(catalog));
    writeFileSync(join(dir, 't.json'), JSON.stringify({ destination_path: join(dir, 'out'), do_timestamp_file: false }));

    const pipe = `set -o pipefail; ${quote(process.execPath)} ${quote(CLI)} --config c.json --catalog cat.json | ${quote(targetJsonl)} --config t.json`;
    const result = await run('bash', ['-c', pipe], { cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    // target-jsonl prints the last STATE it received: the tap's, {"bookmarks": {...}}.
    expect(JSON.parse(result.stdout.trim().split('\n').pop()!)).toHaveProperty(['bookmarks', table]);

    const sets = ['tags', 'nums'];
    const key = (r: Record<string, any>) => `${r.id}#${String(r.n).padStart(5, '0')}`;
    const sortRows = (rows: Record<string, any>[]) => rows.map((r) => withSortedSets(r, sets)).sort((a, b) => (key(a) < key(b) ? -1 : 1));
    const written = jsonlRows(join(dir, 'out'), table);
    expect(written).toHaveLength(120);
    expect(sortRows(written)).toEqual(sortRows(await tableItems(client, table)));
    rmSync(dir, { recursive: true, force: true });
  });
});
