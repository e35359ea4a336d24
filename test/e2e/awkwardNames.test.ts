// Attribute names are data: an attribute named `__proto__` (at the top and nested in maps and lists), `constructor`
// or "0" reaches discover's schema, every row of a Streams-mode sync (snapshot, INSERT, MODIFY, REMOVE) and every
// row of a full refresh by export, and every row of an incremental by Query on a cursor index (the index's own items
// and BatchGetItem's), through the built CLI on DynamoDB Local (with the export emulator and s3rver). The items are written as raw wire JSON, since the SDK's own marshalling would
// define a `__proto__` member away before it was sent.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createSignedJsonRpc, type SdkClientLike } from '../../src/aws/signedJsonRpc.js';
import { cdcCatalog, fullRefreshCatalog, jsonFile, runCli } from '../support/cli.js';
import { connectorConfig, createTable, testClient, uniqueName } from '../support/dynamo.js';
import { startExportEmulator, type ExportEmulator } from '../support/exportEmulator.js';
import { startS3Server, type RunningS3Server } from '../support/s3Server.js';

const endpoint = inject('ddbEndpoint');
const client = testClient(endpoint);
const rpc = createSignedJsonRpc(client as unknown as SdkClientLike);
let s3: RunningS3Server;
let emulator: ExportEmulator;

beforeAll(async () => {
  s3 = await startS3Server('exports');
  emulator = await startExportEmulator({ ddbEndpoint: endpoint, s3Endpoint: s3.endpoint });
});

afterAll(async () => {
  rpc.destroy();
  await emulator?.close();
  await s3?.close();
});

const CDC_COLUMNS = new Set(['_ab_cdc_cursor', '_ab_cdc_updated_at', '_ab_cdc_deleted_at', '_ab_cdc_deleted_by_ttl']);

/** A member by name, `__proto__` included (JSON.parse keeps it as an own member). */
const member = (o: unknown, name: string): unknown => Object.getOwnPropertyDescriptor(o, name)?.value;

