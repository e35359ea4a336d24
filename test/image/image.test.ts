// The connector's Airbyte image, built with buildah from a clean copy of the repository (the Dockerfile as users
// build it, on a local stand-in for node:20-slim where no registry is reachable) and run as the Airbyte platform
// runs it: AIRBYTE_ENTRYPOINT, config and catalog mounted, stdout read as protocol messages, against DynamoDB Local
// on the host network. Then Airbyte's own standard connector tests (airbyte-cdk's DockerConnectorTestSuite) with
// the scenarios of acceptance-test-config.yml, and PyAirbyte's `pyab validate` of the executable.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { startDynamoDBLocal, type RunningDynamoDBLocal } from '../../src/local/dynamodbLocal.js';
import { loadSampleTable, SAMPLE_TABLE } from '../../src/local/sampleData.js';
import { jsonFile, numbersAsText, parseLine, records, runCli } from '../support/cli.js';
import { testClient } from '../support/dynamo.js';
import { HOSTS_DIR, REPO_ROOT, hostBin, hostEnv } from '../support/hosts.js';
import { DOCKER_WRAPPER_DIR, IMAGE, buildImage, cleanCheckout, inspectImage, run, runAsAirbyte, runInImage } from '../support/image.js';
import { protocolViolations } from '../support/protocol.js';

const fixtures = join(REPO_ROOT, 'integration_tests');
const fixture = (name: string) => readFileSync(join(fixtures, name), 'utf8');
const metadata = parseYaml(readFileSync(join(REPO_ROOT, 'metadata.yaml'), 'utf8')).data;

let ddb: RunningDynamoDBLocal;
/** integration_tests/sample_config.json, pointed at this file's DynamoDB Local. */
let sampleConfig: Record<string, unknown>;
const catalog = JSON.parse(fixture('configured_catalog.json'));

const key = (r: any) => `${r.customer_id}|${r.order_id}`;
const sorted = (rows: any[]) => [...rows].sort((a, b) => (key(a) < key(b) ? -1 : 1));

beforeAll(async () => {
  // Its own DynamoDB Local: the acceptance scenarios read the fixed table demo_orders, which other files also load.
  const [built] = await Promise.all([
    buildImage(cleanCheckout()),
    (async () => {
      ddb = await startDynamoDBLocal();
      await loadSampleTable(testClient(ddb.endpoint));
    })(),
  ]);
  sampleConfig = { ...JSON.parse(fixture('sample_config.json')), endpoint: ddb.endpoint };
  const { size } = await inspectImage();
  console.log(`image ${IMAGE}: built in ${built.seconds.toFixed(0)} s, ${(size / 1e6).toFixed(0)} MB`);
}, 1_500_000);

afterAll(async () => {
  await ddb?.stop();
});

