// discover end to end: pagination past 100 tables, filters, key shapes, every attribute type, and a sample spread
// over the key space.
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { jsonFile, ofType, runCli } from '../support/cli.js';
import { connectorConfig, createTable, putItems, testClient, uniqueName } from '../support/dynamo.js';
import { protocolViolations } from '../support/protocol.js';

const endpoint = inject('ddbEndpoint');
const client = testClient(endpoint);

async function discover(config: Record<string, unknown>) {
  const result = await runCli(['discover', '--config', jsonFile(connectorConfig(endpoint, config))]);
  expect(protocolViolations(result.messages)).toEqual([]);
  expect(result.code).toBe(0);
  const catalogs = ofType(result.messages, 'CATALOG');
  expect(catalogs).toHaveLength(1);
  return { streams: JSON.parse(result.lines.find((l) => l.includes('"CATALOG"'))!).catalog.streams as any[], result };
}

describe('discover', () => {
  it('lists more than 100 tables (ListTables is paginated) and applies include/exclude globs', async () => {
    const prefix = uniqueName('many');
    const names = Array.from({ length: 105 }, (_, i) => `${prefix}_${String(i).padStart(3, '0')}`);
    for (const name of names) await createTable(client, name, { hash: ['id', 'S'] });
    const all = await discover({ include_tables: [`${prefix}_*`], discovery_sample_size: 0 });
    expect(all.streams.map((s) => s.name).sort()).toEqual(names);

    const filtered = await discover({ include_tables: [`${prefix}_00?`, `${prefix}_104`], exclude_tables: [`${prefix}_003`], discovery_sample_size: 0 });
    expect(filtered.streams.map((s) => s.name).sort()).toEqual(
      [...names.slice(0, 10).filter((n) => !n.endsWith('_003')), `${prefix}_104`].sort(),
    );
  });

  it('describes hash-only and composite keys of S, N and B type', async () => {
    const hashOnly = uniqueName('hashonly');
    const composite = uniqueName('composite');
    const binary = uniqueName('binary');
    await createTable(client, hashOnly, { hash: ['id', 'N'] });
    await createTable(client, composite, { hash: ['tenant', 'S'], range: ['seq', 'N'] });
    await createTable(client, binary, { hash: ['hash', 'B'], range: ['when', 'S'] });
    const { streams } = await discover({ include_tables: [hashOnly, composite, binary] });
    const byName = Object.fromEntries(streams.map((s) => [s.name, s]));

    expect(byName[hashOnly].source_defined_primary_key).toEqual([['id']]);
    expect(byName[hashOnly].json_schema.required).toEqual(['id']);
    expect(byName[hashOnly].json_schema.properties.id).toEqual({ type: 'number' });

    expect(byName[composite].source_defined_primary_key).toEqual([['tenant'], ['seq']]);
    expect(byName[composite].json_schema.required).toEqual(['tenant', 'seq']);

    expect(byName[binary].source_defined_primary_key).toEqual([['hash'], ['when']]);
    expect(byName[binary].json_schema.properties.hash).toEqual({ type: 'string', contentEncoding: 'base64' });

    for (const stream of streams) {
      expect(stream.supported_sync_modes).toContain('full_refresh');
      expect(stream.is_resumable).toBe(true);
      expect(stream.json_schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
      expect(stream.json_schema.additionalProperties).toBe(true);
    }
  });

  it('infers every attribute type, sparse and mixed-type attributes from the sample', async () => {
    const table = uniqueName('types');
    await createTable(client, table, { hash: ['pk', 'S'] });
    await putItems(client, table, [
      {
        pk: { S: 'a' }, s: { S: 'x' }, n: { N: '1' }, f: { N: '0.5' }, b: { B: new Uint8Array([1]) }, t: { BOOL: true },
        z: { NULL: true }, ss: { SS: ['x'] }, ns: { NS: ['1'] }, bs: { BS: [new Uint8Array([2])] },
        l: { L: [{ S: 'x' }, { N: '2' }] }, m: { M: { inner: { S: 'y' } } }, mixed: { S: 'text' },
      },
      { pk: { S: 'b' }, mixed: { N: '12' }, sparse: { BOOL: false }, m: { M: { other: { N: '1.5' } } } },
    ]);
    const { streams } = await discover({ include_tables: [table] });
    const p = streams[0].json_schema.properties;
    expect(p.pk).toEqual({ type: 'string' });
    expect(p.s.type).toEqual(['string', 'null']);
    expect(p.n.type).toEqual(['integer', 'null']);
    expect(p.f.type).toEqual(['number', 'null']);
    expect(p.b).toEqual({ type: ['string', 'null'], contentEncoding: 'base64' });
    expect(p.t.type).toEqual(['boolean', 'null']);
    expect(p.z.type).toEqual('null');
    expect(p.ss).toEqual({ type: ['array', 'null'], items: { type: 'string' } });
    expect(p.ns).toEqual({ type: ['array', 'null'], items: { type: 'integer' } });
    expect(p.bs).toEqual({ type: ['array', 'null'], items: { type: 'string', contentEncoding: 'base64' } });
    expect(p.l).toEqual({ type: ['array', 'null'], items: { type: ['string', 'integer'] } });
    expect(p.m.properties).toEqual({ inner: { type: ['string', 'null'] }, other: { type: ['number', 'null'] } });
    expect(p.mixed.type).toEqual(['string', 'integer', 'null']);
    expect(p.sparse.type).toEqual(['boolean', 'null']);
  });

  it('samples across the key space, not the first items of one scan', async () => {
    const table = uniqueName('spread');
    await createTable(client, table, { hash: ['pk', 'S'] });
    // Each item carries an attribute named after itself, so the schema tells which items were sampled.
    await putItems(client, table, Array.from({ length: 800 }, (_, i) => ({ pk: { S: `k${i}` }, [`only_${i}`]: { S: 'x' } })));
    const { streams } = await discover({ include_tables: [table], discovery_sample_size: 80 });
    const sampled = Object.keys(streams[0].json_schema.properties).filter((n) => n.startsWith('only_')).map((n) => `k${n.slice(5)}`);
    expect(sampled).toHaveLength(80);

    // Which of 8 segments holds each sampled key?
    const segmentOf = new Map<string, number>();
    for (let segment = 0; segment < 8; segment++) {
      let start: any;
      do {
        const page = await client.send(new ScanCommand({ TableName: table, Segment: segment, TotalSegments: 8, ExclusiveStartKey: start }));
        for (const item of page.Items ?? []) segmentOf.set(item.pk!.S!, segment);
        start = page.LastEvaluatedKey;
      } while (start);
    }
    const segmentsHit = new Set(sampled.map((k) => segmentOf.get(k)));
    expect(segmentsHit.size).toBeGreaterThanOrEqual(6);
    // A plain first-80 scan would be a single run in scan order: the sample is not that run.
    const firstPage = await client.send(new ScanCommand({ TableName: table, Limit: 80 }));
    const firstKeys = new Set((firstPage.Items ?? []).map((i) => i.pk!.S!));
    expect(sampled.filter((k) => firstKeys.has(k)).length).toBeLessThan(80);
  });
});
