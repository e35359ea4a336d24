// Config validation against the same schema the user sees: every error at once, defaults filled in.
import { Ajv, type ErrorObject } from 'ajv';
import { configError } from '../errors/ConnectorError.js';
import { connectorSpecification } from './spec.js';
import type { DynamoDBSourceSpec } from './spec.generated.js';

export type Config = DynamoDBSourceSpec;

// Airbyte's UI keywords are annotations, not validation rules.
const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: false, discriminator: false });
ajv.addVocabulary(['airbyte_secret', 'order', 'always_show', 'group', 'display_type']);
const validateSchema = ajv.compile(connectorSpecification.connectionSpecification);

/** Returns a human-readable list of problems; empty when the config is valid. Mutates `config` to fill defaults. */
export function configProblems(config: unknown): string[] {
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    return ['the config must be a JSON object'];
  }
  if (!validateSchema(config)) return describeErrors(validateSchema.errors ?? []);
  return crossFieldProblems(config as Config);
}

/** Rules one field's schema cannot say: an export needs a bucket, whichever setting asks for one. */
function crossFieldProblems(config: Config): string[] {
  const problems: string[] = [];
  const replication = config.replication as { mode?: string; on_data_loss?: string } | undefined;
  const users = [
    config.initial_load === 'export' ? 'initial_load is "export"' : undefined,
    replication?.mode === 's3_export' ? 'replication.mode is "s3_export"' : undefined,
    replication?.mode === 'dynamodb_streams' && replication.on_data_loss === 'export' ? 'replication.on_data_loss is "export"' : undefined,
  ].filter((u): u is string => u !== undefined);
  if (users.length > 0 && !config.export?.s3_bucket) problems.push(`export.s3_bucket is required because ${users.join(' and ')}`);
  // The schema leaves partition values untyped (a spec field has one type); each must be a string or a number.
  for (const [i, entry] of (config.cursor_indexes ?? []).entries()) {
    for (const [j, value] of entry.partition_values.entries()) {
      const ok = typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value));
      if (!ok) problems.push(`cursor_indexes.${i}.partition_values.${j} must be a string or a number`);
    }
  }
  return problems;
}

export function parseConfig(raw: unknown): Config {
  const problems = configProblems(raw);
  if (problems.length > 0) {
    throw configError(`Invalid config: ${problems.join('; ')}`);
  }
  return normalize(raw as Config);
}

/** Empty strings from UI forms mean "not set". */
function normalize(config: Config): Config {
  const out: Config = { ...config };
  for (const key of ['endpoint', 'role_arn', 'role_external_id'] as const) {
    if (out[key] === '') delete out[key];
  }
  return out;
}

function describeErrors(errors: ErrorObject[]): string[] {
  // A oneOf failure reports every branch's complaints; keep the branch-level detail only when it is the sole story.
  const messages = new Set<string>();
  for (const e of errors) {
    const where = e.instancePath === '' ? 'config' : e.instancePath.slice(1).replaceAll('/', '.');
    if (e.keyword === 'required') {
      messages.add(`${where === 'config' ? '' : where + '.'}${String(e.params.missingProperty)} is required`);
    } else if (e.keyword === 'const' && e.instancePath.endsWith('/auth_type')) {
      continue; // summarised by the oneOf message below
    } else if (e.keyword === 'oneOf') {
      messages.add(`${where} must match exactly one of its options (check auth_type and its fields)`);
    } else if (e.keyword === 'additionalProperties') {
      messages.add(`${where} has an unknown property ${String(e.params.additionalProperty)}`);
    } else {
      messages.add(`${where} ${e.message ?? 'is invalid'}`);
    }
  }
  return [...messages];
}
