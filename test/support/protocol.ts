// Validates emitted messages against the project's own JSON schema of the Airbyte messages it emits
// (schemas/airbyte-messages.schema.json, written from the public protocol), so "every line is a valid message of its
// type" is checked by the repository alone. PyAirbyte's test (test/hosts) is the second check: it parses every
// message with the official protocol models.
import { Ajv } from 'ajv';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { numbersAsText, type CliResult } from './cli.js';

export const MESSAGE_SCHEMA_PATH = join(import.meta.dirname, '..', '..', 'schemas', 'airbyte-messages.schema.json');

const ajv = new Ajv({ strict: false, allErrors: true });
const validateMessage = ajv.compile(JSON.parse(readFileSync(MESSAGE_SCHEMA_PATH, 'utf8')));

/** Returns a description of every message that does not match its protocol definition. */
export function protocolViolations(messages: any[]): string[] {
  const problems: string[] = [];
  for (const raw of messages) {
    // Numbers are checked as numbers; lossless ones become JS numbers only for this structural check.
    const message = JSON.parse(JSON.stringify(numbersAsText(raw), (_k, v) => v));
    const restored = restoreNumbers(raw);
    if (!validateMessage(restored)) problems.push(`${JSON.stringify(message).slice(0, 200)}: ${ajv.errorsText(validateMessage.errors)}`);
    const payloadKey = payloadOf(raw.type);
    if (payloadKey && raw[payloadKey] === undefined) problems.push(`${raw.type} message has no ${payloadKey}`);
  }
  return problems;
}

function restoreNumbers(value: any): any {
  if (value && typeof value === 'object' && typeof value.isLosslessNumber === 'boolean') return Number(value.value);
  if (Array.isArray(value)) return value.map(restoreNumbers);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, restoreNumbers(v)]));
  return value;
}

const payloadOf = (type: string) =>
  ({ RECORD: 'record', STATE: 'state', LOG: 'log', SPEC: 'spec', CONNECTION_STATUS: 'connectionStatus', CATALOG: 'catalog', TRACE: 'trace' })[type];

/** Every protocol message valid, and no stack trace anywhere a user would read it. */
export function expectCleanOutput(result: CliResult): void {
  expect(protocolViolations(result.messages)).toEqual([]);
  expect(result.lines.filter((l) => /^\s+at /m.test(l))).toEqual([]);
  expect(messageFieldsWithStack(result.messages)).toEqual([]);
  expect(result.stderr).not.toMatch(/^\s+at /m);
}

function messageFieldsWithStack(value: unknown, path = ''): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => messageFieldsWithStack(v, `${path}[${i}]`));
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([k, v]) =>
    typeof v === 'string' ? (/message$/.test(k) && v.includes('\n    at ') ? [`${path}.${k}: ${v.slice(0, 200)}`] : []) : messageFieldsWithStack(v, `${path}.${k}`),
  );
}
