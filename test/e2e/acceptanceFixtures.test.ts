// The acceptance-test inputs in integration_tests/ must stay what the connector really does: discover's stream is
// the one in configured_catalog.json, and read returns exactly expected_records.jsonl (compared as exact text).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { loadSampleTable, SAMPLE_TABLE } from '../../src/local/sampleData.js';
import { jsonFile, numbersAsText, parseLine, records, runCli } from '../support/cli.js';
import { testClient } from '../support/dynamo.js';

const endpoint = inject('ddbEndpoint');
const dir = join(import.meta.dirname, '..', '..', 'integration_tests');
const fixture = (name: string) => readFileSync(join(dir, name), 'utf8');
const sampleConfig = { ...JSON.parse(fixture('sample_config.json')), endpoint };

describe('integration_tests fixtures', () => {
  beforeAll(async () => {
    await loadSampleTable(testClient(endpoint));
  });

  it('configured_catalog.json holds the stream discover reports', async () => {
    const result = await runCli(['discover', '--config', jsonFile(sampleConfig)]);
    expect(result.code).toBe(0);
    const catalog = JSON.parse(result.lines.find((l) => l.includes('"CATALOG"'))!).catalog;
    const configured = JSON.parse(fixture('configured_catalog.json'));
    expect(catalog.streams.map((s: any) => s.name)).toEqual([SAMPLE_TABLE]);
    expect(configured.streams[0].stream).toEqual(catalog.streams[0]);
  });

  it('expected_records.jsonl is exactly what read returns', async () => {
    const result = await runCli(['read', '--config', jsonFile(sampleConfig), '--catalog', jsonFile(fixture('configured_catalog.json'))]);
    expect(result.code).toBe(0);
    const expected = fixture('expected_records.jsonl').split('\n').filter((l) => l.trim() !== '').map((l) => numbersAsText(parseLine(l)));
    expect(expected.every((e) => e.stream === SAMPLE_TABLE)).toBe(true);
    const key = (r: any) => `${r.customer_id}|${r.order_id}`;
    const sort = (rows: any[]) => [...rows].sort((a, b) => (key(a) < key(b) ? -1 : 1));
    expect(sort(records(result.messages, SAMPLE_TABLE))).toEqual(sort(expected.map((e) => e.data)));
  });

  it('configured_catalog_incremental.json reads everything; with abnormal_state.json it reads nothing and emits a STATE', async () => {
    const catalog = join(dir, 'configured_catalog_incremental.json');
    const first = await runCli(['read', '--config', jsonFile(sampleConfig), '--catalog', catalog]);
    expect(first.code).toBe(0);
    expect(records(first.messages, SAMPLE_TABLE)).toHaveLength(fixture('expected_records.jsonl').trim().split('\n').length);
    const future = await runCli(['read', '--config', jsonFile(sampleConfig), '--catalog', catalog, '--state', join(dir, 'abnormal_state.json')]);
    expect(future.code).toBe(0);
    expect(records(future.messages, SAMPLE_TABLE)).toEqual([]);
    expect(future.messages.filter((m) => m.type === 'STATE')).not.toHaveLength(0);
  });

  it('invalid_config.json fails check and sample_config.json passes it', async () => {
    const bad = await runCli(['check', '--config', join(dir, 'invalid_config.json')]);
    expect(bad.messages.find((m) => m.type === 'CONNECTION_STATUS').connectionStatus.status).toBe('FAILED');
    const good = await runCli(['check', '--config', jsonFile(sampleConfig)]);
    expect(good.messages.find((m) => m.type === 'CONNECTION_STATUS').connectionStatus.status).toBe('SUCCEEDED');
  });
});
