// One DynamoDB Local for each project of vitest.config.ts (tests use unique table names), started on a free port: the
// timing tests, which run after the rest, get a server no other test has loaded.
import type { TestProject } from 'vitest/node';
import { startDynamoDBLocal, type RunningDynamoDBLocal } from '../../src/local/dynamodbLocal.js';

let server: RunningDynamoDBLocal | undefined;

export async function setup(project: TestProject) {
  server = await startDynamoDBLocal();
  project.provide('ddbEndpoint', server.endpoint);
}

export async function teardown() {
  await server?.stop();
}

declare module 'vitest' {
  export interface ProvidedContext {
    ddbEndpoint: string;
  }
}
