// Schema drift through the real CLI: items written after discover carry an attribute discover never saw and a
// number attribute holding strings. Singer: an updated SCHEMA goes out before the first RECORD needing it, and no
// value is dropped. Airbyte: every value passes, and WARN logs name the attributes, with counts at the stream's end.
import { describe, expect, inject, it } from 'vitest';
import { jsonFile, numbersAsText, ofType, records, runCli } from '../support/cli.js';
import { connectorConfig, createTable, putItems, testClient, uniqueName } from '../support/dynamo.js';

const endpoint = inject('ddbEndpoint');
const client = testClient(endpoint);

const typesOf = (property: any): string[] => (property === undefined ? [] : Array.isArray(property.type) ? property.type : [property.type]);

async function driftingTable(): Promise<string> {
  const table = uniqueName('drift');
  await createTable(client, table, { hash: ['pk', 'S'] });
  await putItems(client, table, Array.from({ length: 6 }, (_, i) => ({ pk: { S: `a${i}` }, score: { N: String(i) }, name: { S: `n${i}` } })));
  return table;
}

async function addDrift(table: string): Promise<void> {
  await putItems(client, table, [
    ...Array.from({ length: 10 }, (_, i) => ({ pk: { S: `b${i}` }, score: { N: `${i}.5` }, name: { S: `m${i}` } })),
    { pk: { S: 'c0' }, score: { S: 'n/a' }, color: { S: 'red' } },
    { pk: { S: 'c1' }, score: { N: '12345678901234567890123456789012345678' }, color: { S: 'blue' }, 'odd "name"': { BOOL: true } },
  ]);
}

describe('schema drift', () => {
  it('Singer: an updated SCHEMA before the first RECORD with a new attribute or a new type; every value arrives', { timeout: 120_000 }, async () => {
    const table = await driftingTable();
    const config = jsonFile(connectorConfig(endpoint, { include_tables: [table], page_size: 3, scan_segments: 1 }));
    const discovered = await runCli(['--config', config, '--discover']);
    const catalog = discovered.messages[0];
    expect(typesOf(catalog.streams[0].schema.properties.score)).toEqual(['integer', 'null']);
    await addDrift(table);

    const run = await runCli(['--config', config, '--catalog', jsonFile(catalog)]);
    expect(run.code).toBe(0);
    // Walk the messages as a target does: each RECORD must fit the last SCHEMA of its stream.
    let schema: any;
    let schemas = 0;
    const seen: any[] = [];
    for (const m of run.messages) {
      if (m.type === 'SCHEMA') {
        schema = m.schema;
        schemas++;
        expect(m.key_properties).toEqual(['pk']);
      }
      if (m.type !== 'RECORD') continue;
      const record = numbersAsText(m.record);
      seen.push(record);
      for (const [name, value] of Object.entries(record)) {
        expect(Object.hasOwn(schema.properties, name), `SCHEMA names ${name} before a RECORD has it`).toBe(true);
        const types = typesOf(schema.properties[name]);
        const kind = typeof m.record[name] === 'string' ? 'string' : typeof m.record[name] === 'boolean' ? 'boolean' : String(value).includes('.') || String(value).length > 18 ? 'number' : 'integer';
        expect(types.includes(kind) || (kind === 'integer' && types.includes('number')), `${name}: ${kind} allowed by ${JSON.stringify(types)}`).toBe(true);
      }
    }
    expect(schemas).toBeGreaterThan(1);
    expect(seen).toHaveLength(18);
    expect(seen.find((r) => r.pk === 'c0')).toEqual({ pk: 'c0', score: 'n/a', color: 'red' });
    expect(seen.find((r) => r.pk === 'c1')).toEqual({ pk: 'c1', score: '12345678901234567890123456789012345678', color: 'blue', 'odd "name"': true });
    expect(typesOf(schema.properties.color)).toEqual(['string', 'null']);
    expect(typesOf(schema.properties.score)).toEqual(['string', 'number', 'null']);
    expect(run.stderr).toMatch(/WARN Stream drift_\w+: records had attributes outside the catalog's schema: .*"color" \(not in the schema: string in 2 records\)/);
    expect(run.stderr).toMatch(/"score" \(integer in the schema; string in 1 record, number in 11 records\)/);
  });

  it('Airbyte: the values pass with the configured schema left open, and WARNs name the attributes and count them', { timeout: 120_000 }, async () => {
    const table = await driftingTable();
    const config = jsonFile(connectorConfig(endpoint, { include_tables: [table], page_size: 3, scan_segments: 1 }));
    const discovered = await runCli(['discover', '--config', config]);
    const stream = ofType(discovered.messages, 'CATALOG')[0].catalog.streams[0];
    await addDrift(table);
    const configured = { streams: [{ stream, sync_mode: 'full_refresh', destination_sync_mode: 'overwrite' }] };

    const run = await runCli(['read', '--config', config, '--catalog', jsonFile(configured)]);
    expect(run.code).toBe(0);
    const rows = records(run.messages, table);
    expect(rows).toHaveLength(18);
    expect(rows.find((r: any) => r.pk === 'c0')).toEqual({ pk: 'c0', score: 'n/a', color: 'red' });
    const warnings = ofType(run.messages, 'LOG').filter((m: any) => m.log.level === 'WARN').map((m: any) => m.log.message as string);
    expect(warnings.some((w) => w.includes('attribute "color" (string) is not in the catalog\'s schema'))).toBe(true);
    expect(warnings.some((w) => w.includes('attribute "score" holds string'))).toBe(true);
    const summary = warnings.find((w) => w.includes("records had attributes outside the catalog's schema"));
    expect(summary).toContain('"color" (not in the schema: string in 2 records)');
    expect(summary).toContain('"odd \\"name\\"" (not in the schema: boolean in 1 record)');
    expect(summary).toContain('"score" (integer in the schema; string in 1 record, number in 11 records)');
    // Nothing is said when the catalog's schema covers every record.
    const quiet = await runCli(['read', '--config', config, '--catalog', jsonFile({ streams: [{ ...configured.streams[0], stream: { ...stream, json_schema: {} } }] })]);
    expect(ofType(quiet.messages, 'LOG').filter((m: any) => m.log.level === 'WARN')).toEqual([]);
  });
});