/** A value as text with every object's members sorted by name (DynamoDB keeps its own attribute order). */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value !== 'object' || value === null) return JSON.stringify(value);
  const members = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${members.map(([name, v]) => `${JSON.stringify(name)}:${canonical(v)}`).join(',')}}`;
}

/** The row without its CDC columns, canonical. */
const dataText = (row: object) => canonical(Object.fromEntries(Object.entries(row).filter(([name]) => !CDC_COLUMNS.has(name))));
/** The same of a row written as JSON text. */
const expected = (text: string) => canonical(JSON.parse(text));

/** The exact text of a RECORD line's data (data is followed by emitted_at). */
const recordDataText = (line: string) => line.slice(line.indexOf(',"data":') + 8, line.lastIndexOf(',"emitted_at":'));

const put = (table: string, item: string) => rpc.call('DynamoDB_20120810.PutItem', `{"TableName":${JSON.stringify(table)},"Item":${item}}`);
const remove = (table: string, key: string) => rpc.call('DynamoDB_20120810.DeleteItem', `{"TableName":${JSON.stringify(table)},"Key":${key}}`);

async function cli(args: string[]) {
  const result = await runCli(args);
  expect(result.code, result.stderr).toBe(0);
  // Plain JSON.parse: it keeps `__proto__` members, as a destination's JSON reader does.
  return result.lines.map((l) => JSON.parse(l) as any);
}

describe('attribute names that are JavaScript property names', () => {
  it('reach the schema and every row of a Streams-mode sync: snapshot, INSERT, MODIFY and REMOVE', async () => {
    const table = uniqueName('awkward');
    await createTable(client, table, { hash: ['pk', 'S'] }, { StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' } });
    await put(table, '{"pk":{"S":"a"},"__proto__":{"M":{"__proto__":{"S":"deep"},"0":{"N":"1"}}},"constructor":{"S":"c"},"l":{"L":[{"M":{"__proto__":{"BOOL":true}}}]}}');
    const config = jsonFile(connectorConfig(endpoint, { include_tables: [table], replication: { mode: 'dynamodb_streams', max_stream_read_seconds: 20 } }));

    const [catalog] = (await cli(['discover', '--config', config])).filter((m) => m.type === 'CATALOG');
    const schema = catalog.catalog.streams[0].json_schema;
    expect(Object.keys(schema.properties).filter((name) => !CDC_COLUMNS.has(name)).sort()).toEqual(['__proto__', 'constructor', 'l', 'pk']);
    const proto = member(schema.properties, '__proto__') as { properties: object };
    expect(Object.keys(proto.properties).sort()).toEqual(['0', '__proto__']);
    expect(member(proto.properties, '__proto__')).toEqual({ type: ['string', 'null'] });

    const catalogFile = jsonFile(cdcCatalog(table, [['pk']]));
    const first = await cli(['read', '--config', config, '--catalog', catalogFile]);
    const snapshot = first.filter((m) => m.type === 'RECORD').map((m) => m.record.data);
    // The snapshot's row, and the INSERT the stream holds of the same write.
    expect(snapshot.length).toBeGreaterThanOrEqual(1);
    for (const row of snapshot) expect(dataText(row)).toBe(expected('{"pk":"a","__proto__":{"0":1,"__proto__":"deep"},"constructor":"c","l":[{"__proto__":true}]}'));
    const state = first.filter((m) => m.type === 'STATE').at(-1);

    await put(table, '{"pk":{"S":"b"},"__proto__":{"L":[{"M":{"__proto__":{"NULL":true}}}]},"7":{"S":"seven"}}');
    await put(table, '{"pk":{"S":"a"},"__proto__":{"M":{"__proto__":{"S":"changed"}}},"constructor":{"S":"c"}}');
    await remove(table, '{"pk":{"S":"a"}}');
    const second = await cli(['read', '--config', config, '--catalog', catalogFile, '--state', jsonFile([state])]);
    const changes = second.filter((m) => m.type === 'RECORD').map((m) => m.record.data);
    expect(changes.map(dataText)).toEqual([
      expected('{"7":"seven","pk":"b","__proto__":[{"__proto__":null}]}'),
      expected('{"pk":"a","__proto__":{"__proto__":"changed"},"constructor":"c"}'),
      expected('{"pk":"a","__proto__":{"__proto__":"changed"},"constructor":"c"}'),
    ]);
    expect(changes.map((row) => row._ab_cdc_deleted_at === null)).toEqual([true, true, false]);
    expect(member(member(changes[2], '__proto__'), '__proto__')).toBe('changed');
  });

  it('reach every row of a full refresh by export', async () => {
    const table = uniqueName('awkward_export');
    await createTable(client, table, { hash: ['pk', 'S'] });
    const items = [
      '{"pk":{"S":"a"},"__proto__":{"M":{"__proto__":{"S":"deep"},"0":{"N":"1"}}},"constructor":{"S":"c"}}',
      '{"pk":{"S":"b"},"__proto__":{"L":[{"M":{"__proto__":{"NULL":true}}}]},"7":{"SS":["x"]}}',
    ];
    for (const item of items) await put(table, item);
    emulator.enablePitr(table);
    const config = jsonFile(connectorConfig(emulator.endpoint, { include_tables: [table], initial_load: 'export', export: { s3_bucket: s3.bucket, s3_endpoint: s3.endpoint } }));
    const catalog = jsonFile({ streams: [{ stream: { name: table, json_schema: {}, supported_sync_modes: ['full_refresh'] }, sync_mode: 'full_refresh', destination_sync_mode: 'overwrite' }] });
    const out = await cli(['read', '--config', config, '--catalog', catalog]);
    expect(emulator.exports().some((e) => e.table === table)).toBe(true);
    const rows = out.filter((m) => m.type === 'RECORD').map((m) => m.record.data);
    expect(rows.map(dataText).sort()).toEqual(
      [expected('{"pk":"a","__proto__":{"__proto__":"deep","0":1},"constructor":"c"}'), expected('{"pk":"b","__proto__":[{"__proto__":null}],"7":["x"]}')].sort(),
    );
  });

  it('reach every row of an incremental by Query on a cursor index, from the index itself (ALL) and by BatchGetItem (KEYS_ONLY), as a Scan writes them', async () => {
    const table = uniqueName('awkward_query');
    await createTable(client, table, {
      hash: ['pk', 'S'],
      indexes: [
        { name: 'by_t_all', hash: ['g', 'S'], range: ['t', 'N'], projection: 'ALL' },
        { name: 'by_t_keys', hash: ['g', 'S'], range: ['t', 'N'], projection: 'KEYS_ONLY' },
      ],
    });
    await put(table, '{"pk":{"S":"a"},"g":{"S":"all"},"t":{"N":"1"},"__proto__":{"M":{"__proto__":{"S":"deep"},"0":{"N":"1"}}},"constructor":{"S":"c"},"0":{"S":"zero"}}');
    await put(table, '{"pk":{"S":"b"},"g":{"S":"all"},"t":{"N":"2"},"other":{"S":"unchanged"}}');
    const catalog = jsonFile({
      streams: [
        {
          stream: { name: table, json_schema: {}, supported_sync_modes: ['full_refresh', 'incremental'] },
          sync_mode: 'incremental',
          cursor_field: ['t'],
          destination_sync_mode: 'append_dedup',
          primary_key: [['pk']],
        },
      ],
    });
    const configFor = (index: string) =>
      jsonFile(connectorConfig(endpoint, { include_tables: [table], cursor_indexes: [{ table, index, partition_values: ['all'] }], cursor_lookback_seconds: 0 }));
    const read = async (config: string, state?: unknown) => {
      const result = await runCli(['read', '--config', config, '--catalog', catalog, ...(state !== undefined ? ['--state', jsonFile([state])] : [])]);
      expect(result.code, result.stderr).toBe(0);
      return result;
    };
    const first = await read(configFor('by_t_all'));
    const state = JSON.parse(first.lines.filter((l) => l.startsWith('{"type":"STATE"')).at(-1)!);
    expect(state.state.stream.stream_state.cursor).toEqual({ field: 't', value: { N: '2' } });

    // Changed after the first sync: every awkward name at the top and nested, with new values.
    await put(table, '{"pk":{"S":"a"},"g":{"S":"all"},"t":{"N":"3"},"__proto__":{"M":{"__proto__":{"S":"changed"},"0":{"N":"2"}}},"constructor":{"S":"c2"},"0":{"S":"zero2"}}');
    const scanned = await runCli(['read', '--config', jsonFile(connectorConfig(endpoint, { include_tables: [table] })), '--catalog', jsonFile(fullRefreshCatalog(table))]);
    const scanText = scanned.lines.filter((l) => l.startsWith('{"type":"RECORD"')).map(recordDataText).find((text) => JSON.parse(text).pk === 'a');
    expect(scanText).toBeDefined();
    const row = JSON.parse(scanText!);
    expect(Object.keys(row).sort()).toEqual(['0', '__proto__', 'constructor', 'g', 'pk', 't']);
    expect(member(member(row, '__proto__'), '__proto__')).toBe('changed');

    for (const index of ['by_t_all', 'by_t_keys']) {
      const second = await read(configFor(index), state);
      const logs = second.lines.filter((l) => l.startsWith('{"type":"LOG"')).map((l) => String(JSON.parse(l).log.message));
      expect(logs.some((m) => m.includes(`Query of index ${index}`)), index).toBe(true);
      const texts = second.lines.filter((l) => l.startsWith('{"type":"RECORD"')).map(recordDataText);
      expect(texts, index).toEqual([scanText]);
    }
  });
});
