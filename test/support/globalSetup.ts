// One DynamoDB Local for the whole run (tests use unique table names), started on a free port.
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
