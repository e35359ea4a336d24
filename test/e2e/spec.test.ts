// The spec as Airbyte's acceptance tests judge it, read from the real CLI's SPEC message.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { protocolViolations } from '../support/protocol.js';

type Schema = Record<string, any>;

/** Every sub-schema of the spec with its JSON path. */
function* walk(schema: Schema, path = '$'): Generator<[string, Schema]> {
  yield [path, schema];
  for (const [name, child] of Object.entries(schema.properties ?? {})) yield* walk(child as Schema, `${path}.${name}`);
  for (const [i, variant] of (schema.oneOf ?? []).entries()) yield* walk(variant, `${path}.oneOf[${i}]`);
  if (schema.items && typeof schema.items === 'object') yield* walk(schema.items, `${path}[]`);
}

describe('spec', () => {
  let spec: Schema;
  let connection: Schema;

  beforeAll(async () => {
    const result = await runCli(['spec']);
    expect(result.code).toBe(0);
    expect(result.messages).toHaveLength(1);
    expect(protocolViolations(result.messages)).toEqual([]);
    spec = JSON.parse(result.lines[0]!).spec;
    connection = spec.connectionSpecification;
  });

  it('is a draft-07 object schema with the documented fields', () => {
    expect(connection.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(connection.required).toEqual(['region']);
    for (const field of ['region', 'endpoint', 'credentials', 'role_arn', 'role_external_id', 'role_session_name', 'include_tables',
      'exclude_tables', 'discovery_sample_size', 'scan_segments', 'read_concurrency', 'page_size', 'consistent_read']) {
      expect(connection.properties, field).toHaveProperty(field);
    }
    expect(connection.properties.discovery_sample_size.default).toBe(1000);
    expect(connection.properties.consistent_read.default).toBe(false);
  });

  it('sets every additionalProperties to true, on every object', () => {
    for (const [path, node] of walk(connection)) {
      if ('additionalProperties' in node) expect(node.additionalProperties, path).toBe(true);
      if (node.type === 'object') expect(node.additionalProperties, path).toBe(true);
    }
  });

  it('uses no $ref, anyOf, allOf or not, and type arrays only as [T] or [T, "null"]', () => {
    const text = JSON.stringify(connection);
    for (const keyword of ['$ref', 'anyOf', 'allOf', '"not"']) expect(text).not.toContain(keyword.startsWith('"') ? keyword + ':' : `"${keyword}"`);
    for (const [path, node] of walk(connection)) {
      if (Array.isArray(node.type)) {
        expect(node.type.length === 1 || (node.type.length === 2 && node.type[1] === 'null'), path).toBe(true);
      }
    }
  });

  it('marks secrets', () => {
    const secretish = /secret|password|token|external_id|access_key/;
    for (const [path, node] of walk(connection)) {
      const name = path.split('.').pop()!;
      if (secretish.test(name)) expect(node.airbyte_secret, path).toBe(true);
    }
  });

  it('gives each oneOf one shared const discriminator, required in every variant', () => {
    for (const [path, node] of walk(connection)) {
      if (!node.oneOf) continue;
      const consts = node.oneOf.map((v: Schema) =>
        Object.entries(v.properties ?? {}).filter(([, p]) => (p as Schema).const !== undefined).map(([k]) => k),
      );
      const discriminator = consts[0][0];
      expect(discriminator, path).toBeDefined();
      for (const [i, variant] of node.oneOf.entries()) {
        expect(consts[i], `${path}.oneOf[${i}]`).toEqual([discriminator]);
        expect(variant.required, `${path}.oneOf[${i}]`).toContain(discriminator);
      }
      const values = node.oneOf.map((v: Schema) => v.properties[discriminator].const);
      expect(new Set(values).size, path).toBe(values.length);
    }
  });

  it('has unique order values among siblings', () => {
    for (const [path, node] of walk(connection)) {
      if (!node.properties) continue;
      const orders = Object.values(node.properties).map((p) => (p as Schema).order).filter((o) => o !== undefined);
      expect(new Set(orders).size, path).toBe(orders.length);
    }
  });

  it('matches the committed generated config type', () => {
    const script = join(import.meta.dirname, '..', '..', 'scripts', 'generate-config-types.mjs');
    expect(() => execFileSync(process.execPath, [script, '--check'], { stdio: 'pipe' })).not.toThrow();
  });

  it('is served by the bundled CLI from any working directory, which also knows its version', () => {
    const cli = join(import.meta.dirname, '..', '..', 'dist', 'src', 'cli.js');
    const elsewhere = { cwd: tmpdir(), stdio: 'pipe' as const, encoding: 'utf8' as const };
    expect(JSON.parse(execFileSync(process.execPath, [cli, 'spec'], elsewhere)).spec).toEqual(spec);
    const manifest = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8')) as { version: string };
    expect(execFileSync(process.execPath, [cli, '--version'], elsewhere).trim()).toBe(manifest.version);
  });
});
