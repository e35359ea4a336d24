// Singer table versions through the real CLI: a FULL_TABLE copy from its start stamps its RECORDs with a version and
// ends with ACTIVATE_VERSION (so a target can drop rows of deleted items); a copy resumed mid-scan, and the other
// replication methods, carry none.
import { describe, expect, inject, it } from 'vitest';
import { jsonFile, numbersAsText, runCli } from '../support/cli.js';
import { connectorConfig, createTable, putItems, testClient, uniqueName } from '../support/dynamo.js';

const endpoint = inject('ddbEndpoint');
const client = testClient(endpoint);

describe('Singer table versions', () => {
  it('FULL_TABLE: every RECORD carries the version ACTIVATE_VERSION activates after the copy; INCREMENTAL: none', { timeout: 120_000 }, async () => {
    const table = uniqueName('versions');
    await createTable(client, table, { hash: ['pk', 'S'] });
    await putItems(client, table, Array.from({ length: 20 }, (_, i) => ({ pk: { S: `k${i}` }, at: { S: `2026-01-0${(i % 9) + 1}` } })));
    const config = jsonFile(connectorConfig(endpoint, { include_tables: [table], page_size: 5, checkpoint_records: 5 }));
    const catalog = (await runCli(['--config', config, '--discover'])).messages[0];

    const full = await runCli(['--config', config, '--catalog', jsonFile(catalog)]);
    expect(full.code).toBe(0);
    const messages: any[] = numbersAsText(full.messages);
    const records = messages.filter((m) => m.type === 'RECORD');
    expect(records).toHaveLength(20);
    const version = records[0].version;
    expect(version).toMatch(/^\d{13}$/);
    expect(records.every((m) => m.version === version)).toBe(true);
    const activate = messages.findIndex((m) => m.type === 'ACTIVATE_VERSION');
    expect(messages[activate]).toEqual({ type: 'ACTIVATE_VERSION', stream: table, version });
    expect(messages.slice(activate + 1).filter((m) => m.type === 'RECORD')).toEqual([]);

    // Resumed from a STATE taken mid-copy: the rows copied before carry another version, so none is activated.
    // (State numbers back to plain JSON numbers, as a host stores them.)
    const states = full.messages.filter((m) => m.type === 'STATE').map((m) => JSON.parse(JSON.stringify(m.value, (_k, v) => (v?.isLosslessNumber ? Number(v.value) : v))));
    const midState = states.find((v) => v.bookmarks[table].scan !== null);
    expect(midState).toBeDefined();
    const resumed = await runCli(['--config', config, '--catalog', jsonFile(catalog), '--state', jsonFile(midState)]);
    expect(resumed.stderr).not.toContain('CRITICAL');
    expect(resumed.code).toBe(0);
    expect(resumed.messages.filter((m) => m.type === 'RECORD').length).toBeGreaterThan(0);
    expect(resumed.messages.filter((m) => m.type === 'RECORD' && m.version !== undefined)).toEqual([]);
    expect(resumed.messages.filter((m) => m.type === 'ACTIVATE_VERSION')).toEqual([]);

    const entry = catalog.streams[0];
    entry.metadata.find((m: any) => m.breadcrumb.length === 0).metadata = { ...entry.metadata[0].metadata, 'replication-method': 'INCREMENTAL', 'replication-key': 'at' };
    const incremental = await runCli(['--config', config, '--catalog', jsonFile(catalog)]);
    expect(incremental.messages.filter((m) => m.type === 'RECORD')).toHaveLength(20);
    expect(incremental.messages.filter((m) => m.type === 'ACTIVATE_VERSION' || m.version !== undefined)).toEqual([]);
  });
});