describe('the Airbyte image', () => {
  it('carries metadata.yaml name and version as its labels, runs as an unprivileged user, and AIRBYTE_ENTRYPOINT is its entrypoint', async () => {
    const { config } = await inspectImage();
    expect(config.Labels['io.airbyte.name']).toBe(metadata.dockerRepository);
    expect(config.Labels['io.airbyte.version']).toBe(metadata.dockerImageTag);
    expect(config.User).toBe('node');
    // Built on the official base by default, so Docker users elsewhere build it as before.
    expect(readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8')).toMatch(/^ARG BASE_IMAGE=node:20-slim$/m);
    const id = await runInImage(['id', '-u']);
    expect(id.code).toBe(0);
    expect(Number(id.stdout.trim())).toBeGreaterThan(0);
    const env = new Map((config.Env as string[]).map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
    expect(env.get('AIRBYTE_ENTRYPOINT')).toBe(config.Entrypoint.join(' '));
  });

  it('spec prints the connector specification, schemas/spec.json', async () => {
    const result = await runAsAirbyte('spec');
    expect(result.code).toBe(0);
    expect(protocolViolations(result.messages)).toEqual([]);
    const spec = result.messages.find((m) => m.type === 'SPEC').spec;
    expect(numbersAsText(spec)).toEqual(numbersAsText(parseLine(readFileSync(join(REPO_ROOT, 'schemas', 'spec.json'), 'utf8'))));
  });

  it('check succeeds against DynamoDB Local on the host network, and fails for invalid_config.json', async () => {
    const good = await runAsAirbyte('check', { config: sampleConfig });
    expect(good.code).toBe(0);
    expect(protocolViolations(good.messages)).toEqual([]);
    expect(good.messages.find((m) => m.type === 'CONNECTION_STATUS').connectionStatus.status).toBe('SUCCEEDED');
    const bad = await runAsAirbyte('check', { config: JSON.parse(fixture('invalid_config.json')) });
    expect(bad.messages.find((m) => m.type === 'CONNECTION_STATUS').connectionStatus.status).toBe('FAILED');
    expect(bad.stdout).not.toMatch(/^\s+at /m);
  });

  it('discover reports the catalog the CLI reports, the stream of configured_catalog.json', async () => {
    const image = await runAsAirbyte('discover', { config: sampleConfig });
    expect(image.code).toBe(0);
    expect(protocolViolations(image.messages)).toEqual([]);
    const cli = await runCli(['discover', '--config', jsonFile(sampleConfig)]);
    const catalogOf = (messages: any[]) => numbersAsText(messages.find((m) => m.type === 'CATALOG').catalog);
    expect(catalogOf(image.messages)).toEqual(catalogOf(cli.messages));
    expect(catalogOf(image.messages).streams[0]).toEqual(numbersAsText(catalog.streams[0].stream));
  });

  it('read returns the records the CLI returns for the same table and catalog, exactly expected_records.jsonl', async () => {
    const image = await runAsAirbyte('read', { config: sampleConfig, catalog });
    expect(image.code).toBe(0);
    expect(protocolViolations(image.messages)).toEqual([]);
    const cli = await runCli(['read', '--config', jsonFile(sampleConfig), '--catalog', jsonFile(catalog)]);
    expect(cli.code).toBe(0);
    const fromImage = sorted(records(image.messages, SAMPLE_TABLE));
    expect(fromImage.length).toBeGreaterThan(0);
    expect(fromImage).toEqual(sorted(records(cli.messages, SAMPLE_TABLE)));
    const expected = fixture('expected_records.jsonl').split('\n').filter((l) => l.trim() !== '').map((l) => numbersAsText(parseLine(l)).data);
    expect(fromImage).toEqual(sorted(expected));
    // The final state is the same too: a later incremental sync from the image's state behaves as from the CLI's.
    const lastState = (messages: any[]) => numbersAsText(messages.filter((m) => m.type === 'STATE').at(-1));
    expect(lastState(image.messages)).toEqual(lastState(cli.messages));
  });
});

/** A test case of a JUnit XML report: its name and outcome (skip and failure messages kept). */
interface TestCase {
  name: string;
  outcome: 'passed' | 'skipped' | 'failed';
  message: string;
}

function junitCases(xml: string): TestCase[] {
  const decode = (s: string) => s.replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&#10;/g, '\n').replace(/&amp;/g, '&');
  const cases: TestCase[] = [];
  for (const match of xml.matchAll(/<testcase\b([^>]*?)(\/>|>([\s\S]*?)<\/testcase>)/g)) {
    const name = decode(/\bname="([^"]*)"/.exec(match[1] ?? '')?.[1] ?? '');
    const body = match[3] ?? '';
    const outcome = /<(failure|error)\b/.test(body) ? 'failed' : /<skipped\b/.test(body) ? 'skipped' : 'passed';
    cases.push({ name, outcome, message: decode(/\bmessage="([^"]*)"/.exec(body)?.[1] ?? body.slice(0, 2000)) });
  }
  return cases;
}

/**
 * A copy of the connector's test inputs (metadata.yaml, acceptance-test-config.yml, integration_tests/) whose
 * configs point at this file's DynamoDB Local instead of localhost:8000; everything else is as committed.
 */
function connectorRootCopy(): string {
  const root = join(mkdtempSync(join(tmpdir(), 'source-dynamodb-standard-')), 'source-dynamodb');
  mkdirSync(join(root, 'integration_tests'), { recursive: true });
  for (const file of ['metadata.yaml', 'acceptance-test-config.yml']) cpSync(join(REPO_ROOT, file), join(root, file));
  for (const file of readdirSync(fixtures).filter((f) => /\.jsonl?$/.test(f))) {
    writeFileSync(join(root, 'integration_tests', file), fixture(file).replaceAll('http://localhost:8000', ddb.endpoint));
  }
  return root;
}

describe("Airbyte's standard connector tests (airbyte-cdk DockerConnectorTestSuite) against the image", () => {
  it('pass: spec, config against spec, check of both scenarios, discover, read; only the tests that cannot apply are skipped', { timeout: 900_000 }, async () => {
    const python = hostBin('airbyte-cdk', 'python');
    const report = join(mkdtempSync(join(tmpdir(), 'source-dynamodb-junit-')), 'report.xml');
    const result = await run(
      python,
      [
        '-m', 'pytest', '-p', 'airbyte_cdk.test.standard_tests.pytest_hooks', '-p', 'no:cacheprovider',
        join(REPO_ROOT, 'test', 'image', 'test_airbyte_standard.py'),
        '--connector-image', IMAGE, '--read-from-streams=all', '--read-scenarios=sample_config',
        '-rA', `--junitxml=${report}`,
      ],
      {
        cwd: tmpdir(),
        // The buildah-backed `docker` is on PATH for this process only.
        env: hostEnv('airbyte-cdk', { PATH: `${DOCKER_WRAPPER_DIR}:${hostEnv('airbyte-cdk').PATH}`, SOURCE_DYNAMODB_CONNECTOR_ROOT: connectorRootCopy() }),
        timeoutMs: 880_000,
      },
    );
    const cases = junitCases(readFileSync(report, 'utf8'));
    console.log(`standard tests: ${cases.map((c) => `${c.outcome.toUpperCase()} ${c.name}`).join('\n  ')}`);
    const failed = cases.filter((c) => c.outcome === 'failed');
    expect(failed, result.stdout.slice(-8000)).toEqual([]);
    expect(result.code).toBe(0);
    expect(cases.filter((c) => c.outcome === 'passed').map((c) => c.name).sort()).toEqual(
      [
        'test_docker_image_build_and_spec',
        "test_docker_image_build_and_config_matches_spec['sample_config' Test Scenario]",
        "test_docker_image_build_and_check['sample_config' Test Scenario]",
        "test_docker_image_build_and_check['invalid_config' Test Scenario]",
        "test_docker_image_build_and_discover['sample_config' Test Scenario]",
        "test_docker_image_build_and_read['sample_config' Test Scenario]",
      ].sort(),
    );
    // Skipped: the backward-compatibility check, which compares with the spec published in Airbyte's registry
    // (unreachable offline, and this connector was never published there), and the verbs invalid_config.json
    // is not listed for in acceptance-test-config.yml (it is a `connection` scenario only).
    const skipped = cases.filter((c) => c.outcome === 'skipped');
    expect(skipped.map((c) => c.name).sort()).toEqual(
      [
        'test_docker_image_spec_backward_compatibility',
        "test_docker_image_build_and_config_matches_spec['invalid_config' Test Scenario]",
        "test_docker_image_build_and_discover['invalid_config' Test Scenario]",
        "test_docker_image_build_and_read['invalid_config' Test Scenario]",
      ].sort(),
    );
    expect(skipped.find((c) => c.name === 'test_docker_image_spec_backward_compatibility')!.message).toMatch(/registry could not be reached|no published version/);
    for (const c of skipped.filter((c) => c.name.includes('invalid_config'))) expect(c.message).toMatch(/does not run for scenario 'invalid_config'/);
  });
});

describe("PyAirbyte's pyab validate", () => {
  const validate = (config: string) =>
    run(hostBin('pyairbyte', 'pyab'), ['validate', `--connector=${join(HOSTS_DIR, 'bin', 'source-dynamodb')}`, `--config=${config}`], {
      env: hostEnv('pyairbyte'),
      cwd: mkdtempSync(join(tmpdir(), 'source-dynamodb-pyab-')),
      timeoutMs: 240_000,
    });

  it('accepts the executable: its CLI, spec, and a check with the sample config', { timeout: 300_000 }, async () => {
    const result = await validate(jsonFile(sampleConfig, 'config.json'));
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout + result.stderr).toMatch(/Connection check succeeded/);
  });

  it('fails when the check fails (invalid_config.json)', { timeout: 300_000 }, async () => {
    const result = await validate(join(fixtures, 'invalid_config.json'));
    expect(result.code).not.toBe(0);
  });
});
