// Wrong inputs through the built CLI: invalid or unreadable config, bad catalogs, corrupt or foreign state. Each must
// end in a message that tells the user what to fix (config_error), valid protocol output, no stack trace — and
// inputs that are merely unusual (empty state, .txt files, state of other streams) must just work.
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { fullRefreshCatalog, jsonFile, ofType, records, runCli, traces, type CliResult } from '../support/cli.js';
import { connectorConfig, createTable, putItems, testClient, uniqueName } from '../support/dynamo.js';
import { expectCleanOutput } from '../support/protocol.js';

const endpoint = inject('ddbEndpoint');
const client = testClient(endpoint);

const catalogEntry = (name: string, syncMode: unknown = 'full_refresh') => ({
  stream: { name, json_schema: {}, supported_sync_modes: ['full_refresh'] },
  sync_mode: syncMode,
  destination_sync_mode: 'overwrite',
});


const errorsOf = (result: CliResult) => traces(result.messages, 'ERROR').map((t) => t.error);

const statusesOf = (result: CliResult, stream: string) =>
  traces(result.messages, 'STREAM_STATUS')
    .filter((t) => t.stream_status.stream_descriptor.name === stream)
    .map((t) => t.stream_status.status);

/** The run failed with exactly one config_error and sent no data. */
function expectConfigErrorOnly(result: CliResult): any {
  expectCleanOutput(result);
  expect(result.code).not.toBe(0);
  expect(ofType(result.messages, 'RECORD')).toEqual([]);
  expect(ofType(result.messages, 'CATALOG')).toEqual([]);
  const errors = errorsOf(result);
  expect(errors).toHaveLength(1);
  expect(errors[0].failure_type).toBe('config_error');
  return errors[0];
}

describe('invalid config', () => {
  // Three problems at once: no region, zero segments, access keys without the secret.
  const invalid = {
    endpoint,
    scan_segments: 0,
    credentials: { auth_type: 'access_keys', access_key_id: 'test' },
  };

  it('check fails with one CONNECTION_STATUS listing every problem', async () => {
    const result = await runCli(['check', '--config', jsonFile(invalid)]);

    expectCleanOutput(result);
    expect(result.code).toBe(0);
    expect(errorsOf(result)).toEqual([]);
    const statuses = ofType(result.messages, 'CONNECTION_STATUS');
    expect(statuses).toHaveLength(1);
    const { status, message } = statuses[0].connectionStatus;
    expect(status).toBe('FAILED');
    expect(message).toMatch(/region/);
    expect(message).toMatch(/scan_segments/);
    expect(message).toMatch(/secret_access_key/);
  });

  it('discover fails with a config_error listing every problem', async () => {
    const result = await runCli(['discover', '--config', jsonFile(invalid)]);

    const error = expectConfigErrorOnly(result);
    expect(error.message).toMatch(/region/);
    expect(error.message).toMatch(/scan_segments/);
    expect(error.message).toMatch(/secret_access_key/);
  });

  it('a config file that is not JSON is a config_error', async () => {
    const path = jsonFile('{"region": "us-east-1", endpoint: ', 'config.json');
    const result = await runCli(['discover', '--config', path]);

    const error = expectConfigErrorOnly(result);
    expect(error.message).toContain(path);
    expect(error.message).toMatch(/not valid JSON/i);
  });
});

