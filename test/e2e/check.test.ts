import { describe, expect, inject, it } from 'vitest';
import { jsonFile, ofType, runCli } from '../support/cli.js';
import { connectorConfig, createTable, testClient, uniqueName } from '../support/dynamo.js';
import { protocolViolations } from '../support/protocol.js';

const endpoint = inject('ddbEndpoint');
const client = testClient(endpoint);

async function check(config: Record<string, unknown>) {
  const result = await runCli(['check', '--config', jsonFile(config, 'config.txt')]);
  expect(protocolViolations(result.messages)).toEqual([]);
  const statuses = ofType(result.messages, 'CONNECTION_STATUS');
  expect(statuses).toHaveLength(1);
  return { status: statuses[0].connectionStatus, result };
}

describe('check', () => {
  it('succeeds when every included table can be described and read', async () => {
    const table = uniqueName('checkok');
    await createTable(client, table, { hash: ['id', 'S'] });
    const { status, result } = await check(connectorConfig(endpoint, { include_tables: [table] }));
    expect(status).toEqual({ status: 'SUCCEEDED' });
    expect(result.code).toBe(0);
  });

  it('fails, naming the filters, when no table matches them', async () => {
    const { status } = await check(connectorConfig(endpoint, { include_tables: ['no_such_table_*'] }));
    expect(status.status).toBe('FAILED');
    expect(status.message).toMatch(/include_tables/);
  });

  it('fails with the reason when DynamoDB cannot be reached', async () => {
    const { status } = await check(connectorConfig('http://127.0.0.1:1', { max_retries: 0 }));
    expect(status.status).toBe('FAILED');
    expect(status.message).toMatch(/ListTables/);
    expect(status.message).toMatch(/ECONNREFUSED/);
  });
});
