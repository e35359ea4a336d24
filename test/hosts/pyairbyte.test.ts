// The connector under PyAirbyte (the `airbyte` package), as a user runs it: get_source with a local executable,
// check, select_all_streams, read into PyAirbyte's default DuckDB cache; then a second, incremental read from the
// state PyAirbyte stored in that cache. PyAirbyte parses every message with the official protocol models, so this
// is also the second protocol check (the first is schemas/airbyte-messages.schema.json).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { connectorConfig, createTable, putItems, testClient, uniqueName } from '../support/dynamo.js';
import { EXECUTABLE, pyairbyte } from './pyairbyte.js';

const endpoint = inject('ddbEndpoint');
const client = testClient(endpoint);
const byKey = (rows: Record<string, any>[]) => new Map(rows.map((r) => [`${r.pk}#${Number(r.sk)}`, r]));

describe('PyAirbyte', () => {
  it('reads a table into its DuckDB cache, then only the changes, incrementally from its own stored state', { timeout: 600_000 }, async () => {
    const table = uniqueName('pyab');
    await createTable(client, table, { hash: ['pk', 'S'], range: ['sk', 'N'] });
    const at = (minute: number) => `2026-03-01T10:${String(minute).padStart(2, '0')}:00Z`;
    await putItems(client, table, [
      ...Array.from({ length: 5 }, (_, i) => ({
        pk: { S: `order-${i % 2}` },
        sk: { N: String(i + 1) },
        name: { S: `item ${i}` },
        price: { N: `${i}9.95` },
        qty: { N: String(10 * i) },
        active: { BOOL: i % 2 === 0 },
        tags: { SS: ['a', `t${i}`] },
        dims: { M: { w: { N: '2' }, unit: { S: 'cm' } } },
        updated_at: { S: at(i) },
      })),
      { pk: { S: 'order-9' }, sk: { N: '1' }, name: { S: 'ünïcødé ✓' }, price: { N: '0.5' }, updated_at: { S: at(5) } },
    ]);

    const workDir = mkdtempSync(join(tmpdir(), 'pyairbyte-'));
    const config = connectorConfig(endpoint, { include_tables: [table], scan_segments: 2 });
    const args = { executable: EXECUTABLE, config, cursors: { [table]: 'updated_at' } };

    // First read: everything.
    const first = await pyairbyte(workDir, args);
    expect(first.check).toBe('SUCCEEDED');
    expect(first.streams).toEqual([table]);
    expect(first.processed_records).toBe(6);
    const t1 = first.tables[table]!;
    expect(t1.rows).toHaveLength(6);
    const rows1 = byKey(t1.rows);
    expect([...rows1.keys()].sort()).toEqual(['order-0#1', 'order-0#3', 'order-0#5', 'order-1#2', 'order-1#4', 'order-9#1']);
    const item2 = rows1.get('order-0#3')!;
    expect(item2.name).toBe('item 2');
    expect(Number(item2.price)).toBe(29.95);
    expect(Number(item2.qty)).toBe(20);
    expect(item2.active).toBe(true);
    expect(rows1.get('order-1#2')!.active).toBe(false);
    expect(rows1.get('order-9#1')!.name).toBe('ünïcødé ✓');
    expect(rows1.get('order-9#1')!.qty ?? null).toBeNull();
    // The sort key is a number column, strings are text.
    expect(t1.columns.sk).toMatch(/DECIMAL|NUMERIC|DOUBLE|BIGINT|INTEGER|FLOAT/i);
    expect(t1.columns.name).toMatch(/VARCHAR|TEXT/i);
    // PyAirbyte stored the connector's STATE for the stream, with the cursor at the largest value read.
    expect(t1.state?.type).toBe('STREAM');
    expect(JSON.stringify(t1.state)).toContain(at(5));

    // Changes: one update, one insert; one item written now but with an older cursor value (not a change by the
    // cursor, so it must not arrive).
    await putItems(client, table, [
      { pk: { S: 'order-1' }, sk: { N: '2' }, name: { S: 'item 1 (renamed)' }, price: { N: '1.25' }, updated_at: { S: at(30) } },
      { pk: { S: 'order-7' }, sk: { N: '100' }, name: { S: 'new' }, price: { N: '7' }, updated_at: { S: at(31) } },
      { pk: { S: 'order-8' }, sk: { N: '1' }, name: { S: 'late' }, updated_at: { S: '2026-02-01T00:00:00Z' } },
    ]);

    const second = await pyairbyte(workDir, args);
    expect(second.processed_records).toBe(2);
    const t2 = second.tables[table]!;
    const rows2 = byKey(t2.rows);
    // Merged by the primary key (pk, sk): the update replaced its row, the insert added one.
    expect(t2.rows).toHaveLength(7);
    expect(rows2.get('order-1#2')!.name).toBe('item 1 (renamed)');
    expect(Number(rows2.get('order-1#2')!.price)).toBe(1.25);
    expect(rows2.get('order-7#100')!.name).toBe('new');
    expect(rows2.has('order-8#1')).toBe(false);
    // Only the two changed rows were extracted by the second read.
    const firstExtracted = Math.max(...t1.rows.map((r) => Date.parse(r._airbyte_extracted_at)));
    const changed = t2.rows.filter((r) => Date.parse(r._airbyte_extracted_at) > firstExtracted).map((r) => `${r.pk}#${Number(r.sk)}`);
    expect(changed.sort()).toEqual(['order-1#2', 'order-7#100']);
    expect(JSON.stringify(t2.state)).toContain(at(31));
    rmSync(workDir, { recursive: true, force: true });
  });
});