describe('read with a wrong catalog or state', () => {
  const table = uniqueName('errors');
  const items = Array.from({ length: 30 }, (_, i) => ({ pk: { S: `k${i}` }, v: { N: String(i) } }));
  const expectedKeys = items.map((it) => it.pk.S).sort();
  const config = () => jsonFile(connectorConfig(endpoint, { scan_segments: 2 }));
  const stateFor = (name: string, streamState: unknown) => ({
    type: 'STATE',
    state: { type: 'STREAM', stream: { stream_descriptor: { name }, stream_state: streamState } },
  });

  beforeAll(async () => {
    await createTable(client, table, { hash: ['pk', 'S'] });
    await putItems(client, table, items);
  });

  const read = (catalog: unknown, state?: string) =>
    runCli(['read', '--config', config(), '--catalog', jsonFile(catalog, 'catalog.json'), ...(state === undefined ? [] : ['--state', state])]);

  /** The run read every item of the table and completed it. */
  function expectFullRead(result: CliResult): void {
    expectCleanOutput(result);
    expect(result.code).toBe(0);
    expect(errorsOf(result)).toEqual([]);
    expect(records(result.messages, table).map((r) => r.pk).sort()).toEqual(expectedKeys);
    expect(statusesOf(result, table)).toEqual(['STARTED', 'RUNNING', 'COMPLETE']);
  }

  it('a stream whose table does not exist fails as a config_error; the other streams complete', async () => {
    const missing = uniqueName('no_such_table');
    const result = await read(fullRefreshCatalog(missing, table));

    expectCleanOutput(result);
    expect(result.code).not.toBe(0);
    expect(statusesOf(result, missing)).toEqual(['STARTED', 'INCOMPLETE']);
    const errors = errorsOf(result);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ failure_type: 'config_error', stream_descriptor: { name: missing } });
    expect(errors[0].message).toContain(missing);
    expect(records(result.messages, table).map((r) => r.pk).sort()).toEqual(expectedKeys);
    expect(statusesOf(result, table)).toEqual(['STARTED', 'RUNNING', 'COMPLETE']);
  });

  it('an unknown sync_mode is a config_error', async () => {
    const result = await read({ streams: [catalogEntry(table, 'bogus')] });

    const error = expectConfigErrorOnly(result);
    expect(error.message).toContain('bogus');
    expect(error.message).toContain(table);
  });

  it('a corrupt stream state is a config_error that names the stream and says to reset it', async () => {
    const state = jsonFile([stateFor(table, { version: 99 })], 'state.json');
    const result = await read(fullRefreshCatalog(table), state);

    const error = expectConfigErrorOnly(result);
    expect(error.message).toContain(table);
    expect(error.message).toMatch(/reset/i);
  });

  it('a GLOBAL state is a config_error', async () => {
    const global = [{ type: 'STATE', state: { type: 'GLOBAL', global: { shared_state: {}, stream_states: [] } } }];
    const result = await read(fullRefreshCatalog(table), jsonFile(global, 'state.json'));

    const error = expectConfigErrorOnly(result);
    expect(error.message).toMatch(/GLOBAL/);
  });

  it.each([
    ['[]', '[]'],
    ['an empty file', ''],
  ])('state given as %s reads everything', async (_label, content) => {
    expectFullRead(await read(fullRefreshCatalog(table), jsonFile(content, 'state.json')));
  });

  it('state of a stream that is not in the catalog is ignored', async () => {
    const other = uniqueName('not_in_catalog');
    const state = [
      stateFor(other, {
        version: 1,
        sync_mode: 'full_refresh',
        scan: { total_segments: 4, completed_segments: [[0, 2]], segment_positions: {}, cursor_lower_bound: null, max_cursor_seen: null },
        cursor: null,
      }),
    ];
    const result = await read(fullRefreshCatalog(table), jsonFile(state, 'state.json'));

    expectFullRead(result);
    // No state is emitted for the stream that was not read.
    const stateStreams = ofType(result.messages, 'STATE').map((m) => m.state.stream.stream_descriptor.name);
    expect(stateStreams).not.toContain(other);
  });

  it('config, catalog and state files with a .txt extension work', async () => {
    const result = await runCli([
      'read',
      '--config', jsonFile(connectorConfig(endpoint, { scan_segments: 2 }), 'config.txt'),
      '--catalog', jsonFile(fullRefreshCatalog(table), 'catalog.txt'),
      '--state', jsonFile([], 'state.txt'),
    ]);
    expectFullRead(result);
  });
});
